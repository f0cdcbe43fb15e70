#!/usr/bin/env bash
# Interop: Kamailio 5.6 siptrace (trace_mode 1, hep-ecosystem.md §3.4) proxies
# a sipp call flow and mirrors every SIP message as HEPv2, then HEPv3, over
# UDP to a sipcapd hep_udp listener (sipcapture hep_route none -> SQLite).
# Every message Kamailio saw (5 a call: INVITE in, 200 out, ACK in, BYE in,
# 200 out) must be stored once, with addresses, ports, node (capture id 2001),
# time and Call-ID decoded; nothing counted as bad by proto_hep.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
# The system interpreter: a pyenv shim in PATH can take seconds per start.
PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/lib.sh"
need kamailio sipp sqlite3 ss
for m in proto_hep db_sqlite sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
CALLS=10
q() { sqlite3 "$TMP/cap.db" "$1"; }

hep_port=$(free_port udp)
start_capture_node node "$hep_port" "sqlite://$TMP/cap.db"
NODE=$NODE_PID
WAIT_SECS=10 wait_for udp_listening "$hep_port" || { cat "$TMP/node.log"; fail "sipcapd not listening"; }
WAIT_SECS=10 wait_for test -f "$TMP/cap.db" || { cat "$TMP/node.log"; fail "no db"; }

run_version() {  # run_version V
  local v=$1 kport sport t0 t1 n want
  kport=$(free_port udp); sport=$(free_port udp)
  kam_cfg trace.cfg "$TMP/trace-v$v.cfg" SIP_PORT="$kport" HEP_URI="sip:127.0.0.1:$hep_port" HEP_VERSION="$v"
  start_kamailio "$TMP/trace-v$v.cfg" "kam-v$v"
  local kpid=$KAM_PID
  WAIT_SECS=15 wait_for udp_listening "$kport" || { cat "$TMP/kam-v$v.log"; fail "v$v: kamailio not listening"; }
  t0=$(date +%s)
  (cd "$TMP" && timeout 60 sipp -sn uac "127.0.0.1:$kport" -i 127.0.0.1 -p "$sport" -m "$CALLS" -r 20 \
     -cid_str "v$v-%u-%p@sipp" -nostdin -timeout 40s -timeout_error -trace_err >"$TMP/sipp-v$v.log" 2>&1) \
    || { tail -20 "$TMP/sipp-v$v.log"; cat "$TMP/kam-v$v.log" | tail -20; fail "v$v: sipp call flow failed"; }
  t1=$(( $(date +%s) + 1 ))
  want=$(( CALLS * 5 ))
  WAIT_SECS=15 wait_for bash -c "[ \"\$(sqlite3 $TMP/cap.db \"select count(*) from sip_capture where callid like 'v$v-%'\")\" -ge $want ]" ||
    { tail -20 "$TMP/node.log"; fail "v$v: expected $want rows, got $(q "select count(*) from sip_capture where callid like 'v$v-%'")"; }
  sleep 0.5
  n=$(q "select count(*) from sip_capture where callid like 'v$v-%'")
  [ "$n" = "$want" ] || fail "v$v: $n rows, expected exactly $want"
  # Per call: the 5 messages (sorted: Kamailio's timestamps of an sl reply and
  # the next ACK, handled by another child, may be in either order).
  local per
  per=$(q "select group_concat(m, ',') from (select callid, method||'/'||type||'/'||source_port||'>'||destination_port as m
           from sip_capture where callid like 'v$v-%' order by callid, m) group by callid" | sort | uniq -c | sed 's/^ *//')
  local inv="INVITE/1/$sport>$kport" ok="200/2/$kport>$sport"
  [ "$per" = "$CALLS $ok,$ok,ACK/1/$sport>$kport,BYE/1/$sport>$kport,$inv" ] ||
    fail "v$v: per-call flows differ: $per"
  local bad
  bad=$(q "select count(*) from sip_capture where callid like 'v$v-%' and not (source_ip='127.0.0.1' and destination_ip='127.0.0.1'
          and family=2 and proto=17 and node='homer01:2001' and micro_ts between ${t0}000000 - 2000000 and ${t1}000000
          and length(msg) > 100 and instr(msg, callid) > 0 and from_user='sipp' and to_user='service')")
  [ "$bad" = 0 ] || { q "select * from sip_capture where callid like 'v$v-%' limit 2" >&2; fail "v$v: $bad rows with wrong decoded fields"; }
  stop_node "$kpid" >/dev/null || true
  pass "Kamailio siptrace HEPv$v: $n/$want messages stored with decoded fields"
}
run_version 2
run_version 3
grep -Ei 'bad|malformed|truncat|unhandled' "$TMP/node.log" && fail "sipcapd logged decode problems"
stop_node "$NODE" || fail "sipcapd exit code $?"
