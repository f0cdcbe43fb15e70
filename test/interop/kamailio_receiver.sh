#!/usr/bin/env bash
# Interop, our sender: a sipcapd tracing node (proto_udp + sl + siptrace
# sip_trace() scope m, proto_hep hep_id, HEPv3 over UDP, capture id 2002)
# answers a sipp call flow and traces every request it receives. A UDP tee
# (kamailio/hep_tee.py) hands the identical datagrams to
#   * Kamailio 5.6 sipcapture (MariaDB, HOMER 5 schema of sipcapd-dbctl), and
#   * sngrep (-L HEP listener, -O pcap), whose pcap is decoded by tshark.
# What arrives must match what was sent: 3 traced messages a call (INVITE,
# ACK, BYE), Call-IDs, addresses/ports as on the wire, capture id, correlation
# id = Call-ID, timestamps within the run, the SIP text.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
# The system interpreter: a pyenv shim in PATH can take seconds per start.
PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/lib.sh"
need kamailio sipp mariadb ss sngrep tshark
for m in proto_udp proto_hep sl siptrace; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
DBCTL="$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl"
if [ -z "${MYSQL_TEST_URL:-}" ]; then
  "$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" start >/dev/null || fail "cannot start private MariaDB"
  eval "$("$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" env)"
fi
CALLS=10
DBB="krcv_$$_$RANDOM"; URLB="${MYSQL_TEST_URL%/*}/$DBB"
hp="${URLB#*@}"; hp="${hp%%/*}"; MHOST="${hp%%:*}"; MPORT="${hp##*:}"
cred="${URLB#*://}"; cred="${cred%%@*}"; MUSER="${cred%%:*}"; MPASS="${cred#*:}"
q() { mariadb --no-defaults -N -B -u"$MUSER" -p"$MPASS" -h"$MHOST" -P"$MPORT" "$DBB" -e "$1"; }
"$DBCTL" create "$URLB" >/dev/null || fail "dbctl create"
trap '"$DBCTL" drop "$URLB" >/dev/null 2>&1; cleanup_common' EXIT

# Kamailio capture node
kcap_port=$(free_port udp)
kam_cfg capture.cfg "$TMP/capture.cfg" HEP_PORT="$kcap_port" DB_URL="$URLB"
start_kamailio "$TMP/capture.cfg" kcap
# sngrep HEP listener -> pcap
sng_port=$(free_port udp)
sngrep -N -q -L "udp:127.0.0.1:$sng_port" -O "$TMP/sngrep.pcap" </dev/null >"$TMP/sngrep.log" 2>&1 &
SNG=$!; PIDS+=("$SNG")
WAIT_SECS=15 wait_for udp_listening "$kcap_port" || { cat "$TMP/kcap.log"; fail "kamailio capture node not listening"; }
WAIT_SECS=10 wait_for udp_listening "$sng_port" || { cat "$TMP/sngrep.log"; fail "sngrep not listening"; }
tee_port=$(free_port udp)
$PY "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/hep_tee.py" "$tee_port" "$kcap_port" "$sng_port" >"$TMP/tee.log" 2>&1 &
TEE=$!; PIDS+=("$TEE")
WAIT_SECS=10 wait_for udp_listening "$tee_port" || fail "tee not listening"

# sipcapd tracing node
sip_port=$(free_port udp); uport=$(free_port udp)
cat >"$TMP/trace.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$sip_port
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "sl.so"
loadmodule "siptrace.so"
modparam("proto_hep", "hep_id", "[cap] 127.0.0.1:$tee_port; transport=udp; version=3")
modparam("proto_hep", "hep_capture_id", 2002)
modparam("siptrace", "trace_id", "[tid]uri=hep:cap")
route {
  sip_trace("tid", "m");
  if (\$rm == "ACK") exit;
  sl_send_reply(200, "OK");
}
CFG
check_cfg "$TMP/trace.cfg" "$TMP/check.log" "tracing node cfg check"
start_node "$TMP/trace.cfg" "$TMP/node.log"; NODE=$NODE_PID
WAIT_SECS=10 wait_for udp_listening "$sip_port" || { cat "$TMP/node.log"; fail "tracing node not listening"; }
t0=$(date +%s)
(cd "$TMP" && timeout 60 sipp -sn uac "127.0.0.1:$sip_port" -i 127.0.0.1 -p "$uport" -m "$CALLS" -r 20 \
   -cid_str "rcv-%u-%p@sipp" -nostdin -timeout 40s -timeout_error >"$TMP/sipp.log" 2>&1) ||
  { tail -20 "$TMP/sipp.log"; tail -20 "$TMP/node.log"; fail "sipp call flow through the sipcapd tracing node failed"; }
t1=$(( $(date +%s) + 1 ))
want=$(( CALLS * 3 ))
WAIT_SECS=20 wait_for bash -c "[ \"\$(mariadb --no-defaults -N -u$MUSER -p$MPASS -h$MHOST -P$MPORT $DBB -e 'select count(*) from sip_capture')\" -ge $want ]" ||
  { tail -20 "$TMP/kcap.log"; fail "Kamailio sipcapture: expected $want rows, got $(q 'select count(*) from sip_capture')"; }
sleep 1
kill -TERM "$TEE"; wait "$TEE"
fwd=$(sed -n 's/^forwarded //p' "$TMP/tee.log")
[ "$fwd" = "$want" ] || fail "tee forwarded $fwd HEP packets, expected $want"

# Kamailio's rows
[ "$(q 'select count(*) from sip_capture')" = "$want" ] || fail "Kamailio rows $(q 'select count(*) from sip_capture') != $want"
got=$(q "select method, count(*) from sip_capture where callid like 'rcv-%' and type=1 and source_ip='127.0.0.1'
         and source_port=$uport and destination_ip='127.0.0.1' and destination_port=$sip_port and family=2
         and node='homer01:2002' and correlation_id=callid and micro_ts between ${t0}000000 - 2000000 and ${t1}000000
         and from_user='sipp' and to_user='service' and instr(msg, concat('Call-ID: ', callid)) > 0
         group by method order by method" | tr '\t\n' ': ')
[ "$got" = "ACK:$CALLS BYE:$CALLS INVITE:$CALLS " ] ||
  { q "select method,source_ip,source_port,destination_port,node,correlation_id,callid,micro_ts from sip_capture limit 3" >&2
    fail "Kamailio sipcapture rows of our HEP: got '$got'"; }
pass "Kamailio sipcapture decoded and stored all $want HEPv3 packets of sipcapd siptrace with the sent fields"

# sngrep's pcap via tshark
kill -TERM "$SNG"; for i in $(seq 1 50); do kill -0 "$SNG" 2>/dev/null || break; sleep 0.1; done
[ -s "$TMP/sngrep.pcap" ] || { cat "$TMP/sngrep.log"; fail "sngrep wrote no pcap"; }
tshark -r "$TMP/sngrep.pcap" -Y sip -T fields -E separator=' ' -e ip.src -e udp.srcport -e ip.dst -e udp.dstport \
  -e sip.Method -e sip.Call-ID -e frame.time_epoch >"$TMP/sngrep.txt" 2>"$TMP/tshark.err" || { cat "$TMP/tshark.err"; fail "tshark -r"; }
n=$(wc -l <"$TMP/sngrep.txt")
[ "$n" = "$want" ] || { head "$TMP/sngrep.txt"; fail "sngrep received $n SIP messages, expected $want"; }
bad=$(awk -v u="$uport" -v s="$sip_port" -v t0="$t0" -v t1="$t1" \
  '!($1=="127.0.0.1" && $2==u && $3=="127.0.0.1" && $4==s && $5 ~ /^(INVITE|ACK|BYE)$/ && $6 ~ /^rcv-/ && $7 >= t0-2 && $7 <= t1) {print}' \
  "$TMP/sngrep.txt")
[ -z "$bad" ] || fail "sngrep/tshark fields differ from what was traced: $bad"
diff <(q "select callid, method from sip_capture order by callid, method") \
     <(awk '{print $6 "\t" $5}' "$TMP/sngrep.txt" | sort) >/dev/null ||
  fail "sngrep and Kamailio received different (Call-ID, method) sets"
pass "sngrep decoded all $want packets (addresses, ports, method, Call-ID, HEP time) as Kamailio did"
stop_node "$NODE" || fail "tracing node exit code $?"
