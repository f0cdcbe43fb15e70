#!/usr/bin/env bash
# Interop: the same sipp call flow, traced by Kamailio 5.6 siptrace as HEPv3
# over UDP, is captured by sipcapd (sipcapture + db_mysql, MariaDB db A) and by
# Kamailio's own sipcapture (db_mysql, db B); both databases are created by
# `sipcapd-dbctl create` (HOMER 5 schema of scripts/sql/mysql). A UDP tee
# (kamailio/hep_tee.py) hands both nodes the identical datagrams. The two
# sip_capture tables are then compared field for field
# (kamailio/compare_rows.py); only the differences documented in
# doc/interop.md are allowed.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
# The system interpreter: a pyenv shim in PATH can take seconds per start.
PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/lib.sh"
need kamailio sipp mariadb ss python3
for m in proto_hep db_mysql sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/db_mysql.so ] || fail "kamailio-mysql-modules not installed"
CALLS=10
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/two_dbs.sh"
two_dbs kcmp

# sipcapd node (db A)
sport_hep=$(free_port udp)
start_capture_node node "$sport_hep" "$URLA"
NODE=$NODE_PID
# Kamailio capture node (db B)
kcap_port=$(free_port udp)
kam_cfg capture.cfg "$TMP/capture.cfg" HEP_PORT="$kcap_port" DB_URL="$URLB"
start_kamailio "$TMP/capture.cfg" kcap
KCAP=$KAM_PID
WAIT_SECS=10 wait_for udp_listening "$sport_hep" || { cat "$TMP/node.log"; fail "sipcapd not listening"; }
WAIT_SECS=15 wait_for udp_listening "$kcap_port" || { cat "$TMP/kcap.log"; fail "kamailio capture node not listening"; }
# tee
tee_port=$(free_port udp)
$PY "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/hep_tee.py" "$tee_port" "$sport_hep" "$kcap_port" >"$TMP/tee.log" 2>&1 &
TEE=$!; PIDS+=("$TEE")
WAIT_SECS=10 wait_for udp_listening "$tee_port" || fail "tee not listening"
# Kamailio tracing proxy -> tee
kport=$(free_port udp); uport=$(free_port udp)
kam_cfg trace.cfg "$TMP/trace.cfg" SIP_PORT="$kport" HEP_URI="sip:127.0.0.1:$tee_port" HEP_VERSION=3
start_kamailio "$TMP/trace.cfg" ktrace
WAIT_SECS=15 wait_for udp_listening "$kport" || { cat "$TMP/ktrace.log"; fail "kamailio proxy not listening"; }
(cd "$TMP" && timeout 60 sipp -sn uac "127.0.0.1:$kport" -i 127.0.0.1 -p "$uport" -m "$CALLS" -r 20 \
   -cid_str "cmp-%u-%p@sipp" -nostdin -timeout 40s -timeout_error >"$TMP/sipp.log" 2>&1) ||
  { tail -20 "$TMP/sipp.log"; fail "sipp call flow failed"; }
want=$(( CALLS * 5 ))
WAIT_SECS=20 wait_for rows_ge "$DBA" "$want" ||
  { tail -20 "$TMP/node.log"; fail "sipcapd: expected $want rows, got $(count "$DBA")"; }
WAIT_SECS=20 wait_for rows_ge "$DBB" "$want" ||
  { tail -20 "$TMP/kcap.log"; fail "kamailio sipcapture: expected $want rows, got $(count "$DBB")"; }
sleep 1
[ "$(count "$DBA")" = "$want" ] || fail "sipcapd rows $(count "$DBA") != $want"
[ "$(count "$DBB")" = "$want" ] || fail "kamailio rows $(count "$DBB") != $want"
pass "both nodes stored $want rows"
# Every column but id; date as epoch seconds (Kamailio writes local time, sipcapd UTC: same instant).
cols=$(q "$DBA" "select group_concat(column_name order by ordinal_position) from information_schema.columns
               where table_schema='$DBA' and table_name='sip_capture' and column_name not in ('id','date')" | tail -1)
sel="select unix_timestamp(date) as date,$cols from sip_capture order by micro_ts, callid, id"
q "$DBA" "$sel" >"$TMP/a.tsv" || fail "dump A"
q "$DBB" "$sel" >"$TMP/b.tsv" || fail "dump B"
$PY "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/compare_rows.py" "$TMP/a.tsv" "$TMP/b.tsv" || { kill -TERM "$TEE"; wait "$TEE"; mkdir -p /tmp/kcmp-last; cp "$TMP"/*.tsv "$TMP/tee.log" /tmp/kcmp-last/; echo "dumps kept in /tmp/kcmp-last"; false; } ||
  fail "sipcapd and Kamailio sipcapture rows differ (see DIFF lines; deliberate differences go in doc/interop.md and compare_rows.py)"
pass "sipcapd rows equal Kamailio sipcapture rows field for field (documented differences only)"
kill -TERM "$TEE"; wait "$TEE"; cat "$TMP/tee.log"
stop_node "$NODE" || fail "sipcapd exit code $?"
