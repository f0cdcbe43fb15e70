#!/usr/bin/env bash
# sipcapture black-box: a named hep_route filters by $hep_net and hands the
# rest to the SIP routes with hep_resume_sip(); a log-type HEP payload
# (proto type 100) is stored in logs_capture.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
q() { sqlite3 "$TMP/n.db" "$1"; }

port=$(free_port udp)
cat >"$TMP/n.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "sqlite://$TMP/n.db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "hep_in")
modparam("sipcapture", "spool_dir", "$TMP/spool")
route[hep_in] {
  if (\$sp == 5070) { exit; }
  hep_resume_sip();
}
route {
  sip_capture();
}
CFG
check_cfg "$TMP/n.cfg" "$TMP/check" "cfg check"
start_node "$TMP/n.cfg" "$TMP/n.log"
wait_for test -f "$TMP/n.db" || { cat "$TMP/n.log"; fail "no db created"; }
sleep 0.5
sed "s/CALLID-PLACEHOLDER/kept-1/" "$INV" | $SEND --src 192.0.2.10:5060 127.0.0.1 "$port" -
sed "s/CALLID-PLACEHOLDER/filtered-1/" "$INV" | $SEND --src 192.0.2.11:5070 127.0.0.1 "$port" -
sed "s/CALLID-PLACEHOLDER/kept-2/" "$INV" | $SEND --src 192.0.2.12:5062 127.0.0.1 "$port" -
echo 'ERROR: something happened in the agent' | $SEND --proto-type 100 --corr kept-1 127.0.0.1 "$port" -
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/n.db 'select count(*) from sip_capture')\" -ge 2 ]" \
  || { cat "$TMP/n.log"; fail "expected 2 sip rows, got $(q 'select count(*) from sip_capture')"; }
sleep 0.5
[ "$(q "select group_concat(callid) from (select callid from sip_capture order by callid)")" = "kept-1,kept-2" ] \
  || fail "named route filter/resume: rows $(q 'select group_concat(callid) from sip_capture')"
pass "named hep_route: filtered by \$sp (from the HEP chunks), the rest resumed into route{} and stored"
[ "$(q "select source_port from sip_capture where callid='kept-2'")" = 5062 ] || fail "source port from HEP"
WAIT_SECS=5 wait_for bash -c "[ \"\$(sqlite3 $TMP/n.db 'select count(*) from logs_capture')\" -ge 1 ]" \
  || { cat "$TMP/n.log"; fail "log payload not stored in logs_capture"; }
row=$(q "select correlation_id,type,msg from logs_capture")
[ "$row" = "kept-1|100|ERROR: something happened in the agent" ] || fail "logs_capture row: $row"
pass "log-type HEP payload stored in logs_capture with its correlation id"
stop_node "$NODE_PID" || fail "exit code after SIGTERM"
