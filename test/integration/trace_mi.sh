#!/usr/bin/env bash
# siptrace MI `sip_trace` through mi_fifo + opensipsctl, as the tracing
# tutorial §4.6 shows: the listing (global / per id), per-id off and global
# off change what reaches the HEP collector.
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/common.sh"
SRC="${SIPCAPD_SOURCE_DIR:-$here/../..}"

for m in proto_udp siptrace mi_fifo; do
  if [ ! -f "$SIPCAPD_MODULE_DIR/$m.so" ]; then
    echo "SKIP: $m.so not built in $SIPCAPD_MODULE_DIR (needed for this test)"
    exit 77
  fi
done

SIP_PORT=$(free_port udp)
HEP1=$(free_port udp)
HEP2=$(free_port udp)
export OSIPS_FIFO="$TMP/fifo" OSIPS_FIFO_TIMEOUT=5

cat >"$TMP/mi.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$SIP_PORT
loadmodule "proto_udp.so"
loadmodule "mi_fifo.so"
loadmodule "siptrace.so"
modparam("mi_fifo", "fifo_name", "$OSIPS_FIFO")
modparam("siptrace", "trace_id", "[tid]uri=hep:127.0.0.1:$HEP1;version=3;transport=udp")
modparam("siptrace", "trace_id", "[tid2]uri=hep:127.0.0.1:$HEP2;version=3;transport=udp")
route {
  sip_trace("tid", "m");
  sip_trace("tid2", "m");
  drop;
}
CFG
start_node "$TMP/mi.cfg" "$TMP/node.log"
WAIT_SECS=10 wait_for test -p "$OSIPS_FIFO" || fail "no FIFO: $(cat "$TMP/node.log")"
ctl() { "$SRC/scripts/opensipsctl" fifo "$@"; }

# send_and_count: sends one OPTIONS, prints "<packets on HEP1> <packets on HEP2>".
send_and_count() {
  python3 - "$SIP_PORT" "$HEP1" "$HEP2" "$1" <<'PY'
import socket, sys, time
sip, h1, h2, cid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = []
for p in (h1, h2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.settimeout(0.1); socks.append(s)
ua = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ua.bind(("127.0.0.1", 0))
ua.sendto((f"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{ua.getsockname()[1]};branch=z9hG4bK-{cid}\r\n"
           f"From: <sip:a@x>;tag=1\r\nTo: <sip:x@x>\r\nCall-ID: {cid}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode(),
          ("127.0.0.1", sip))
counts, deadline = [0, 0], time.time() + 1.5
while time.time() < deadline:
    for i, s in enumerate(socks):
        try:
            if cid.encode() in s.recv(65535): counts[i] += 1
        except socket.timeout: pass
print(counts[0], counts[1])
PY
}

out=$(ctl sip_trace) || fail "sip_trace MI failed"
want="global:: on
tid::  type=HEP uri=127.0.0.1:$HEP1 state=on
tid2::  type=HEP uri=127.0.0.1:$HEP2 state=on"
[ "$out" = "$want" ] || fail "listing: got [$out] want [$want]"
pass "listing"

[ "$(send_and_count c1)" = "1 1" ] || fail "both ids should trace"
ctl sip_trace tid2 off >/dev/null || fail "sip_trace tid2 off"
[ "$(send_and_count c2)" = "1 0" ] || fail "tid2 off still traced"
out=$(ctl sip_trace tid2)
[ "$out" = "tid2::  type=HEP uri=127.0.0.1:$HEP2 state=off" ] || fail "per-id listing: [$out]"
pass "per id off"

ctl sip_trace off >/dev/null || fail "sip_trace off"
[ "$(send_and_count c3)" = "0 0" ] || fail "global off still traced"
ctl sip_trace | head -1 | grep -qx "global:: off" || fail "global state not off"
ctl sip_trace on >/dev/null
ctl sip_trace tid2 on >/dev/null
[ "$(send_and_count c4)" = "1 1" ] || fail "tracing did not resume"
pass "global off/on"

out=$(ctl sip_trace nosuch 2>&1)
grep -q "400" <<<"$out" || fail "unknown id: [$out]"
pass "unknown id is 400"
stop_node "$NODE_PID" || fail "node did not stop cleanly"
