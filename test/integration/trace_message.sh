#!/usr/bin/env bash
# siptrace black box, scope "m": a sipcapd tracing node (proto_udp listener,
# sip_trace() in route{} and onreply_route{}) traces every SIP message it
# receives to
#   * a HEP collector (a python UDP socket decoding HEPv3 chunks), trace id
#     in the 2.2 inline form, and
#   * the sip_trace table of an SQLite DB (db_sqlite) under the same id,
#   * a SIP duplicate destination (another python UDP socket).
# Asserts counts, correlation (Call-ID), proto type, addresses as seen on
# the wire, and the DB rows.
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib/common.sh"

for m in proto_udp siptrace db_sqlite; do
  if [ ! -f "$SIPCAPD_MODULE_DIR/$m.so" ]; then
    echo "SKIP: $m.so not built in $SIPCAPD_MODULE_DIR (needed for this test)"
    exit 77
  fi
done

SIP_PORT=$(free_port udp)
HEP_PORT=$(free_port udp)
DUP_PORT=$(free_port udp)
DB="$TMP/trace.db"

python3 - "$DB" <<'PY' || fail "cannot create sqlite schema"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("""CREATE TABLE sip_trace (id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_stamp DATETIME NOT NULL DEFAULT '1900-01-01 00:00:01', callid CHAR(255) DEFAULT '' NOT NULL,
  trace_attrs CHAR(128) DEFAULT NULL, msg TEXT NOT NULL, method CHAR(32) DEFAULT '' NOT NULL,
  status CHAR(128) DEFAULT NULL, from_proto CHAR(5) NOT NULL, from_ip CHAR(50) DEFAULT '' NOT NULL,
  from_port INTEGER NOT NULL, to_proto CHAR(5) NOT NULL, to_ip CHAR(50) DEFAULT '' NOT NULL,
  to_port INTEGER NOT NULL, fromtag CHAR(64) DEFAULT '' NOT NULL, direction CHAR(4) DEFAULT '' NOT NULL)""")
c.commit()
PY

cat >"$TMP/trace.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$SIP_PORT
loadmodule "proto_udp.so"
loadmodule "db_sqlite.so"
loadmodule "siptrace.so"
modparam("siptrace", "trace_id", "[tid]uri=hep:127.0.0.1:$HEP_PORT;version=3;transport=udp")
modparam("siptrace", "trace_id", "[tid]uri=sqlite://$DB")
modparam("siptrace", "trace_id", "[dup]sip:127.0.0.1:$DUP_PORT")
route {
  sip_trace("tid", "m");
  sip_trace("dup");
  drop;
}
onreply_route {
  sip_trace("tid", "m", "sip");
  drop;
}
CFG

# The cfg checker must refuse scope t/d without tm/dialog (never a crash).
sed 's/sip_trace("tid", "m");/sip_trace("tid", "t");/' "$TMP/trace.cfg" >"$TMP/bad_t.cfg"
"$SIPCAPD_BIN" -F -E -f "$TMP/bad_t.cfg" >"$TMP/bad_t.log" 2>&1 &
bad_pid=$!
PIDS+=("$bad_pid")
for i in $(seq 1 50); do kill -0 "$bad_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$bad_pid" 2>/dev/null; then fail "scope 't' without tm was accepted (node still running)"; fi
wait "$bad_pid"; rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "scope 't' without tm: exit code $rc (want a clean error)"
grep -q "needs module tm" "$TMP/bad_t.log" || fail "scope 't' error message missing: $(cat "$TMP/bad_t.log")"
pass "scope t without tm is a startup error (rc=$rc)"

start_node "$TMP/trace.cfg" "$TMP/node.log"
WAIT_SECS=10 wait_for grep -q "started" "$TMP/node.log" || fail "node did not start: $(cat "$TMP/node.log")"

python3 - "$SIP_PORT" "$HEP_PORT" "$DUP_PORT" <<'PY' || fail "HEP/SIP duplicate assertions failed"
import socket, struct, sys, time
sip_port, hep_port, dup_port = (int(x) for x in sys.argv[1:4])
hep = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); hep.bind(("127.0.0.1", hep_port))
dup = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); dup.bind(("127.0.0.1", dup_port))
ua = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ua.bind(("127.0.0.1", 0))
ua_port = ua.getsockname()[1]

def req(method, cid, n):
    return (f"{method} sip:bob@127.0.0.1:{sip_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{ua_port};branch=z9hG4bK-{cid}-{n}\r\n"
            f"From: <sip:alice@example.com>;tag=ft-{cid}\r\nTo: <sip:bob@example.com>\r\n"
            f"Call-ID: {cid}\r\nCSeq: {n} {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
def rpl(cid):
    return (f"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:{sip_port};branch=z9hG4bK-r-{cid}\r\n"
            f"From: <sip:alice@example.com>;tag=ft-{cid}\r\nTo: <sip:bob@example.com>;tag=tt\r\n"
            f"Call-ID: {cid}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")

sent = [req("INVITE", "call-a", 1), req("INVITE", "call-b", 1), rpl("call-a"), req("OPTIONS", "call-c", 1)]
for m in sent:
    ua.sendto(m.encode(), ("127.0.0.1", sip_port))

def decode(b):
    assert b[:4] == b"HEP3", b[:4]
    total = struct.unpack("!H", b[4:6])[0]; assert total == len(b), (total, len(b))
    ch, pos = {}, 6
    while pos < total:
        v, t, l = struct.unpack("!HHH", b[pos:pos+6]); ch[(v, t)] = b[pos+6:pos+l]; pos += l
    return ch

got, deadline = [], time.time() + 10
hep.settimeout(0.5)
while len(got) < len(sent) and time.time() < deadline:
    try: got.append(decode(hep.recv(65535)))
    except socket.timeout: pass
assert len(got) == len(sent), f"got {len(got)} HEP packets, want {len(sent)}"
hep.settimeout(0.5)
try:
    extra = hep.recv(65535); raise AssertionError("unexpected extra HEP packet")
except socket.timeout: pass
payloads = sorted(g[(0, 0x0f)].decode() for g in got)
assert payloads == sorted(sent), "payloads differ from what was sent"
for g in got:
    p = g[(0, 0x0f)].decode()
    cid = [l.split(": ", 1)[1] for l in p.split("\r\n") if l.startswith("Call-ID:")][0]
    assert g[(0, 0x11)].decode() == cid, ("correlation", g[(0, 0x11)], cid)
    assert g[(0, 0x0b)] == b"\x01", "proto type must be SIP"
    assert g[(0, 0x02)] == b"\x11", "ip proto must be UDP"
    assert socket.inet_ntoa(g[(0, 3)]) == "127.0.0.1" and socket.inet_ntoa(g[(0, 4)]) == "127.0.0.1"
    assert struct.unpack("!H", g[(0, 7)])[0] == ua_port, "src port must be the UA's"
    assert struct.unpack("!H", g[(0, 8)])[0] == sip_port, "dst port must be the proxy's"
    assert struct.unpack("!I", g[(0, 0x0c)])[0] == 1, "capture id"
    assert abs(struct.unpack("!I", g[(0, 9)])[0] - time.time()) < 60, "timestamp"
dup.settimeout(5)
dups = [dup.recv(65535).decode() for _ in range(3)]
assert sorted(dups) == sorted(sent[:2] + sent[3:]), "SIP duplicates differ (requests only)"
dup.settimeout(0.5)
try:
    dup.recv(65535); raise AssertionError("replies are not traced to [dup]")
except socket.timeout: pass
print("hep ok:", len(got), "packets")
PY
pass "HEP packets: counts, correlation, addresses; SIP duplicate"

stop_node "$NODE_PID" || fail "node did not stop cleanly"
python3 - "$DB" <<'PY' || fail "sip_trace rows wrong"
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
  "SELECT callid, method, status, from_proto, from_ip, to_ip, direction, fromtag FROM sip_trace ORDER BY id").fetchall()
assert len(rows) == 4, rows
calls = sorted((r[0], r[1], r[2] or "") for r in rows)
assert calls == [("call-a", "INVITE", ""), ("call-a", "INVITE", "200"), ("call-b", "INVITE", ""),
                 ("call-c", "OPTIONS", "")], calls
for r in rows:
    assert r[3] == "udp" and r[4] == "127.0.0.1" and r[5] == "127.0.0.1" and r[6] == "in", r
    assert r[7] == "ft-" + r[0], r
print("db ok:", len(rows), "rows")
PY
pass "sip_trace table rows in sqlite"
