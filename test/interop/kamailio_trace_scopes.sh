#!/usr/bin/env bash
# Interop: siptrace scopes m / t / d (tm t_relay + dialog) and a stateless
# forward() variant with scope m, traced by a sipcapd proxy to TWO capture
# nodes at once (two destinations under each trace id): a sipcapd capture
# node (proto_hep + sipcapture + db_mysql, MariaDB db A) and Kamailio 5.6
# sipcapture (Debian package, cfg kamailio/capture.cfg, MariaDB db B).
#   sipp UAC -> sipcapd proxy (udp) -> sipp UAS, CALLS calls per scope
# Every call must complete, and both capture tables must hold exactly the
# per-scope packet sets of test/integration/trace_scopes.sh (1 for m, 7 for
# t, 12 for d a call; 6 for the stateless variant, which traces every
# message as received): method/code, CSeq, source and destination as on the
# wire (UAC, proxy listener, UAS; a branch leaves from the proxy's
# listener), correlation_id = Call-ID (kamailio/scope_rows.py). The two
# tables must also be equal to each other on those columns.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/lib.sh"
need kamailio sipp mariadb ss
for m in proto_udp proto_hep tm dialog siptrace sipmsgops db_mysql sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/sipcapture.so ] || fail "kamailio-extra-modules (sipcapture) not installed"
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/db_mysql.so ] || fail "kamailio-mysql-modules not installed"
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/two_dbs.sh"
two_dbs ktsc
CALLS=${TRACE_SCOPE_CALLS:-5}
SCOPES=(m t d s)

# --- capture node 1: sipcapd (db A)
CS=$(free_port udp)
start_capture_node capture "$CS" "$URLA"
CAPNODE=$NODE_PID
# --- capture node 2: Kamailio sipcapture (db B)
CK=$(free_port udp)
kam_cfg capture.cfg "$TMP/kcap.cfg" HEP_PORT="$CK" DB_URL="$URLB"
start_kamailio "$TMP/kcap.cfg" kcap
WAIT_SECS=10 wait_for udp_listening "$CS" || { cat "$TMP/capture.log"; fail "sipcapd capture node not listening"; }
WAIT_SECS=15 wait_for udp_listening "$CK" || { cat "$TMP/kcap.log"; fail "Kamailio sipcapture not listening"; }

# --- the tracing proxy: one trace id per scope, each with both nodes.
P=$(free_port udp); U=$(free_port udp); C=$(free_port udp)
{
  # One worker: with two, a 180 and the 200 sent back to back by the UAS
  # may be handled out of order and tm then rightly does not relay the 180
  # (an exact count would be wrong); concurrency is trace_collector_down's.
  cat <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$P
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
loadmodule "sipmsgops.so"
loadmodule "tm.so"
loadmodule "dialog.so"
loadmodule "siptrace.so"
modparam("proto_hep", "hep_id", "[sipcapd] 127.0.0.1:$CS; transport=udp; version=3")
modparam("proto_hep", "hep_id", "[kamailio] 127.0.0.1:$CK; transport=udp; version=3")
modparam("proto_hep", "hep_capture_id", 2003)
CFG
  for s in "${SCOPES[@]}"; do
    echo "modparam(\"siptrace\", \"trace_id\", \"[tr_$s]hep:sipcapd\")"
    echo "modparam(\"siptrace\", \"trace_id\", \"[tr_$s]hep:kamailio\")"
  done
  cat <<CFG
route {
  # The scope is the Call-ID prefix (sipp -cid_str "<scope>-...").
  \$var(scope) = \$(ci{s.substr,0,2});
  if (\$var(scope) == "s-") {
    sip_trace("tr_s", "m");
    forward("udp:127.0.0.1:$U");
    exit;
  }
  if (is_method("INVITE") && !has_totag()) {
    if (\$var(scope) == "m-") sip_trace("tr_m", "m");
    if (\$var(scope) == "t-") sip_trace("tr_t", "t");
    if (\$var(scope) == "d-") sip_trace("tr_d", "d");
  }
  t_relay("udp:127.0.0.1:$U");
}
onreply_route {
  if (\$(ci{s.substr,0,2}) == "s-") sip_trace("tr_s", "m");
}
CFG
} >"$TMP/proxy.cfg"
check_cfg "$TMP/proxy.cfg" "$TMP/proxy.check" "proxy cfg check"
start_node "$TMP/proxy.cfg" "$TMP/proxy.log"
PROXY=$NODE_PID
WAIT_SECS=10 wait_for udp_listening "$P" || { cat "$TMP/proxy.log"; fail "proxy not listening"; }
(cd "$TMP" && sipp -sn uas -i 127.0.0.1 -p "$U" -bg >"$TMP/uas.out" 2>&1)
uas_pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/uas.out")
[ -n "$uas_pid" ] || { cat "$TMP/uas.out"; fail "sipp uas did not start"; }
PIDS+=("$uas_pid")
WAIT_SECS=5 wait_for udp_listening "$U" || fail "sipp uas not listening"

for s in "${SCOPES[@]}"; do
  (cd "$TMP" && timeout 60 sipp -sn uac "127.0.0.1:$P" -i 127.0.0.1 -p "$C" -m "$CALLS" -r 10 \
     -cid_str "$s-%u-%p@sipp" -nostdin -timeout 30s -timeout_error >"$TMP/uac_$s.log" 2>&1) ||
    { tail -20 "$TMP/uac_$s.log"; tail -20 "$TMP/proxy.log"; fail "scope $s: sipp calls through the proxy failed"; }
  ok=$(grep "Successful call" "$TMP/uac_$s.log" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
  [ "$ok" = "$CALLS" ] || fail "scope $s: $ok of $CALLS calls successful"
done
pass "all ${#SCOPES[@]} x $CALLS calls completed through the tracing proxy"

want=$(( CALLS * (1 + 7 + 12 + 6) ))
for db in "$DBA" "$DBB"; do
  WAIT_SECS=20 wait_for rows_ge "$db" "$want" || echo "$db: only $(count "$db") rows of $want after 20 s" >&2
done
sleep 1
sel="select method, cseq, source_ip, source_port, destination_ip, destination_port, callid, correlation_id
     from sip_capture order by callid, method, cseq, source_port, destination_port"
q "$DBA" "$sel" >"$TMP/a.tsv" || fail "dump A"
q "$DBB" "$sel" >"$TMP/b.tsv" || fail "dump B"
args=("127.0.0.1:$C" "127.0.0.1:$P" "127.0.0.1:$U")
for s in "${SCOPES[@]}"; do args+=("$s=$CALLS"); done
rc=0
r=$(/usr/bin/python3 "$KAMAILIO_CFG_DIR/scope_rows.py" "$TMP/a.tsv" "${args[@]}") &&
  pass "sipcapd capture node ($(count "$DBA") rows): $(echo "$r" | tr '\n' ';')" ||
  { echo "FAIL: sipcapd capture node rows ($(count "$DBA")):" >&2; echo "$r" >&2; rc=1; }
r=$(/usr/bin/python3 "$KAMAILIO_CFG_DIR/scope_rows.py" "$TMP/b.tsv" "${args[@]}") &&
  pass "Kamailio sipcapture ($(count "$DBB") rows): $(echo "$r" | tr '\n' ';')" ||
  { echo "FAIL: Kamailio sipcapture rows ($(count "$DBB")):" >&2; echo "$r" >&2; rc=1; }
if diff "$TMP/a.tsv" "$TMP/b.tsv" >"$TMP/ab.diff"; then
  pass "sipcapd and Kamailio capture tables equal on method, CSeq, addresses, Call-ID, correlation"
else
  head -20 "$TMP/ab.diff" >&2; echo "FAIL: the two capture tables differ" >&2; rc=1
fi
[ "$rc" = 0 ] || { [ -n "${KEEP_DUMPS:-}" ] && cp "$TMP"/*.tsv "$KEEP_DUMPS"/; grep -i "downstream socket" "$TMP/proxy.log" >&2; exit 1; }
stop_node "$PROXY" || fail "proxy exit code $?"
stop_node "$CAPNODE" || fail "capture node exit code $?"
