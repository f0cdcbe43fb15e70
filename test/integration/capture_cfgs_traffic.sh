#!/usr/bin/env bash
# Black-box: every capture cfg shipped in cfg/ runs with real HEP traffic.
# Each cfg is copied with only its addresses/ports, db_url and paths
# substituted (sed; plus a work_dir line so spools stay in the test dir),
# started, fed HEPv1/v2/v3 (SIP, RTCP, log types; UDP and TCP where the
# cfg listens on them) with hep_send.py, and the stored rows (SQLite or the
# private MariaDB) and relayed packets (hep_send.py listeners) are checked
# against what the tutorial (tracing-tutorial §5-6) and the HEP switch
# example say each script does.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
CFG="$SIPCAPD_SOURCE_DIR/cfg"
for m in proto_hep db_sqlite db_mysql json sipmsgops mi_fifo sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
command -v sqlite3 >/dev/null || fail "sqlite3 client not installed"
command -v mariadb >/dev/null || fail "mariadb client not installed"
command -v ss >/dev/null || fail "ss (iproute2) not installed"

# --- MariaDB (tutorial 5.1 and 6.1 use MySQL URLs) ---------------------------
if [ -z "${MYSQL_TEST_URL:-}" ]; then
  "$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" start >/dev/null || fail "cannot start private MariaDB"
  eval "$("$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" env)"
fi
hp="${MYSQL_TEST_URL#*@}"; hp="${hp%%/*}"
MHOST="${hp%%:*}"; MPORT="${hp##*:}"
cred="${MYSQL_TEST_URL#*://}"; cred="${cred%%@*}"
MUSER="${cred%%:*}"; MPASS="${cred#*:}"
mq() { mariadb --no-defaults -N -B -u"$MUSER" -p"$MPASS" -h"$MHOST" -P"$MPORT" "$@"; }
DB51="cfg51_$$_$RANDOM"; DB61="cfg61_$$_$RANDOM"
mq -e "CREATE DATABASE $DB51; CREATE DATABASE $DB61" || fail "cannot create MariaDB databases"
trap 'mq -e "DROP DATABASE IF EXISTS $DB51; DROP DATABASE IF EXISTS $DB61" >/dev/null 2>&1; cleanup_common' EXIT

# --- helpers -------------------------------------------------------------------
# prep NAME SED-EXPR...: $TMP/NAME/node.cfg from cfg/NAME.cfg, placeholders,
# the listed substitutions and work_dir=$TMP/NAME.
prep() {
  local name=$1; shift
  local d="$TMP/$name" e=()
  mkdir -p "$d"
  for x in "$@"; do e+=(-e "$x"); done
  sed -e "s|@MODULE_DIR@|$SIPCAPD_MODULE_DIR|g" -e "s|@STATE_DIR@|$d|g" "${e[@]}" \
    -e "s|^mpath=.*|&\nwork_dir=\"$d\"|" "$CFG/$name.cfg" >"$d/node.cfg"
  check_cfg "$d/node.cfg" "$d/check.log" "$name: sipcapd -c"
}
up() {  # up NAME PROTO PORT: starts the node, waits until it listens
  start_node "$TMP/$1/node.cfg" "$TMP/$1/node.log"
  WAIT_SECS=15 wait_for "$2"_listening "$3" || { cat "$TMP/$1/node.log"; fail "$1: node not listening on $2 $3"; }
}
down() {  # down NAME: SIGTERM, exit code 0
  stop_node "$NODE_PID" || { tail -20 "$TMP/$1/node.log"; fail "$1: exit code after SIGTERM"; }
}
listen() {  # listen PORT...: one background HEP listener, $TMP/lst/PORT per port
  mkdir -p "$TMP/lst"
  $SEND --listen-udp "$(IFS=,; echo "$*")" --out-dir "$TMP/lst" --count 1000 --timeout 60 &
  PIDS+=("$!")
  local p
  for p in "$@"; do WAIT_SECS=10 wait_for udp_listening "$p" || fail "listener on $p did not start"; done
}
send() { $SEND --batch; }  # one packet per stdin line: hep_send.py options HOST PORT
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
sq() { sqlite3 "$1" "$2" 2>/dev/null; }
# wait_n N CMD...: waits until CMD prints a number >= N.
wait_n() {
  local n=$1; shift
  local deadline=$(($(date +%s) + 10))
  while [ "$("$@" 2>/dev/null || echo 0)" -lt "$n" ] 2>/dev/null; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}
expect() {  # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
# The proto types of the packets a listener got, sorted ("1 1 5", v1/v2 as
# "v1"/"v2"): packets taken from UDP and TCP workers may be relayed in any order.
types_of() { $PY -c 'import json,sys
t = []
for l in open(sys.argv[1]):
    j = json.loads(l)
    t.append([c.get("int") for c in j["chunks"] if c["type"] == 11][0] if j["version"] == 3 else "v%d" % j["version"])
print(" ".join(str(x) for x in sorted(t, key=lambda x: (isinstance(x, str), str(x).zfill(4)))))' "$1"; }
RTCP='{"type":200,"ssrc":1234,"report_count":0}'

# --- cfg/capture-node.cfg: hep_route none, SQLite, every type stored ---------
P=$(free_port udp)
prep capture-node "s|:9060|:$P|g"
up capture-node udp "$P"
DB="$TMP/capture-node/homer_data.db"
send <<EOF
--version 1 --sip INVITE --callid cn-v1 127.0.0.1 $P
--version 2 --sip INVITE --callid cn-v2 127.0.0.1 $P
--sip INVITE --callid cn-v3u 127.0.0.1 $P
--tcp --sip 200-INVITE --callid cn-v3t 127.0.0.1 $P
--proto-type 5 --corr cn-v3u --text '$RTCP' 127.0.0.1 $P
--tcp --proto-type 100 --corr cn-v3u --text 'agent log line' 127.0.0.1 $P
EOF
wait_n 4 sq "$DB" "select count(*) from sip_capture" || { cat "$TMP/capture-node/node.log"; fail "capture-node: sip rows"; }
wait_n 1 sq "$DB" "select count(*) from logs_capture" || fail "capture-node: log row"
wait_n 1 sq "$DB" "select count(*) from rtcp_capture" || fail "capture-node: rtcp row"
expect "capture-node sip rows" "$(sq "$DB" "select group_concat(callid||':'||type||':'||node, ' ') from (select * from sip_capture order by callid)")" \
  "cn-v1:1:homer01 cn-v2:1:homer01:2001 cn-v3t:2:homer01:2001 cn-v3u:1:homer01:2001"
expect "capture-node rtcp row" "$(sq "$DB" "select correlation_id||'|'||type||'|'||msg from rtcp_capture")" "cn-v3u|5|$RTCP"
expect "capture-node log row" "$(sq "$DB" "select correlation_id||'|'||type||'|'||msg from logs_capture")" "cn-v3u|100|agent log line"
down capture-node
pass "capture-node.cfg: HEPv1/v2/v3 SIP over UDP+TCP in sip_capture, RTCP in rtcp_capture, log in logs_capture"

# --- tutorial 5.1: hep_tcp only, MySQL, sip_capture() in route/onreply_route ---
P=$(free_port tcp)
prep tutorial-5.1-basic "s|:6061|:$P|g" "s|mysql://opensips:opensips@127.0.0.1/opensips|${MYSQL_TEST_URL%/*}/$DB51|"
up tutorial-5.1-basic tcp "$P"
send <<EOF
--tcp --sip INVITE --callid t51-1 127.0.0.1 $P
--tcp --sip 200-INVITE --callid t51-1 127.0.0.1 $P
--tcp --proto-type 5 --corr t51-1 --text '$RTCP' 127.0.0.1 $P
EOF
wait_n 2 mq "$DB51" -e "select count(*) from sip_capture" || { cat "$TMP/tutorial-5.1-basic/node.log"; fail "5.1: sip rows"; }
wait_n 1 mq "$DB51" -e "select count(*) from rtcp_capture" || fail "5.1: rtcp row (store_non_sip)"
expect "5.1 rows" "$(mq "$DB51" -e "select group_concat(concat(method,':',type,':',source_ip,':',source_port) order by type separator ' ') from sip_capture")" \
  "INVITE:1:192.0.2.10:5060 200:2:192.0.2.10:5060"
down tutorial-5.1-basic
pass "tutorial 5.1: HEPv3 over TCP, request (route) and reply (onreply_route) stored in MariaDB; RTCP kept in rtcp_capture"

# --- tutorial 5.2: hep_route HEPR, JSON SIP unwrapped, rest in generic_capture -
P=$(free_port udp)
prep tutorial-5.2-hep-route "s|:9060|:$P|g"
up tutorial-5.2-hep-route udp "$P"
tcp_listening "$P" || fail "5.2: no TCP listener"
DB="$TMP/tutorial-5.2-hep-route/tutorial52.db"
send <<EOF
--version 1 --sip INVITE --callid t52-v1 127.0.0.1 $P
--version 2 --sip INVITE --callid t52-v2 127.0.0.1 $P
--json-wrap --sip INVITE --callid t52-v3u 127.0.0.1 $P
--tcp --json-wrap --sip 200-INVITE --callid t52-v3t 127.0.0.1 $P
--proto-type 5 --corr t52-v3u --text '$RTCP' 127.0.0.1 $P
--tcp --proto-type 86 --corr t52-v3t --text 'xlog line' 127.0.0.1 $P
EOF
wait_n 4 sq "$DB" "select count(*) from sip_capture" || { cat "$TMP/tutorial-5.2-hep-route/node.log"; fail "5.2: sip rows"; }
wait_n 2 sq "$DB" "select count(*) from generic_capture" || { cat "$TMP/tutorial-5.2-hep-route/node.log"; fail "5.2: generic_capture rows"; }
expect "5.2 sip rows" "$(sq "$DB" "select group_concat(callid||':'||type||':'||substr(msg,1,7), ' ') from (select * from sip_capture order by callid)")" \
  "t52-v1:1:INVITE  t52-v2:1:INVITE  t52-v3t:2:SIP/2.0 t52-v3u:1:INVITE "
expect "5.2 generic rows" "$(sq "$DB" "select group_concat(correlation_id||':'||type, ' ') from (select * from generic_capture order by type)")" \
  "t52-v3u:5 t52-v3t:86"
down tutorial-5.2-hep-route
pass "tutorial 5.2: v1/v2 resumed, JSON-wrapped v3 SIP unwrapped with \$json and stored (UDP+TCP), RTCP and xlog in generic_capture"

# --- tutorial 5.3: HEP proxy by version, no database ---------------------------
P=$(free_port udp); R1=$(free_port udp); R2=$(free_port udp)
prep tutorial-5.3-hep-proxy "s|:9060|:$P|g" "s|:9111|:$R1|g" "s|:9112|:$R2|g"
grep -q db_url "$TMP/tutorial-5.3-hep-proxy/node.cfg" && fail "5.3 cfg has a db_url"
listen "$R1" "$R2"
up tutorial-5.3-hep-proxy udp "$P"
send <<EOF
--sip INVITE --callid t53-v3u 127.0.0.1 $P
--tcp --sip INVITE --callid t53-v3t 127.0.0.1 $P
--proto-type 5 --corr t53 --text '$RTCP' 127.0.0.1 $P
--version 1 --sip INVITE --callid t53-v1 127.0.0.1 $P
--version 2 --sip INVITE --callid t53-v2 127.0.0.1 $P
EOF
wait_n 3 lines "$TMP/lst/$R1" || fail "5.3: v3 packets relayed to $R1: $(lines "$TMP/lst/$R1")"
wait_n 2 lines "$TMP/lst/$R2" || fail "5.3: v1/v2 packets relayed to $R2: $(lines "$TMP/lst/$R2")"
sleep 0.3
expect "5.3 v3 destination" "$(types_of "$TMP/lst/$R1")" "1 1 5"
expect "5.3 v1/v2 destination" "$(types_of "$TMP/lst/$R2")" "v1 v2"
grep -q 't53-v3t' "$TMP/lst/$R1" || fail "5.3: TCP-received packet not relayed"
down tutorial-5.3-hep-proxy
pass "tutorial 5.3: started without db_url; v3 (UDP+TCP, SIP+RTCP) relayed to one node, v1/v2 to the other, versions kept"

# --- tutorial 5.4: clone + JSON unwrap + table per type --------------------------
P=$(free_port udp); R1=$(free_port udp)
prep tutorial-5.4-full "s|:9060|:$P|g" "s|:9191|:$R1|g"
listen "$R1"
up tutorial-5.4-full udp "$P"
DB="$TMP/tutorial-5.4-full/tutorial54.db"
send <<EOF
--version 1 --sip REGISTER --callid t54-v1 127.0.0.1 $P
--version 2 --sip INVITE --callid t54-v2 127.0.0.1 $P
--json-wrap --sip INVITE --callid t54-v3 127.0.0.1 $P
--tcp --json-wrap --sip 200-REGISTER --callid t54-v3r 127.0.0.1 $P
EOF
send <<EOF
--proto-type 86 --corr c86 --text 'event 86' 127.0.0.1 $P
--proto-type 87 --corr c87 --text 'event 87' 127.0.0.1 $P
--tcp --proto-type 88 --corr c88 --text 'event 88' 127.0.0.1 $P
--proto-type 89 --corr c89 --text 'event 89' 127.0.0.1 $P
EOF
wait_n 2 sq "$DB" "select count(*) from sip_capture_call" || { cat "$TMP/tutorial-5.4-full/node.log"; fail "5.4: call rows"; }
wait_n 2 sq "$DB" "select count(*) from sip_capture_registration" || { cat "$TMP/tutorial-5.4-full/node.log"; fail "5.4: registration rows"; }
for tb in xlog_capture mi_capture rest_capture net_capture; do
  wait_n 1 sq "$DB" "select count(*) from $tb" || { cat "$TMP/tutorial-5.4-full/node.log"; fail "5.4: no row in $tb"; }
done
wait_n 6 lines "$TMP/lst/$R1" || fail "5.4: cloned packets: $(lines "$TMP/lst/$R1")"
sleep 0.3
expect "5.4 call rows" "$(sq "$DB" "select group_concat(callid||':'||substr(msg,1,6), ' ') from (select * from sip_capture_call order by callid)")" \
  "t54-v2:INVITE t54-v3:INVITE"
expect "5.4 registration rows" "$(sq "$DB" "select group_concat(callid||':'||type, ' ') from (select * from sip_capture_registration order by callid)")" \
  "t54-v1:1 t54-v3r:2"
expect "5.4 per-type tables" "$(for tb in xlog mi rest net; do sq "$DB" "select correlation_id||':'||type||':'||msg from ${tb}_capture"; done | tr '\n' ' ')" \
  "c86:86:event 86 c87:87:event 87 c88:88:event 88 c89:89:event 89 "
expect "5.4 cloned (v3 only, before unwrapping)" "$(types_of "$TMP/lst/$R1")" "1 1 86 87 88 89"
grep -q '"text": "{\\"payload\\"' "$TMP/lst/$R1" || fail "5.4: clone should carry the JSON payload as received"
expect "5.4 default tables untouched" "$(sq "$DB" "select count(*) from sip_capture")" 0
down tutorial-5.4-full
pass "tutorial 5.4: v3 cloned, v1/v2 and unwrapped v3 SIP in sip_capture_call/_registration by \$rm, types 86-89 in their own tables"

# --- tutorial 6.1: HOMER 5, MySQL, daily tables, xlog (87) in logs_capture -----
P=$(free_port udp)
prep tutorial-6.1-homer5 "s|:9060|:$P|g" "s|mysql://opensips:opensips@127.0.0.1/homer_data|${MYSQL_TEST_URL%/*}/$DB61|"
up tutorial-6.1-homer5 udp "$P"
# --ts 1700000000 = 2023-11-14 UTC: the daily tables come from the packet time.
send <<EOF
--sip INVITE --callid t61-inv 127.0.0.1 $P
--tcp --sip REGISTER --callid t61-reg 127.0.0.1 $P
--sip 200-REGISTER --callid t61-reg 127.0.0.1 $P
--sip OPTIONS --callid t61-opt 127.0.0.1 $P
--sip NOTIFY-refer --callid t61-ntf 127.0.0.1 $P
--sip INFO --callid t61-info 127.0.0.1 $P
--tcp --proto-type 87 --corr t61-inv --text 'xlog event' 127.0.0.1 $P
--proto-type 5 --corr t61-inv --text '$RTCP' 127.0.0.1 $P
--proto-type 88 --corr t61-inv --text 'rest event' 127.0.0.1 $P
EOF
wait_n 3 mq "$DB61" -e "select count(*) from sip_capture_call_20231114" || { cat "$TMP/tutorial-6.1-homer5/node.log"; fail "6.1: call rows"; }
wait_n 2 mq "$DB61" -e "select count(*) from sip_capture_registration_20231114" || fail "6.1: registration rows"
wait_n 1 mq "$DB61" -e "select count(*) from sip_capture_rest_20231114" || fail "6.1: rest rows"
wait_n 1 mq "$DB61" -e "select count(*) from logs_capture" || fail "6.1: logs_capture row"
sleep 0.5
expect "6.1 call table" "$(mq "$DB61" -e "select group_concat(callid order by callid separator ' ') from sip_capture_call_20231114")" "t61-info t61-inv t61-ntf"
expect "6.1 registration table" "$(mq "$DB61" -e "select group_concat(concat(callid,':',type) order by type separator ' ') from sip_capture_registration_20231114")" "t61-reg:1 t61-reg:2"
expect "6.1 rest table" "$(mq "$DB61" -e "select group_concat(callid) from sip_capture_rest_20231114")" "t61-opt"
expect "6.1 logs_capture" "$(mq "$DB61" -e "select concat(correlation_id,'|',type,'|',msg) from logs_capture")" "t61-inv|87|xlog event"
expect "6.1 other types dropped" "$(mq "$DB61" -e "select count(*) from rtcp_capture")" 0
down tutorial-6.1-homer5
pass "tutorial 6.1: SIP into the daily call/registration/rest tables by method, xlog (87) in logs_capture, other types dropped"

# --- HEP switch: SIP forked to two receivers, the rest to a third, no DB --------
P=$(free_port udp); R1=$(free_port udp); R2=$(free_port udp); R3=$(free_port udp)
prep hep-switch "s|:9060|:$P|g" "s|:9101|:$R1|g" "s|:9102|:$R2|g" "s|:9103|:$R3|g"
listen "$R1" "$R2" "$R3"
up hep-switch udp "$P"
send <<EOF
--sip INVITE --callid sw-1 127.0.0.1 $P
--sip 200-INVITE --callid sw-1 127.0.0.1 $P
--sip REGISTER --callid sw-2 127.0.0.1 $P
--proto-type 5 --corr 'sw-1@example.com' --text '$RTCP' 127.0.0.1 $P
--proto-type 100 --corr 'sw-1@example.com' --text 'log' 127.0.0.1 $P
EOF
wait_n 2 lines "$TMP/lst/$R1" && wait_n 2 lines "$TMP/lst/$R2" && wait_n 2 lines "$TMP/lst/$R3" ||
  { cat "$TMP/hep-switch/node.log"; fail "switch: relayed $(lines "$TMP/lst/$R1")/$(lines "$TMP/lst/$R2")/$(lines "$TMP/lst/$R3")"; }
sleep 0.3
expect "switch receiver 1" "$(types_of "$TMP/lst/$R1")" "1 1"
expect "switch receiver 2" "$(types_of "$TMP/lst/$R2")" "1 1"
expect "switch non-SIP receiver" "$(types_of "$TMP/lst/$R3")" "5 100"
grep -q 'sw-1@example.com' "$TMP/lst/$R3" || fail "switch: correlation chunk not relayed"
down hep-switch
# The reply resumes into the SIP routes too, but the example has no
# onreply_route: only route{} relays, so replies are not forked.
grep -q '"text": "SIP/2.0 200' "$TMP/lst/$R1" && fail "switch: a reply was relayed by route{}"
pass "hep-switch.cfg: started without db_url; SIP requests forked to both receivers from route{}, RTCP/log to the third"
