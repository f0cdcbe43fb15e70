# Shared by the tracing benches (trace_cost.sh, trace_cost_paired.sh):
# sourced, not run. Resolves the build, checks sipp and the modules, makes
# $TMP (removed on exit with every pid in PIDS), has the CPU and sipp UAS
# helpers, and writes the capture node's and the proxies' cfgs.
# Env: SIPCAPD_BIN, SIPCAPD_MODULE_DIR (as in ctest), or BUILD=<build dir>
# (test/bench/run.sh passes SIPCAPD_BUILD_DIR).
# shellcheck shell=bash
BUILD=${BUILD:-${SIPCAPD_BUILD_DIR:-build}}
SIPCAPD_BIN=${SIPCAPD_BIN:-$BUILD/bin/sipcapd}
SIPCAPD_MODULE_DIR=${SIPCAPD_MODULE_DIR:-$BUILD/modules}
# absolute: the cfgs name it in mpath and sipp/kamailio run elsewhere
SIPCAPD_MODULE_DIR=$(cd "$SIPCAPD_MODULE_DIR" 2>/dev/null && pwd || echo "$SIPCAPD_MODULE_DIR")
SIPCAPD_BIN=$(cd "$(dirname "$SIPCAPD_BIN")" 2>/dev/null && pwd)/$(basename "$SIPCAPD_BIN")
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
command -v sipp >/dev/null || { echo "SKIP: sipp not installed"; exit 77; }
for m in proto_udp proto_hep tm dialog siptrace sipmsgops sipcapture db_sqlite mi_fifo; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || { echo "FAIL: $m.so not built in $SIPCAPD_MODULE_DIR"; exit 1; }
done
TMP=$(mktemp -d /tmp/trace-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$TMP"; }
trap cleanup EXIT
port() { "$PY" -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
listening() { ss -Hlun "sport = :$1" | grep -q .; }
# cpu PID: user+system CPU of a process (all threads) in clock ticks
# and of its child processes (Kamailio forks its workers)
cpu() {
  local t=0 p
  [ -n "$1" ] || { echo 0; return; }  # no such process (no collector)
  for p in $1 $(pgrep -P "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
# thread_cpu PID: "role|ticks" per thread of a process (user+system CPU in
# clock ticks), the role being the thread's kernel name (core/base/
# thread_name.h) without its "#n": a listener's workers add up.
thread_cpu() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s|%s\n' "$(sed 's/#[0-9]*$//' "$t/comm" 2>/dev/null)" \
      "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done
}
# report_threads U0 U1 T0 T1 OK_U OK_T: per role, the CPU us per call of the
# untraced (files U0 -> U1 of thread_cpu) and the traced proxy (T0 -> T1).
report_threads() {
  "$PY" - "$@" <<'PY'
import collections, sys
def load(f):
    c = collections.Counter()
    for l in open(f):
        name, _, ticks = l.rstrip("\n").rpartition("|")
        if ticks.strip().isdigit():
            c[name] += int(ticks)
    return c
u0, u1, t0, t1 = (load(f) for f in sys.argv[1:5])
ok_u, ok_t = max(int(sys.argv[5] or 0), 1), max(int(sys.argv[6] or 0), 1)
per = lambda a, b, k, ok: (b[k] - a[k]) / 100.0 * 1e6 / ok
rows = []
for k in sorted(set(u1) | set(t1)):
    u, t = per(u0, u1, k, ok_u) if k in u1 else 0.0, per(t0, t1, k, ok_t) if k in t1 else 0.0
    if u or t:
        rows.append("%s %.1f -> %.1f" % (k, u, t))
print("    per thread role, proxy CPU us per call (untraced -> traced): " + "; ".join(rows))
PY
}
# uas PORT: starts a sipp UAS (backgrounded) on PORT, prints its pid
uas() {
  (cd "$TMP" && sipp -sn uas -i 127.0.0.1 -p "$1" -bg >"$TMP/uas_$1.out" 2>&1)
  sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/uas_$1.out"
}
# sipp_count FILE WHAT: the last "WHAT call" total (Successful / Failed)
# in a sipp UAC's screen output FILE; empty when there is none.
sipp_count() { grep "$2 call" "$1" | tail -1 | awk -F'|' '{print $3}' | tr -d ' '; }
wait_listen() { local _; for _ in $(seq 1 100); do listening "$1" && return 0; sleep 0.1; done; return 1; }

# capture_cfg FILE PORT: a sipcapd capture node on hep_udp and hep_tcp PORT
# that decodes and counts (hep_route exits: the collector is not the thing
# measured); MI FIFO at $TMP/cap_fifo.
capture_cfg() {
  cat >"$1" <<CFG
log_level=2
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$2
listen=hep_tcp:127.0.0.1:$2
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
loadmodule "mi_fifo.so"
modparam("mi_fifo", "fifo_name", "$TMP/cap_fifo")
modparam("proto_hep", "hep_rcvbuf", 67108864)
# not written (the route only counts), but sipcapture needs a db_url
modparam("sipcapture", "db_url", "sqlite://$TMP/capture.db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "count_only")
route[count_only] { exit; }
CFG
}

# proxy_cfg FILE PORT UAS_PORT TRACE(0|1) HEP_TRANSPORT CAPTURE_PORT|HOST:PORT [CHILDREN]:
# a sipcapd stateful proxy (t_relay to the UAS), with TRACE=1 tracing every
# dialog (sip_trace("tr", "d") on initial INVITEs) to the capture node.
proxy_cfg() {
  local t="" cap=$6
  [[ $cap == *:* ]] || cap=127.0.0.1:$cap  # a port on loopback, or HOST:PORT
  [ "$4" = 1 ] && t='if (is_method("INVITE") && !has_totag()) sip_trace("tr", "d");'
  cat >"$1" <<CFG
log_level=2
children=${7:-2}
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$2
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "sipmsgops.so"
loadmodule "tm.so"
loadmodule "dialog.so"
loadmodule "siptrace.so"
modparam("proto_hep", "hep_id", "[cap] $cap; transport=$5; version=3")
modparam("siptrace", "trace_id", "[tr]hep:cap")
route {
  $t
  t_relay("udp:127.0.0.1:$3");
}
CFG
}
