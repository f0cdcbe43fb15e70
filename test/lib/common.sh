# Shared helpers for black-box tests (sourced). Every wait is bounded.
set -uo pipefail
: "${SIPCAPD_BIN:?SIPCAPD_BIN not set (run through ctest)}"
: "${SIPCAPD_MODULE_DIR:?}"
TMP="$(mktemp -d /tmp/sipcapd-test.XXXXXX)"
# Debian's python3 directly: a pyenv shim on PATH can take seconds to start.
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
PIDS=()
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
cleanup_common() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup_common EXIT
# free_port [udp|tcp]: a port the OS says is free on 127.0.0.1, and not
# one this test script was already given: the port is only probed, so two
# calls in a row could get the same one back from the kernel (a test then
# talked to its own HEP listener instead of its registrar). The ports given
# are kept in the test's $TMP (free_port runs in $(...) subshells).
FREE_PORTS_FILE=${FREE_PORTS_FILE:-$TMP/.free_ports}
free_port() {  # free_port udp|tcp: a port on 127.0.0.1 free for both UDP and TCP
  # (cfgs often listen on both protos of one port; tests run in parallel)
  "$PY" - "$1" "$FREE_PORTS_FILE" <<'PY'
import os, socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
other = socket.SOCK_STREAM if t == socket.SOCK_DGRAM else socket.SOCK_DGRAM
given = set()
if os.path.exists(sys.argv[2]):
    given = {l.strip() for l in open(sys.argv[2])}
for _ in range(100):
    s = socket.socket(socket.AF_INET, t); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    o = socket.socket(socket.AF_INET, other)
    try:
        if str(port) in given:
            continue
        o.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        o.close(); s.close()
    with open(sys.argv[2], "a") as f:
        f.write("%d\n" % port)
    print(port)
    break
PY
}
# udp_listening PORT / tcp_listening PORT: something listens there.
udp_listening() { ss -Hlun "sport = :$1" | grep -q .; }
tcp_listening() { ss -Hltn "sport = :$1" | grep -q .; }
# wait_for CMD... : retries CMD for up to WAIT_SECS (default 10) seconds.
wait_for() {
  local deadline=$(( $(date +%s) + ${WAIT_SECS:-10} ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}
# start_node CFG LOG: starts sipcapd in the foreground, records its pid in NODE_PID.
start_node() {
  "$SIPCAPD_BIN" -F -E -f "$1" >"$2" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
}
stop_node() {  # stop_node PID: SIGTERM, wait up to 10 s; returns the exit code
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; return 99; }
  wait "$pid"
}
send_udp() {  # send_udp PORT TEXT
  "$PY" - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
PY
}
# count_ge FILE PATTERN N: true when FILE has at least N lines matching PATTERN.
count_ge() { [ -f "$1" ] && [ "$(grep -c -- "$2" "$1")" -ge "$3" ]; }
# check_cfg CFG OUT WHAT: `sipcapd -c` on CFG (its output in OUT); on an
# error prints that output and fails with WHAT.
check_cfg() {
  "$SIPCAPD_BIN" -c -f "$1" >"$2" 2>&1 || { cat "$2"; fail "$3"; }
}
# A stateless proxy with several UDP workers may relay sipp's back-to-back
# 180 and 200 in either order; the UAC is right to ignore a provisional
# reply after the final one (RFC 3261 §17.1.1.2), but sipp's built-in uac
# aborts the call on it. UACs through a stateless proxy take $SIPP_LATE_1XX
# (count it as unexpected, go on) and -trace_err -error_file FILE, and
# only_late_provisionals FILE fails unless every unexpected message sipp saw
# was a 1xx to the INVITE and no call was aborted.
SIPP_LATE_1XX="-default_behaviors all,-abortunexp"
only_late_provisionals() {  # only_late_provisionals SIPP_ERROR_FILE WHAT
  [ -f "$1" ] || return 0
  "$PY" - "$1" "$2" <<'PY' || fail "$2: sipp saw unexpected messages other than late provisional replies"
import re, sys
text = open(sys.argv[1], errors="replace").read()
events = re.split(r"\n(?=\d{4}-\d\d-\d\d\t)", text)
late = bad = 0
for e in events:
    if "unexpected message" not in e:
        continue
    m = re.search(r"received '(.*)", e, re.S)
    body = m.group(1) if m else ""
    if "Continuing call" in e and re.match(r"SIP/2\.0 1\d\d ", body) and \
            re.search(r"^CSeq:\s*\d+ INVITE\s*$", body, re.M | re.I):
        late += 1
    else:
        bad += 1
        print(e[:600])
print("%s: %d late provisional replies ignored" % (sys.argv[2], late))
sys.exit(1 if bad else 0)
PY
}
