#!/usr/bin/env bash
# sipcapture black-box: HEP v1/v2/v3 over UDP and TCP into SQLite with
# hep_route none and sip; non-SIP (RTCP) stored in rtcp_capture.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
SEND="python3 $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
for m in proto_hep db_sqlite sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || { echo "SKIP: $m.so not built (needed by this test)"; exit 77; }
done
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 client not installed"; exit 77; }

q() { sqlite3 "$TMP/$1.db" "$2"; }

run_mode() {  # run_mode NAME HEP_ROUTE
  local name=$1 mode=$2 port
  port=$(free_port udp)
  cat >"$TMP/$name.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$port
listen=hep_tcp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "sqlite://$TMP/$name.db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "$mode")
modparam("sipcapture", "spool_dir", "$TMP/spool-$name")
route {
  if (\$HEPVERSION == 3) { sip_capture("sip_capture", "\$hep_net(src_ip)"); exit; }
  sip_capture();
}
CFG
  check_cfg "$TMP/$name.cfg" "$TMP/$name.check" "$name: cfg check"
  start_node "$TMP/$name.cfg" "$TMP/$name.log"
  wait_for test -f "$TMP/$name.db" || { cat "$TMP/$name.log"; fail "$name: no db created"; }
  sleep 0.5
  for v in 1 2 3; do
    sed "s/CALLID-PLACEHOLDER/$name-udp-v$v/" "$INV" | $SEND --version $v 127.0.0.1 "$port" -
  done
  sed "s/CALLID-PLACEHOLDER/$name-tcp-v3/" "$INV" | $SEND --tcp 127.0.0.1 "$port" -
  echo '{"type":200,"ssrc":1}' | $SEND --proto-type 5 --corr "$name-rtcp" 127.0.0.1 "$port" -
  WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/$name.db 'select count(*) from sip_capture')\" -ge 4 ]" \
    || { cat "$TMP/$name.log"; fail "$name: expected 4 sip rows, got $(q $name 'select count(*) from sip_capture')"; }
  WAIT_SECS=5 wait_for bash -c "[ \"\$(sqlite3 $TMP/$name.db 'select count(*) from rtcp_capture')\" -ge 1 ]" \
    || fail "$name: rtcp row missing"
  local row
  row=$(q "$name" "select method,from_user,to_user,callid,source_ip,source_port,destination_ip,destination_port,proto,family,type,node,contact_ip,contact_port,micro_ts from sip_capture where callid='$name-udp-v3'")
  [ "$row" = "INVITE|alice|bob|$name-udp-v3|192.0.2.10|5060|192.0.2.20|5080|17|2|1|homer01:2001|192.0.2.7|5062|1700000000000123" ] \
    || fail "$name: v3 row: $row"
  row=$(q "$name" "select node,micro_ts from sip_capture where callid='$name-udp-v1'")
  [ "${row%%|*}" = "homer01" ] || fail "$name: v1 node: $row"
  row=$(q "$name" "select node,micro_ts from sip_capture where callid='$name-udp-v2'")
  [ "$row" = "homer01:2001|1700000000000123" ] || fail "$name: v2 row: $row"
  [ "$(q "$name" "select count(*) from sip_capture where callid='$name-tcp-v3'")" = 1 ] || fail "$name: tcp row"
  [ "$(q "$name" "select length(msg) from sip_capture where callid='$name-udp-v3'")" -gt 100 ] || fail "$name: msg"
  row=$(q "$name" "select correlation_id,type,msg from rtcp_capture")
  [ "$row" = "$name-rtcp|5|{\"type\":200,\"ssrc\":1}" ] || fail "$name: rtcp row: $row"
  if [ "$mode" = sip ]; then
    [ "$(q "$name" "select custom_field1 from sip_capture where callid='$name-udp-v3'")" = 127.0.0.1 ] \
      || fail "$name: \$hep_net(src_ip) custom field"
  fi
  stop_node "$NODE_PID" || fail "$name: exit code $?"
  pass "$name"
}

run_mode none none
run_mode sip sip
