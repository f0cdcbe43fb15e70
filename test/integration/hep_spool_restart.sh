#!/usr/bin/env bash
# proto_hep disk spool across a process restart: node A relays HEPv3 packets
# (sipcapture hep_relay) to a TCP collector that is down; A is stopped with
# the packets on disk (hep_spool_dir), started again, and once the collector
# listens every packet arrives in order and byte-identical to what the
# agent sent (original timestamps kept).
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
for m in proto_hep db_sqlite sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
command -v ss >/dev/null || fail "ss (iproute2) not installed"
N=20
pa=$(free_port udp)
pc=$(free_port tcp)
cat >"$TMP/a.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$pa
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("proto_hep", "hep_id", "[col] 127.0.0.1:$pc; transport=tcp")
modparam("proto_hep", "hep_spool_dir", "$TMP/hspool")
modparam("sipcapture", "db_url", "sqlite://$TMP/a.db")
modparam("sipcapture", "spool_dir", "$TMP/dbspool")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "relay")
route[relay] {
  \$du = "sip:127.0.0.1:$pc;transport=tcp";
  hep_relay();
  exit;
}
CFG
check_cfg "$TMP/a.cfg" "$TMP/a.check" "cfg check"

# The agent: N HEPv3 packets (distinct Call-IDs and timestamps), bytes kept.
"$PY" - "$pa" "$N" "$TMP/sent.hex" <<'PY' &
import socket, struct, sys, time
port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def ch(t, d): return struct.pack("!HHH", 0, t, len(d) + 6) + d
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
with open(out, "w") as f:
    for i in range(n):
        sip = ("OPTIONS sip:x SIP/2.0\r\nCall-ID: spool-%d\r\nCSeq: 1 OPTIONS\r\n"
               "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%d\r\n"
               "Content-Length: 0\r\n\r\n" % (i, i)).encode()
        body = (ch(1, b"\x02") + ch(2, b"\x11") + ch(3, bytes([192, 0, 2, 1])) +
                ch(4, bytes([192, 0, 2, 2])) + ch(7, struct.pack("!H", 5060)) +
                ch(8, struct.pack("!H", 5060)) + ch(9, struct.pack("!I", 1600000000 + i)) +
                ch(10, struct.pack("!I", 1000 * i)) + ch(11, b"\x01") +
                ch(12, struct.pack("!I", 77)) + ch(15, sip))
        pkt = b"HEP3" + struct.pack("!H", len(body) + 6) + body
        f.write(pkt.hex() + "\n")
PY
wait $! || fail "packet generator"

start_node "$TMP/a.cfg" "$TMP/a1.log"; NA=$NODE_PID
WAIT_SECS=10 wait_for udp_listening "$pa" || { cat "$TMP/a1.log"; fail "node A not listening"; }
"$PY" - "$pa" "$TMP/sent.hex" <<'PY' || fail "send"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in open(sys.argv[2]):
    s.sendto(bytes.fromhex(line.strip()), ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.005)
PY
spool_bytes() { cat "$TMP"/hspool/*.spool.* 2>/dev/null | wc -c; }
min=$(( N * 200 ))
WAIT_SECS=15 wait_for bash -c "[ \$(cat $TMP/hspool/*.spool.* 2>/dev/null | wc -c) -ge $min ]" ||
  { tail -5 "$TMP/a1.log"; fail "spool holds $(spool_bytes) bytes, expected >= $min"; }
stop_node "$NA" || fail "node A exit code $?"
[ "$(spool_bytes)" -ge "$min" ] || fail "spool emptied at stop ($(spool_bytes) bytes)"
pass "collector down: $N packets on disk ($(spool_bytes) bytes), node A stopped"

# The collector: a TCP listener that frames HEPv3 by its length.
"$PY" - "$pc" "$N" "$TMP/got.hex" <<'PY' &
import select, socket, struct, sys, time
port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port)); l.listen(4)
got, buf, conn = [], b"", None
end = time.time() + 30
while len(got) < n and time.time() < end:
    socks = [l] + ([conn] if conn else [])
    r, _, _ = select.select(socks, [], [], 0.2)
    if l in r:
        conn, _ = l.accept(); buf = b""
        continue
    if conn in r:
        d = conn.recv(65536)
        if not d: conn = None; continue
        buf += d
        while len(buf) >= 6 and len(buf) >= struct.unpack("!H", buf[4:6])[0]:
            k = struct.unpack("!H", buf[4:6])[0]
            got.append(buf[:k]); buf = buf[k:]
with open(out, "w") as f:
    for g in got: f.write(g.hex() + "\n")
PY
CP=$!; PIDS+=("$CP")
start_node "$TMP/a.cfg" "$TMP/a2.log"; NA=$NODE_PID
wait "$CP"
got=$(wc -l <"$TMP/got.hex")
[ "$got" = "$N" ] || { tail -5 "$TMP/a2.log"; fail "collector got $got packets after the restart, expected $N"; }
cmp -s "$TMP/sent.hex" "$TMP/got.hex" || {
  diff <(cut -c1-80 "$TMP/sent.hex") <(cut -c1-80 "$TMP/got.hex") | head
  fail "replayed packets differ from what the agent sent (order or bytes)"
}
pass "restarted node A replayed all $N packets in order, byte-identical"
WAIT_SECS=10 wait_for bash -c "[ \$(cat $TMP/hspool/*.spool.* 2>/dev/null | wc -c) -eq 0 ]" ||
  fail "spool not emptied after the replay ($(spool_bytes) bytes left)"
pass "spool empty after the replay"
stop_node "$NA" || fail "node A exit code $?"
