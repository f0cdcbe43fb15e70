#!/usr/bin/env bash
# sipcapture black-box:
# 1. async(sip_capture(, , "$si"), resume) stores (empty arguments as in
#    the admin guide) and runs the resume route;
#    report_capture() with proto_hep homer5_on=0 writes the HOMER 6 layout
#    (opensips-modules §3.12: tss, tsu, transaction_id ... capt_id, event)
#    into the ops_report_capture table of scripts/sql/sqlite (created by
#    sipcapd-dbctl) and into the default table created by sipcapd; every
#    column of the row is checked.
# 2. The same HOMER 6 row into MariaDB (scripts/sql/mysql schema).
# 3. db_url is optional: a relay-only node starts without it (the db
#    module may be loaded); using a
#    storing function (or hep_route=none) without db_url/db_default_url is
#    a startup error naming the reason.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
for m in proto_hep db_sqlite sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
command -v sqlite3 >/dev/null || fail "sqlite3 client not installed"
DB="$TMP/h6.db"
q() { sqlite3 "$DB" "$1"; }
"$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl" create "sqlite://$DB" >"$TMP/dbctl.log" 2>&1 ||
  { cat "$TMP/dbctl.log"; fail "sipcapd-dbctl create"; }

port=$(free_port udp)
cat >"$TMP/h6.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
work_dir="$TMP"
listen=hep_udp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("proto_hep", "homer5_on", 0)
modparam("sipcapture", "db_url", "sqlite://$DB")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "capture_node", "node6")
modparam("sipcapture", "rtcp_table_name", "rtcp6_capture")
modparam("sipcapture", "hep_route", "hep_in")
route[hep_in] {
  if (\$sp == 5062) { hep_resume_sip(); }
  hep_get("utf8-string", "0x11", "\$var(v)", "\$var(cid)");
  if (\$sp == 5061) {
    # admin guide form: empty table argument = default table, proto type 5
    report_capture(, "\$var(cid)", "5");
  } else {
    report_capture("ops_report_capture", "\$var(cid)");
  }
  exit;
}
route { async(sip_capture(, , "\$si"), stored); }
route[stored] { xlog("L_ERR", "ASYNC-RESUMED \$ci rc=\$rc\n"); }
CFG
start_node "$TMP/h6.cfg" "$TMP/h6.log"
WAIT_SECS=15 wait_for bash -c "ss -Hlun 'sport = :$port' | grep -q ." || { cat "$TMP/h6.log"; fail "node not up"; }
EV='{"Event":"call-start","mos":4.2}'
echo "$EV" | $SEND --proto-type 100 --corr tr-1 --capt 77 --ts 1700000001 --chunk '0:0x65:{"sip":"x1"}' \
  --src 192.0.2.10:5060 --dst 192.0.2.20:5080 127.0.0.1 "$port" -
echo 'plain' | $SEND --proto-type 34 --corr tr-2 --src 192.0.2.11:5061 127.0.0.1 "$port" -
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $DB 'select count(*) from ops_report_capture')\" -ge 1 ]" ||
  { cat "$TMP/h6.log"; fail "no row in ops_report_capture"; }
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $DB 'select count(*) from rtcp6_capture' 2>/dev/null)\" -ge 1 ]" ||
  { cat "$TMP/h6.log"; fail "no row in rtcp6_capture (default table, HOMER 6 layout)"; }
row=$(q "select tss,tsu,transaction_id,correlation_id,source_ip,source_port,destination_ip,destination_port,
  capture_ip,proto,family,type,capt_id,node,event,payload_len,data,gid from ops_report_capture")
want="2023-11-14 22:13:21|123|tr-1|{\"sip\":\"x1\"}|192.0.2.10|5060|192.0.2.20|5080|127.0.0.1|17|2|100|77|node6|call-start|$((${#EV} + 1))|$EV
|10"
[ "$row" = "$want" ] || fail "HOMER 6 row:
got:  $row
want: $want"
pass "report_capture with homer5_on=0: every HOMER 6 column in ops_report_capture (scripts/sql schema)"
cols=$(q "select group_concat(name, ',') from pragma_table_info('rtcp6_capture')")
[ "$cols" = "id,tss,tsu,transaction_id,source_ip,source_port,destination_ip,destination_port,proto,family,type,node,data,payload_len,correlation_id,capture_ip,capt_id,event" ] ||
  fail "created HOMER 6 table columns: $cols"
[ "$(q "select transaction_id||'|'||type||'|'||source_port||'|'||event||'|'||correlation_id from rtcp6_capture")" = "tr-2|5|5061||" ] ||
  fail "rtcp6_capture row: $(q 'select * from rtcp6_capture')"
pass "report_capture(, cid, 5) into the default table (created by sipcapd with the HOMER 6 columns), proto type overridden"
$SEND --sip INVITE --callid h6-sip --src 192.0.2.12:5062 127.0.0.1 "$port"
WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $DB 'select count(*) from sip_capture')\" -ge 1 ]" ||
  { cat "$TMP/h6.log"; fail "no sip_capture row"; }
[ "$(q "select callid||'|'||custom_field1||'|'||custom_field2 from sip_capture")" = "h6-sip||192.0.2.12" ] ||
  fail "sip_capture(, , \$si) row: $(q 'select callid, custom_field1, custom_field2 from sip_capture')"
grep -q "ASYNC-RESUMED h6-sip rc=1" "$TMP/h6.log" || { cat "$TMP/h6.log"; fail "async resume route did not run with rc=1"; }
pass "async(sip_capture(, , \"\$si\"), r): empty arguments (admin guide form) = default table, empty custom_field1; resume route ran"
stop_node "$NODE_PID" || fail "exit code after SIGTERM"

# --- db_url optional ----------------------------------------------------------
nodb() {  # nodb NAME BODY: a cfg without db_url; BODY = modparams + routes
  cat >"$TMP/$1.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
work_dir="$TMP"
listen=hep_udp:127.0.0.1:$(free_port udp)
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
$2
CFG
}
nodb relay 'route { $du = "sip:127.0.0.1:9"; hep_relay(); }'
start_node "$TMP/relay.cfg" "$TMP/relay.log"
relay_pid=$NODE_PID
WAIT_SECS=15 wait_for grep -q "listening on" "$TMP/relay.log" || { cat "$TMP/relay.log"; fail "relay-only node did not start"; }
sleep 0.5
kill -0 "$relay_pid" 2>/dev/null || { cat "$TMP/relay.log"; fail "relay-only node exited"; }
stop_node "$relay_pid" || fail "relay-only node exit code"
pass "relay-only node (hep_relay, no storing function) starts without db_url"
check_refused() {  # check_refused NAME REASON
  "$SIPCAPD_BIN" -F -E -f "$TMP/$1.cfg" >"$TMP/$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local i
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$1: node started without db_url"
  wait "$pid" && fail "$1: exit code 0"
  grep -q "db_url is not set (nor db_default_url), but $2 stores to the database" "$TMP/$1.log" ||
    { cat "$TMP/$1.log"; fail "$1: unclear startup error"; }
}
nodb sc 'route { sip_capture(); }'
check_refused sc 'sip_capture()'
nodb rc 'modparam("sipcapture", "hep_route", "h")
route[h] { report_capture("$var(x)"); }
route { exit; }'
check_refused rc 'report_capture()'
nodb none 'modparam("sipcapture", "hep_route", "none")
route { exit; }'
check_refused none 'hep_route=none'
pass "sip_capture()/report_capture()/hep_route=none without db_url: clear startup error"
# db_default_url is enough.
nodb dflt "db_default_url=\"sqlite://$TMP/dflt.db\"
route { sip_capture(); }"
start_node "$TMP/dflt.cfg" "$TMP/dflt.log"
WAIT_SECS=15 wait_for test -f "$TMP/dflt.db" || { cat "$TMP/dflt.log"; fail "db_default_url not used"; }
stop_node "$NODE_PID" || fail "db_default_url node exit code"
pass "db_default_url used when db_url is not set"

# --- HOMER 6 row into MariaDB (scripts/sql/mysql ops_report_capture) ----------
command -v mariadb >/dev/null || fail "mariadb client not installed"
if [ -z "${MYSQL_TEST_URL:-}" ]; then
  "$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" start >/dev/null || fail "cannot start private MariaDB"
  eval "$("$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" env)"
fi
MURL="${MYSQL_TEST_URL%/*}/h6_$$_$RANDOM"
hp="${MURL#*@}"; hp="${hp%%/*}"; cred="${MURL#*://}"; cred="${cred%%@*}"
mq() { mariadb --no-defaults -N -B -u"${cred%%:*}" -p"${cred#*:}" -h"${hp%%:*}" -P"${hp##*:}" "${MURL##*/}" -e "$1"; }
"$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl" create "$MURL" >"$TMP/mdbctl.log" 2>&1 ||
  { cat "$TMP/mdbctl.log"; fail "sipcapd-dbctl create (mysql)"; }
trap '"$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl" drop "$MURL" >/dev/null 2>&1; cleanup_common' EXIT
port=$(free_port udp)
sed -e "s|sqlite://$DB|$MURL|" -e "s|hep_udp:127.0.0.1:[0-9]*|hep_udp:127.0.0.1:$port|" \
  -e 's|"db_sqlite.so"|"db_mysql.so"|' "$TMP/h6.cfg" >"$TMP/h6m.cfg"
start_node "$TMP/h6m.cfg" "$TMP/h6m.log"
WAIT_SECS=15 wait_for bash -c "ss -Hlun 'sport = :$port' | grep -q ." || { cat "$TMP/h6m.log"; fail "mysql node not up"; }
echo "$EV" | $SEND --proto-type 100 --corr tr-1 --capt 77 --ts 1700000001 --chunk '0:0x65:{"sip":"x1"}' \
  --src 192.0.2.10:5060 --dst 192.0.2.20:5080 127.0.0.1 "$port" -
for i in $(seq 1 100); do [ "$(mq 'select count(*) from ops_report_capture')" -ge 1 ] && break; sleep 0.1; done
[ "$(mq 'select count(*) from ops_report_capture')" -ge 1 ] || { cat "$TMP/h6m.log"; fail "no row in MariaDB ops_report_capture"; }
mrow=$(mq "select tss,tsu,transaction_id,correlation_id,source_ip,source_port,destination_ip,destination_port,
  capture_ip,proto,family,type,capt_id,node,event,payload_len,gid from ops_report_capture")
mwant="2023-11-14 22:13:21	123	tr-1	{\"sip\":\"x1\"}	192.0.2.10	5060	192.0.2.20	5080	127.0.0.1	17	2	100	77	node6	call-start	$((${#EV} + 1))	10"
[ "$mrow" = "$mwant" ] || fail "MariaDB HOMER 6 row:
got:  $mrow
want: $mwant"
stop_node "$NODE_PID" || fail "mysql node exit code"
pass "HOMER 6 report row in MariaDB's ops_report_capture (scripts/sql/mysql schema), every column"
