#!/usr/bin/env bash
# sipcapture + db_mysql black-box: HEP v1/v2/v3 SIP (hep_send.py) over UDP
# into a fresh MariaDB database created by `sipcapd-dbctl create`
# (private server of scripts/test-mariadb.sh); every HOMER 5 column of the v3
# row checked with the mysql client, strftime table created LIKE its
# template from the packet time, RTCP into rtcp_capture.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
# The system interpreter: a pyenv shim in PATH can take seconds per start.
PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
DBCTL="$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl"
for m in proto_hep db_mysql sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
command -v mariadb >/dev/null || fail "mariadb client not installed"
if [ -z "${MYSQL_TEST_URL:-}" ]; then  # run outside `make test`: start the private server
  "$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" start >/dev/null || fail "cannot start private MariaDB"
  eval "$("$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" env)"
fi
DBNAME="capt_$$_$RANDOM"
URL="${MYSQL_TEST_URL%/*}/$DBNAME"
hp="${URL#*@}"; hp="${hp%%/*}"
MHOST="${hp%%:*}"; MPORT="${hp##*:}"
cred="${URL#*://}"; cred="${cred%%@*}"
MUSER="${cred%%:*}"; MPASS="${cred#*:}"
q() { mariadb --no-defaults -N -B -u"$MUSER" -p"$MPASS" -h"$MHOST" -P"$MPORT" "$DBNAME" -e "$1"; }
"$DBCTL" create "$URL" >"$TMP/dbctl.log" 2>&1 || { cat "$TMP/dbctl.log"; fail "sipcapd-dbctl create"; }
trap '"$DBCTL" drop "$URL" >/dev/null 2>&1; cleanup_common' EXIT

port=$(free_port udp)
cat >"$TMP/node.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "db_mysql.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "$URL")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "sip")
modparam("sipcapture", "spool_dir", "$TMP/spool")
route {
  if (\$ci =~ "^daily-") { sip_capture("sip_capture_call_%Y%m%d"); exit; }
  sip_capture();
}
CFG
check_cfg "$TMP/node.cfg" "$TMP/check.log" "cfg check"
start_node "$TMP/node.cfg" "$TMP/node.log"

WAIT_SECS=10 wait_for bash -c "ss -lun | grep -q :$port" || { cat "$TMP/node.log"; fail "node not listening on udp $port"; }
for v in 1 2 3; do
  sed "s/CALLID-PLACEHOLDER/my-udp-v$v/" "$INV" | $SEND --version "$v" 127.0.0.1 "$port" -
done
sed "s/CALLID-PLACEHOLDER/my-udp-v3b/" "$INV" | $SEND --src 10.1.1.1:1234 127.0.0.1 "$port" -
sed "s/CALLID-PLACEHOLDER/daily-1/" "$INV" | $SEND 127.0.0.1 "$port" -
printf '%s' '{"type":200,"ssrc":1}' | $SEND --proto-type 5 --corr my-rtcp 127.0.0.1 "$port" -

rows() { q "select count(*) from $1" 2>/dev/null || echo 0; }
WAIT_SECS=15 wait_for bash -c "[ \"\$(mariadb --no-defaults -N -B -u$MUSER -p$MPASS -h$MHOST -P$MPORT $DBNAME -e 'select count(*) from sip_capture')\" -ge 4 ]" \
  || { cat "$TMP/node.log"; fail "expected 4 rows in sip_capture, got $(rows sip_capture)"; }
WAIT_SECS=10 wait_for bash -c "[ \"\$(mariadb --no-defaults -N -B -u$MUSER -p$MPASS -h$MHOST -P$MPORT $DBNAME -e 'select count(*) from rtcp_capture')\" -ge 1 ]" \
  || { cat "$TMP/node.log"; fail "rtcp row missing"; }
WAIT_SECS=10 wait_for bash -c "[ \"\$(mariadb --no-defaults -N -B -u$MUSER -p$MPASS -h$MHOST -P$MPORT $DBNAME -e 'select count(*) from sip_capture_call_20231114' 2>/dev/null)\" = 1 ]" \
  || { cat "$TMP/node.log"; fail "strftime table sip_capture_call_20231114: rows=$(rows sip_capture_call_20231114)"; }
sleep 0.5
[ "$(rows sip_capture)" = 4 ] || fail "sip_capture rows: $(rows sip_capture), expected 4 (daily-1 must not be here)"

# Every column of the v3 row (tab-separated, mysql -B).
got=$(q "select unix_timestamp(date),micro_ts,method,reply_reason,ruri,ruri_user,ruri_domain,from_user,from_domain,from_tag,to_user,to_domain,to_tag,pid_user,contact_user,auth_user,callid,callid_aleg,via_1,via_1_branch,cseq,diversion,reason,content_type,auth,user_agent,source_ip,source_port,destination_ip,destination_port,contact_ip,contact_port,originator_ip,originator_port,proto,family,type,node,length(msg) from sip_capture where callid='my-udp-v3'")
want=$(printf '%s\t' 1700000000 1700000000000123 INVITE "" sip:bob@biloxi.example.com bob \
  biloxi.example.com alice atlanta.example.com 1928301774 bob biloxi.example.com "" "" alice "" \
  my-udp-v3 "" "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds" z9hG4bK776asdhds \
  "314159 INVITE" "" "" "" "" capture-test 192.0.2.10 5060 192.0.2.20 5080 192.0.2.7 5062 "" 0 \
  17 2 1 homer01:2001 "$(sed s/CALLID-PLACEHOLDER/my-udp-v3/ "$INV" | wc -c)")
want=${want%$'\t'}
if [ "$got" != "$want" ]; then
  paste <(tr '\t' '\n' <<<"$want") <(tr '\t' '\n' <<<"$got") | awk -F'\t' '$1 != $2 {print "  want [" $1 "] got [" $2 "]"}'
  fail "v3 row differs"
fi
pass "HEPv3 UDP row: every column"
[ "$(q "select md5(msg) from sip_capture where callid='my-udp-v3'")" = "$(sed 's/CALLID-PLACEHOLDER/my-udp-v3/' "$INV" | md5sum | cut -d' ' -f1)" ] ||
  fail "msg column is not the payload byte for byte"
got=$(q "select unix_timestamp(date),micro_ts,node,proto,family,source_ip from sip_capture where callid='my-udp-v2'")
[ "$got" = $'1700000000\t1700000000000123\thomer01:2001\t17\t2\t192.0.2.10' ] || fail "v2 row: $got"
got=$(q "select node,source_ip,destination_port from sip_capture where callid='my-udp-v1'")
[ "$got" = $'homer01\t192.0.2.10\t5080' ] || fail "v1 row: $got"
[ "$(q "select source_ip,source_port from sip_capture where callid='my-udp-v3b'")" = $'10.1.1.1\t1234' ] || fail "second v3 row"
pass "HEPv1/v2 rows"
got=$(q "select callid,micro_ts from sip_capture_call_20231114")
[ "$got" = $'daily-1\t1700000000000123' ] || fail "daily row: $got"
pass "strftime table created LIKE its template"
got=$(q "select correlation_id,type,proto,msg from rtcp_capture")
[ "$got" = $'my-rtcp\t5\t17\t{"type":200,"ssrc":1}' ] || fail "rtcp row: $got"
pass "RTCP row"
stop_node "$NODE_PID" || fail "node exit code $?"
