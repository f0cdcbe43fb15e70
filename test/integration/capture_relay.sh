#!/usr/bin/env bash
# hep_relay chains: node A (hep_route named route: hep_set, then hep_relay()
# to $du) -> node B (hep_route sip -> SQLite) and, in parallel, -> a python
# HEP listener that decodes the relayed bytes.
#   * HEPv1/v2/v3 in -> same version out (addresses, time, capture id kept)
#   * custom vendor chunks: the one the agent sent and the one hep_set added
#     at A reach B (hep_get at B stores them) and the listener byte for byte;
#     a generic chunk changed by hep_set (captagent_id) is relayed changed
#   * v3 -> v2 and v2 -> v3 when the relay URI asks for it (;version=N)
#   * over TCP (;transport=tcp) to B's hep_tcp listener.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
# The system interpreter: a pyenv shim in PATH can take seconds per start.
PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
for m in proto_hep db_sqlite sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
command -v sqlite3 >/dev/null || fail "sqlite3 client not installed"
command -v ss >/dev/null || fail "ss (iproute2) not installed"
q() { sqlite3 "$TMP/b.db" "$1"; }

# hep_tcp must be provided by proto_hep (the cfg check says so).
pa=$(free_port udp); pb=$(free_port udp); pl=$(free_port udp)
HAVE_TCP=0
printf 'mpath="%s"\nloadmodule "proto_hep.so"\nlisten=hep_tcp:127.0.0.1:%s\n' "$SIPCAPD_MODULE_DIR" "$pb" >"$TMP/probe.cfg"
"$SIPCAPD_BIN" -c -f "$TMP/probe.cfg" >"$TMP/probe.log" 2>&1 && HAVE_TCP=1
[ "$HAVE_TCP" = 1 ] || { cat "$TMP/probe.log"; fail "proto_hep provides no hep_tcp listener"; }
TCP_LISTEN=""; [ "$HAVE_TCP" = 1 ] && TCP_LISTEN="listen=hep_tcp:127.0.0.1:$pb"

cat >"$TMP/b.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$pb
$TCP_LISTEN
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "sqlite://$TMP/b.db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "sip")
modparam("sipcapture", "spool_dir", "$TMP/spool-b")
route {
  \$var(a) = "none"; \$var(b) = "none";
  if (\$HEPVERSION == 3) {
    hep_get("utf8-string", "0x0099", \$var(va), \$var(a));
    hep_get("utf8-string", "0x0077", \$var(vb), \$var(b));
  }
  sip_capture("sip_capture", "\$HEPVERSION", "\$var(va)/\$var(a)", "\$var(vb)/\$var(b)");
}
CFG
cat >"$TMP/a.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$pa
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "sqlite://$TMP/a.db")
modparam("sipcapture", "spool_dir", "$TMP/spool-a")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "relay")
route[relay] {
  if (\$HEPVERSION == 3) {
    hep_set("utf8-string", "0x0077", "0x0030", "added-by-A");
    if (\$ci =~ "capt") hep_set("captagent_id", "3003");
  }
  if (\$ci =~ "tov3") { \$du = "sip:127.0.0.1:$pb;version=3"; hep_relay(); exit; }
  if (\$ci =~ "tov2") { \$du = "sip:127.0.0.1:$pb;version=2"; hep_relay(); exit; }
  if (\$ci =~ "tcp") { \$du = "sip:127.0.0.1:$pb;transport=tcp"; hep_relay(); exit; }
  \$du = "sip:127.0.0.1:$pb"; hep_relay();
  \$du = "sip:127.0.0.1:$pl"; hep_relay();
  exit;
}
CFG
for n in a b; do
  check_cfg "$TMP/$n.cfg" "$TMP/$n.check" "node $n cfg check"
done
start_node "$TMP/b.cfg" "$TMP/b.log"; NB=$NODE_PID
start_node "$TMP/a.cfg" "$TMP/a.log"; NA=$NODE_PID
WAIT_SECS=10 wait_for udp_listening "$pb" || { cat "$TMP/b.log"; fail "node B not listening"; }
WAIT_SECS=10 wait_for udp_listening "$pa" || { cat "$TMP/a.log"; fail "node A not listening"; }
WAIT_SECS=10 wait_for test -f "$TMP/b.db" || { cat "$TMP/b.log"; fail "node B: no db"; }
$SEND --listen-udp "$pl" --count 4 --timeout 15 >"$TMP/listener.json" 2>"$TMP/listener.err" &
LP=$!; PIDS+=("$LP")
WAIT_SECS=5 wait_for udp_listening "$pl" || fail "listener not up"

inv() { sed "s/CALLID-PLACEHOLDER/$1/" "$INV"; }
inv relay-v1 | $SEND --version 1 127.0.0.1 "$pa" -
inv relay-v2 | $SEND --version 2 127.0.0.1 "$pa" -
inv relay-v3 | $SEND --chunk 0x0020:0x0099:from-agent 127.0.0.1 "$pa" -
inv relay-v3-capt | $SEND --chunk 0x0020:0x0099:from-agent 127.0.0.1 "$pa" -
rows() { q "select count(*) from sip_capture" 2>/dev/null || echo 0; }
WAIT_SECS=15 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db 'select count(*) from sip_capture')\" -ge 4 ]" ||
  { tail -5 "$TMP/a.log" "$TMP/b.log"; fail "node B: expected 4 relayed rows, got $(rows)"; }
got=$(q "select callid, custom_field1, node, case when callid='relay-v1' then '%' else micro_ts end, source_ip||':'||source_port, destination_ip||':'||destination_port from sip_capture where callid in ('relay-v1','relay-v2') order by callid")
want="relay-v1|1|homer01|%|192.0.2.10:5060|192.0.2.20:5080
relay-v2|2|homer01:2001|1700000000000123|192.0.2.10:5060|192.0.2.20:5080"
[ "$got" = "$want" ] || fail "v1/v2 relayed rows: got
$got"
pass "HEPv1 and HEPv2 relayed A -> B in their version"
got=$(q "select custom_field1, custom_field2, custom_field3, node, micro_ts from sip_capture where callid='relay-v3'")
[ "$got" = "3|32/from-agent|48/added-by-A|homer01:2001|1700000000000123" ] || fail "v3 relayed row: $got"
got=$(q "select node, custom_field2, custom_field3 from sip_capture where callid='relay-v3-capt'")
[ "$got" = "homer01:3003|32/from-agent|48/added-by-A" ] || fail "v3 captagent_id changed by hep_set: $got"
pass "HEPv3 relayed with the agent's vendor chunk, A's hep_set chunk and the changed capture id"

wait "$LP"
[ "$(wc -l <"$TMP/listener.json")" = 4 ] || { cat "$TMP/listener.err"; fail "listener got $(wc -l <"$TMP/listener.json") packets, expected 4"; }
$PY - "$TMP/listener.json" <<'PY' || fail "relayed bytes at the listener"
import json, sys
pk = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for p in pk:
    if p["version"] == 3:
        pl = [c for c in p["chunks"] if c["type"] == 15][0]["text"]
    else:
        pl = p["payload"]
    cid = [l for l in pl.split("\n") if l.startswith("Call-ID:")][0].split()[1]
    by[cid] = p
assert sorted(by) == ["relay-v1", "relay-v2", "relay-v3", "relay-v3-capt"], sorted(by)
assert by["relay-v1"]["version"] == 1 and by["relay-v2"]["version"] == 2, "v1/v2 versions"
for cid, capt in (("relay-v3", 2001), ("relay-v3-capt", 3003)):
    ch = {(c["vendor"], c["type"]): c for c in by[cid]["chunks"]}
    assert ch[(0x20, 0x99)]["text"] == "from-agent", ch.get((0x20, 0x99))
    assert ch[(0x30, 0x77)]["text"] == "added-by-A", ch.get((0x30, 0x77))
    assert ch[(0, 12)]["int"] == capt, ("capture id", ch[(0, 12)])
    assert ch[(0, 9)]["int"] == 1700000000 and ch[(0, 10)]["int"] == 123, "timestamp"
    assert ch[(0, 7)]["int"] == 5060 and ch[(0, 8)]["int"] == 5080, "ports"
    assert ch[(0, 3)]["int"] == 0xC000020A and ch[(0, 4)]["int"] == 0xC0000214, "addresses"
    assert ch[(0, 11)]["int"] == 1 and ch[(0, 1)]["int"] == 2 and ch[(0, 2)]["int"] == 17
PY
pass "relayed packets decoded by an independent reader: versions, every chunk, vendor chunks"

# v3 -> v2 on request of the relay URI.
inv relay-tov2 | $SEND 127.0.0.1 "$pa" -
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db \"select count(*) from sip_capture where callid='relay-tov2'\")\" = 1 ]" ||
  { tail -5 "$TMP/a.log"; fail "v3 -> v2 relay (;version=2): no row at B"; }
got=$(q "select custom_field1, node, micro_ts, source_ip, destination_port from sip_capture where callid='relay-tov2'")
[ "$got" = "2|homer01:2001|1700000000000123|192.0.2.10|5080" ] || fail "v3 -> v2 row: $got"
pass "HEPv3 relayed as HEPv2 (;version=2)"
inv relay-v2tov3 | $SEND --version 2 127.0.0.1 "$pa" -
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db \"select count(*) from sip_capture where callid='relay-v2tov3'\")\" = 1 ]" ||
  { tail -5 "$TMP/a.log"; fail "v2 -> v3 relay (;version=3): no row at B"; }
got=$(q "select custom_field1, node, micro_ts, source_ip, destination_port from sip_capture where callid='relay-v2tov3'")
[ "$got" = "3|homer01:2001|1700000000000123|192.0.2.10|5080" ] || fail "v2 -> v3 row: $got"
pass "HEPv2 relayed as HEPv3 (;version=3)"

if [ "$HAVE_TCP" = 1 ]; then
  inv relay-tcp | $SEND --chunk 0x0020:0x0099:from-agent 127.0.0.1 "$pa" -
  WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/b.db \"select count(*) from sip_capture where callid='relay-tcp'\")\" = 1 ]" ||
    { tail -5 "$TMP/a.log"; fail "TCP relay: no row at B"; }
  got=$(q "select custom_field1, custom_field2, custom_field3, node from sip_capture where callid='relay-tcp'")
  [ "$got" = "3|32/from-agent|48/added-by-A|homer01:2001" ] || fail "TCP relayed row: $got"
  pass "HEPv3 relayed over TCP"
else
  echo "NOT TESTED: relay over TCP — proto_hep provides no hep_tcp listener yet ($(tail -1 "$TMP/probe.log"))"
fi
stop_node "$NA" || fail "node A exit code $?"
stop_node "$NB" || fail "node B exit code $?"
