#!/usr/bin/env bash
# HEP over TLS, black box, with a throwaway PKI made here by the openssl CLI:
#   node B: capture node, listen=hep_tls (client certificate required),
#           sipcapture -> SQLite;
#   node A: siptrace (SIP over UDP in, trace ids on proto_hep hep_ids with
#           transport=tls, both hep_id syntaxes) and sipcapture hep_relay()
#           of HEP received over UDP to "sip:B;transport=tls"; it verifies
#           B's certificate (tls_verify_server) and presents its own.
# Asserts rows stored at B (callid, method, source as traced/relayed,
# rows by path), then `openssl s_client` sending one raw HEPv3 packet (with
# the client cert: stored; without: rejected with a log line), plain HEP
# on the TLS port (log line) and B's counters through MI (mi_fifo).
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
for m in proto_hep proto_udp db_sqlite sipcapture siptrace mi_fifo; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
for c in openssl sqlite3 ss; do command -v $c >/dev/null || fail "$c not installed"; done
q() { sqlite3 "$TMP/b.db" "$1" 2>/dev/null; }
rows_where() { q "select count(*) from sip_capture where $1" || echo 0; }

# --- PKI (EC P-256, valid 2 days, nothing committed) ---
pki() { (cd "$TMP" && openssl "$@" >>"$TMP/openssl.log" 2>&1) || { cat "$TMP/openssl.log"; fail "openssl $1"; }; }
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$TMP/san.ext"
pki req -x509 $EC -keyout ca.key -out ca.crt -days 2 -subj /CN=hep-tls-test-ca
for n in server client; do
  pki req $EC -keyout $n.key -out $n.csr -subj /CN=$n
  pki x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt -days 2 -extfile san.ext
done

pb=$(free_port tcp); pa=$(free_port udp); ps=$(free_port udp)
cat >"$TMP/b.cfg" <<CFG
log_level=3
children=1
tcp_children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_tls:127.0.0.1:$pb
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
loadmodule "mi_fifo.so"
modparam("mi_fifo", "fifo_name", "$TMP/b.fifo")
modparam("proto_hep", "tls_certificate", "$TMP/server.crt")
modparam("proto_hep", "tls_private_key", "$TMP/server.key")
modparam("proto_hep", "tls_ca_list", "$TMP/ca.crt")
modparam("proto_hep", "tls_verify_client", 1)
modparam("proto_hep", "tls_handshake_timeout", 3000)
modparam("sipcapture", "db_url", "sqlite://$TMP/b.db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "sip")
modparam("sipcapture", "spool_dir", "$TMP/spool-b")
route { sip_capture(); }
CFG
cat >"$TMP/a.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$pa
listen=udp:127.0.0.1:$ps
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
loadmodule "siptrace.so"
modparam("proto_hep", "hep_id", "[b_new] 127.0.0.1:$pb; transport=tls; version=3")
modparam("proto_hep", "hep_id", "[b_old] uri=hep:127.0.0.1:$pb;transport=tls")
modparam("proto_hep", "tls_certificate", "$TMP/client.crt")
modparam("proto_hep", "tls_private_key", "$TMP/client.key")
modparam("proto_hep", "tls_ca_list", "$TMP/ca.crt")
modparam("proto_hep", "tls_verify_server", 1)
modparam("siptrace", "trace_id", "[t_new]hep:b_new")
modparam("siptrace", "trace_id", "[t_old]uri=hep:b_old")
modparam("sipcapture", "db_url", "sqlite://$TMP/a.db")
modparam("sipcapture", "spool_dir", "$TMP/spool-a")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "relay")
route[relay] {
  \$du = "sip:127.0.0.1:$pb;transport=tls";
  hep_relay();
  exit;
}
route {
  if (\$ci =~ "^old") sip_trace("t_old", "m"); else sip_trace("t_new", "m");
  drop;
}
CFG
for n in a b; do
  check_cfg "$TMP/$n.cfg" "$TMP/$n.check" "node $n cfg check"
done
start_node "$TMP/b.cfg" "$TMP/b.log"; NB=$NODE_PID
WAIT_SECS=15 wait_for tcp_listening "$pb" || { cat "$TMP/b.log"; fail "node B not listening on hep_tls"; }
grep -q "hep_tls:127.0.0.1:$pb: listening.*TLS, client certificate required" "$TMP/b.log" ||
  fail "node B: no hep_tls listening line: $(grep proto_hep "$TMP/b.log")"
start_node "$TMP/a.cfg" "$TMP/a.log"; NA=$NODE_PID
WAIT_SECS=15 wait_for udp_listening "$pa" || { cat "$TMP/a.log"; fail "node A not listening"; }
WAIT_SECS=15 wait_for udp_listening "$ps" || { cat "$TMP/a.log"; fail "node A SIP not listening"; }

# 1. siptrace: SIP in at A -> HEP over TLS -> rows at B.
$PY - "$ps" <<'PY' || fail "cannot send SIP to node A"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
me = s.getsockname()[1]
for cid in ["new-1", "new-2", "new-3", "old-1", "old-2"]:
    m = ("OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
         "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
         "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (me, cid, cid)
    s.sendto(m.encode(), ("127.0.0.1", int(sys.argv[1])))
PY
WAIT_SECS=20 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db \"select count(*) from sip_capture where callid like 'new-%' or callid like 'old-%'\" 2>/dev/null)\" = 5 ]" ||
  { tail -n 20 "$TMP/a.log" "$TMP/b.log"; fail "siptrace over TLS: expected 5 rows at B, got $(rows_where "callid like 'new-%' or callid like 'old-%'")"; }
got=$(q "select callid, method, source_ip, destination_port from sip_capture where callid like 'new-%' or callid like 'old-%' order by callid")
want="new-1|OPTIONS|127.0.0.1|$ps
new-2|OPTIONS|127.0.0.1|$ps
new-3|OPTIONS|127.0.0.1|$ps
old-1|OPTIONS|127.0.0.1|$ps
old-2|OPTIONS|127.0.0.1|$ps"
[ "$got" = "$want" ] || fail "siptrace rows at B: got
$got"
pass "siptrace -> hep_id transport=tls (2.3+ and uri= syntax) -> hep_tls -> 5 rows stored"

# 2. hep_relay with ;transport=tls.
for cid in relay-1 relay-2; do
  sed "s/CALLID-PLACEHOLDER/$cid/" "$INV" | $SEND 127.0.0.1 "$pa" - || fail "hep_send to A"
done
WAIT_SECS=20 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db \"select count(*) from sip_capture where callid like 'relay-%'\" 2>/dev/null)\" = 2 ]" ||
  { tail -n 20 "$TMP/a.log" "$TMP/b.log"; fail "hep_relay over TLS: expected 2 rows, got $(rows_where "callid like 'relay-%'")"; }
got=$(q "select callid, method, source_ip||':'||source_port, destination_ip||':'||destination_port from sip_capture where callid like 'relay-%' order by callid")
want="relay-1|INVITE|192.0.2.10:5060|192.0.2.20:5080
relay-2|INVITE|192.0.2.10:5060|192.0.2.20:5080"
[ "$got" = "$want" ] || fail "relayed rows at B: got
$got"
pass "hep_relay(\$du=sip:B;transport=tls) -> hep_tls -> rows with the agent's addresses"

# 3. openssl s_client sends one raw HEPv3 packet.
$PY - "$TMP/raw.hep" <<'PY' || fail "cannot build the raw packet"
import struct, sys
def ch(t, d): return struct.pack("!HHH", 0, t, len(d) + 6) + d
sip = (b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-s\r\n"
       b"From: <sip:s@x>;tag=9\r\nTo: <sip:x@x>\r\nCall-ID: sclient-1\r\nCSeq: 1 OPTIONS\r\n"
       b"Content-Length: 0\r\n\r\n")
body = (ch(1, b"\x02") + ch(2, b"\x11") + ch(3, bytes([198, 51, 100, 1])) + ch(4, bytes([198, 51, 100, 2]))
        + ch(7, struct.pack("!H", 5060)) + ch(8, struct.pack("!H", 5062))
        + ch(9, struct.pack("!I", 1700000000)) + ch(10, struct.pack("!I", 7))
        + ch(11, b"\x01") + ch(12, struct.pack("!I", 42)) + ch(15, sip))
open(sys.argv[1], "wb").write(b"HEP3" + struct.pack("!H", len(body) + 6) + body)
PY
# s_client closes at stdin EOF; keep stdin open a moment so the record goes out first.
sclient() {
  { cat "$TMP/raw.hep"; sleep 1; } | timeout 10 openssl s_client -connect "127.0.0.1:$pb" \
    -CAfile "$TMP/ca.crt" -verify_return_error -quiet -no_ign_eof "$@" >>"$TMP/sclient.log" 2>&1
}
sclient -cert "$TMP/client.crt" -key "$TMP/client.key"
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db \"select count(*) from sip_capture where callid='sclient-1'\" 2>/dev/null)\" = 1 ]" ||
  { cat "$TMP/sclient.log"; tail -n 10 "$TMP/b.log"; fail "openssl s_client raw HEP: no row"; }
got=$(q "select source_ip||':'||source_port, destination_port, micro_ts from sip_capture where callid='sclient-1'")
[ "$got" = "198.51.100.1:5060|5062|1700000000000007" ] || fail "s_client row: $got"
pass "openssl s_client with a client certificate: raw HEPv3 packet stored"

sed 's/sclient-1/sclient-nocert/' "$TMP/raw.hep" >"$TMP/raw2.hep" && mv "$TMP/raw2.hep" "$TMP/raw.hep"
sclient
WAIT_SECS=10 wait_for grep -q "client certificate missing (tls_verify_client=1)" "$TMP/b.log" ||
  { tail -n 10 "$TMP/b.log"; fail "no log line for a client without certificate"; }
sleep 0.5
[ "$(rows_where "callid='sclient-nocert'")" = 0 ] || fail "a client without certificate got a row stored"
pass "openssl s_client without a client certificate: rejected, logged, nothing stored"

# 4. plain HEP on the TLS port.
$SEND --tcp 127.0.0.1 "$pb" - <"$INV" >/dev/null 2>&1
WAIT_SECS=10 wait_for grep -q "plain HEP (first byte 0x48) from 127.0.0.1:[0-9]* on the TLS port" "$TMP/b.log" ||
  { tail -n 10 "$TMP/b.log"; fail "no log line for plain HEP on the TLS port"; }
pass "plain HEP on the hep_tls port: clear log line"

# 5. B's counters through MI (scripts/opensipsctl over mi_fifo).
CTL="$SIPCAPD_SOURCE_DIR/scripts/opensipsctl"
export OSIPS_FIFO="$TMP/b.fifo" OSIPS_FIFO_TIMEOUT=5
mi_stat() { "$CTL" fifo get_statistics "proto_hep:$1" | sed -n "s/^proto_hep:$1:: *//p"; }
acc=$(mi_stat tls_accepted); rej=$(mi_stat tls_client_cert_rejected); plain=$(mi_stat tls_plain_hep)
[ "${acc:-0}" -ge 2 ] && [ "${rej:-0}" -ge 1 ] && [ "${plain:-0}" -ge 1 ] ||
  fail "counters at B: tls_accepted=$acc tls_client_cert_rejected=$rej tls_plain_hep=$plain"
pass "counters at B: tls_accepted=$acc tls_client_cert_rejected=$rej tls_plain_hep=$plain"

stop_node "$NA" || fail "node A did not stop cleanly"
stop_node "$NB" || fail "node B did not stop cleanly"
grep -q "tls_connect_failed\|TLS handshake with .* failed" "$TMP/a.log" && fail "node A had TLS handshake failures: $(grep -i tls "$TMP/a.log" | head -5)"
pass "nodes stopped cleanly, node A had no TLS handshake failure"
