#!/usr/bin/env bash
# The tracing tutorial's §4.7 script (cfg/tutorial-4.7.cfg, only addresses,
# ports and the FIFO path rewritten) runs and traces what the tutorial says,
# HEPv3 over TCP into a sipcapd capture node (hep_tcp, sipcapture
# hep_route none, SQLite):
#   sipp REGISTERs (TCP) -> tutorial node -> sipp registrar (register_uas.xml)
#   sipp calls (TCP, sipp/call_uac.xml) -> tutorial node -> sipp callee
# Checked in the capture DB:
#   * REGISTER transactions (scope t, 9): REGISTER in, REGISTER out, 200 in,
#     200 out per registration; its xlog line (type 100, logs_capture) with
#     the Call-ID as correlation.
#   * dialogs (scope d, 10): the 12 SIP packets of test/integration/
#     trace_scopes.sh per call (INVITE in/out, 100 out, 180 in/out, 200
#     in/out, ACK in, BYE in/out, 200 in/out) and the xlog lines of the
#     dialog's routes correlated by Call-ID: branch_route's "new branch"
#     once, onreply_route's "incoming reply" for the 180 and the 200.
#   * every SIP row: correlation_id = Call-ID; directions and addresses as on
#     the wire: the listener address on the UAC side, the registrar's /
#     callee's listen address on the far side, 127.0.0.1 for the proxy's own
#     outgoing connection (its port is the connection's).
#   * MI tracing (7): get_statistics traced as request + reply (type 0x57,
#     one correlation id); ps and sip_trace (blacklisted) not traced.
#   * TCP connection tracing (3, 8): connection events (type 0x59) for the
#     UAC connections to the listener and for the proxy's connections to the
#     registrar and the callee (the filter route lets 127.0.0.1 through);
#     with the filter's trusted peer changed to 192.0.2.1, a second node
#     traces a REGISTER but no connection event (drop).
source "$(dirname "$0")/../lib/common.sh"
SRC="${SIPCAPD_SOURCE_DIR:-$(dirname "$0")/../..}"
command -v sipp >/dev/null || { echo "SKIP: sipp not installed (package sip-tester)"; exit 77; }
command -v sqlite3 >/dev/null || fail "sqlite3 client not installed"
for m in proto_tcp signaling sl tm maxfwd sipmsgops dialog mi_fifo proto_hep siptrace db_sqlite sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built"
done
REGS=3; CALLS=3

# --- capture node (HEP over TCP, SQLite)
CP=$(free_port tcp)
cat >"$TMP/capture.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_tcp:127.0.0.1:$CP
loadmodule "proto_hep.so"
loadmodule "db_sqlite.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "sqlite://$TMP/capture.db")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "none")
modparam("sipcapture", "spool_dir", "$TMP/spool")
CFG
start_node "$TMP/capture.cfg" "$TMP/capture.log"
CAP=$NODE_PID
WAIT_SECS=10 wait_for tcp_listening "$CP" || { cat "$TMP/capture.log"; fail "capture node not listening"; }

# --- the tutorial node
P=$(free_port tcp); HL=$(free_port tcp); U=$(free_port tcp); R=$(free_port tcp)
export OSIPS_FIFO="$TMP/fifo" OSIPS_FIFO_TIMEOUT=5
sed -e "s|@MODULE_DIR@|$SIPCAPD_MODULE_DIR|g" -e "s|127\.0\.0\.1:5060|127.0.0.1:$P|g" \
    -e "s|127\.0\.0\.1:6061|127.0.0.1:$HL|g" -e "s|127\.0\.0\.1:9060|127.0.0.1:$CP|g" \
    -e "s|127\.0\.0\.1:5070|127.0.0.1:$U|g" -e "s|127\.0\.0\.1:5080|127.0.0.1:$R|g" \
    -e "s|/tmp/opensips_fifo|$OSIPS_FIFO|g" "$SRC/cfg/tutorial-4.7.cfg" >"$TMP/tutorial.cfg"
grep -q '@[A-Z_]*@' "$TMP/tutorial.cfg" && fail "unreplaced placeholder in tutorial-4.7.cfg"
check_cfg "$TMP/tutorial.cfg" "$TMP/check.log" "tutorial-4.7.cfg: sipcapd -c"
pass "tutorial-4.7.cfg passes sipcapd -c"
start_node "$TMP/tutorial.cfg" "$TMP/node.log"
NODE=$NODE_PID
WAIT_SECS=10 wait_for tcp_listening "$P" || { cat "$TMP/node.log"; fail "tutorial node not listening"; }
WAIT_SECS=10 wait_for test -p "$OSIPS_FIFO" || { cat "$TMP/node.log"; fail "no MI FIFO"; }

start_sipp_uas() {  # start_sipp_uas NAME PORT SIPP-ARGS...: background sipp over TCP
  local name=$1 port=$2 pid; shift 2
  (cd "$TMP" && sipp "$@" -t t1 -i 127.0.0.1 -p "$port" -bg >"$TMP/$name.out" 2>&1)
  pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/$name.out")
  [ -n "$pid" ] || { cat "$TMP/$name.out"; fail "sipp $name did not start"; }
  PIDS+=("$pid")
  WAIT_SECS=5 wait_for tcp_listening "$port" || fail "sipp $name not listening"
}
start_sipp_uas registrar "$R" -sf "$SRC/test/integration/sipp/register_uas.xml"
start_sipp_uas callee "$U" -sn uas

# --- MI: one traced command, two blacklisted ones
"$SRC/scripts/opensipsctl" fifo get_statistics siptrace: >"$TMP/mi_stats.out" 2>&1 || fail "MI get_statistics: $(cat "$TMP/mi_stats.out")"
"$SRC/scripts/opensipsctl" fifo ps >/dev/null 2>&1 || fail "MI ps"
"$SRC/scripts/opensipsctl" fifo sip_trace >"$TMP/mi_trace.out" 2>&1 || fail "MI sip_trace"
grep -q "hep_id::" "$TMP/mi_trace.out" || fail "MI sip_trace listing: $(cat "$TMP/mi_trace.out")"

# --- SIP over TCP
run_uac() {  # run_uac NAME PREFIX N SIPP-ARGS...
  local name=$1 prefix=$2 n=$3; shift 3
  (cd "$TMP" && timeout 60 sipp "$@" "127.0.0.1:$P" -t t1 -i 127.0.0.1 -m "$n" -r 5 \
     -cid_str "$prefix-%u-%p@sipp" -nostdin -timeout 40s -timeout_error >"$TMP/$name.log" 2>&1) ||
    { tail -20 "$TMP/$name.log"; tail -20 "$TMP/node.log"; [ -n "${KEEP_DUMPS:-}" ] && cp "$TMP"/*.log "$TMP"/*.out "$KEEP_DUMPS"/; fail "$name: sipp over TCP through the tutorial node failed"; }
  local ok; ok=$(grep "Successful call" "$TMP/$name.log" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
  [ "$ok" = "$n" ] || fail "$name: $ok of $n successful"
}
run_uac registrations reg "$REGS" -sf "$SRC/test/integration/sipp/register_uac.xml"
run_uac calls call "$CALLS" -sf "$SRC/test/integration/sipp/call_uac.xml"
pass "$REGS REGISTERs and $CALLS calls over TCP completed through the tutorial node"

q() { sqlite3 -separator '	' "$TMP/capture.db" "$1"; }
want_sip=$(( REGS * 4 + CALLS * 12 ))
WAIT_SECS=20 wait_for bash -c "[ \"\$(sqlite3 $TMP/capture.db 'select count(*) from sip_capture' 2>/dev/null)\" -ge $want_sip ]" ||
  echo "only $(q 'select count(*) from sip_capture' 2>/dev/null) SIP rows of $want_sip after 20 s" >&2
sleep 1.5   # late packets (would be extra rows) and the batch writer

rc=0
check() {  # check LABEL CMD...: runs a check, keeps going on failure
  local label=$1 out; shift
  if out=$("$@" 2>&1); then pass "$label: $out"; else echo "FAIL: $label: $out" >&2; rc=1; fi
}
sip_rows() {
  q "select method, cseq, source_ip, source_port, destination_ip, destination_port, callid, correlation_id from sip_capture" |
  "$PY" -c '
import collections, sys
P, U, R, regs, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
fixed = {P: "proxy", U: "callee", R: "registrar"}
def names(src, dst):
    (sip, sp), (dip, dp) = src, dst
    a, b = fixed.get(sp, "?"), fixed.get(dp, "?")
    if "127.0.0.1" not in (sip, dip) or sip != dip: return "bad-ip", "bad-ip"
    if a == "?" and b in ("callee", "registrar"): a = "proxy"     # our outgoing connection
    elif b == "?" and a in ("callee", "registrar"): b = "proxy"
    elif a == "?" and b == "proxy": a = "uac"
    elif b == "?" and a == "proxy": b = "uac"
    return a, b
calls_seen, bad = collections.defaultdict(list), []
for line in sys.stdin.read().splitlines():
    m, cseq, sip, sp, dip, dp, cid, corr = line.split("\t")
    if corr != cid: bad.append("%s: correlation %r" % (cid, corr))
    a, b = names((sip, sp), (dip, dp))
    calls_seen[cid].append("%s %s %s>%s" % (m, cseq, a, b))
REG = ["REGISTER 1 REGISTER uac>proxy", "REGISTER 1 REGISTER proxy>registrar",
       "200 1 REGISTER registrar>proxy", "200 1 REGISTER proxy>uac"]
INV = ["INVITE 1 INVITE uac>proxy", "100 1 INVITE proxy>uac", "INVITE 1 INVITE proxy>callee",
       "180 1 INVITE callee>proxy", "180 1 INVITE proxy>uac", "200 1 INVITE callee>proxy",
       "200 1 INVITE proxy>uac", "ACK 1 ACK uac>proxy", "BYE 2 BYE uac>proxy",
       "BYE 2 BYE proxy>callee", "200 2 BYE callee>proxy", "200 2 BYE proxy>uac"]
n = collections.Counter()
for cid, got in calls_seen.items():
    kind = cid.split("-")[0]
    want = {"reg": REG, "call": INV}.get(kind)
    if want is None: bad.append("unexpected Call-ID " + cid); continue
    n[kind] += 1
    if sorted(got) != sorted(want):
        bad.append("%s: got %s; want %s" % (cid, sorted(got), sorted(want)))
if n["reg"] != regs or n["call"] != calls:
    bad.append("Call-IDs seen: %d REGISTER, %d calls; want %d, %d" % (n["reg"], n["call"], regs, calls))
if bad: print("\n".join(bad[:20])); sys.exit(1)
print("%d REGISTER transactions x 4 and %d dialogs x 12 packets, correlation = Call-ID" % (regs, calls))
' "$P" "$U" "$R" "$REGS" "$CALLS"
}
check "SIP tracing (9, 10)" sip_rows
n180=$(awk '$1 == "180" && $2 ~ /^<-+$/ {print $3; exit}' "$TMP/calls.log")
[ "${n180:-0}" = "$CALLS" ] || {
  echo "FAIL: the UAC got $n180 of $CALLS 180s: the callee sent 180 then 200 on one TCP connection and the" \
       "node handled them out of order (tm does not relay a 180 after the 200); TCP order must be kept" >&2; rc=1; }

xlog_rows() {
  local bad=0 cid n m
  for cid in $(q "select distinct callid from sip_capture where callid like 'reg-%'"); do
    n=$(q "select count(*) from logs_capture where correlation_id='$cid' and cast(msg as text) like '%REGISTER of%'")
    [ "$n" = 1 ] || { echo "REGISTER $cid: $n xlog rows, want 1"; bad=1; }
  done
  for cid in $(q "select distinct callid from sip_capture where callid like 'call-%'"); do
    # branch_route: one branch; onreply_route: the 180 and the 200
    n=$(q "select count(*) from logs_capture where correlation_id='$cid' and cast(msg as text) like '%new branch at%'")
    m=$(q "select count(*) from logs_capture where correlation_id='$cid' and cast(msg as text) like '%incoming reply%'")
    [ "$n" = 1 ] && [ "$m" = 2 ] || { echo "call $cid: $n 'new branch' and $m 'incoming reply' xlog rows, want 1 and 2"; bad=1; }
  done
  n=$(q "select count(*) from logs_capture where type != 100")
  [ "$n" = 0 ] || { echo "$n logs_capture rows with a type other than 100"; bad=1; }
  [ "$bad" = 0 ] && echo "$(q 'select count(*) from logs_capture') xlog rows, each traced call and REGISTER has its own"
  return $bad
}
check "xlog context tracing (sip|xlog)" xlog_rows

mi_rows() {
  local n c
  n=$(q "select count(*) from report_capture where type = 87")
  c=$(q "select count(distinct correlation_id) from report_capture where type = 87")
  [ "$n" = 2 ] && [ "$c" = 1 ] || { echo "$n MI rows with $c correlation ids, want 2 with 1"; q "select type, correlation_id, substr(msg,1,80) from report_capture"; return 1; }
  [ "$(q "select count(*) from report_capture where type = 87 and cast(msg as text) like '%get_statistics%'")" -ge 1 ] ||
    { echo "no MI row names get_statistics"; return 1; }
  n=$(q "select count(*) from report_capture where type = 87 and (cast(msg as text) like 'ps:%' or instr(cast(msg as text), '\"ps\"') > 0 or instr(cast(msg as text), 'sip_trace') > 0)")
  [ "$n" = 0 ] || { echo "$n rows of blacklisted commands (ps, sip_trace)"; return 1; }
  echo "get_statistics request + reply under one correlation id; ps and sip_trace not traced"
}
check "MI tracing (7)" mi_rows

net_rows() {
  local all p u r
  all=$(q "select count(*) from report_capture where type = 89")
  p=$(q "select count(*) from report_capture where type = 89 and (source_port = $P or destination_port = $P)")
  u=$(q "select count(*) from report_capture where type = 89 and (source_port = $U or destination_port = $U)")
  r=$(q "select count(*) from report_capture where type = 89 and (source_port = $R or destination_port = $R)")
  [ "$p" -ge 2 ] && [ "$u" -ge 1 ] && [ "$r" -ge 1 ] ||
    { echo "$all net rows: $p on the listener (want >= 2), $u with the callee, $r with the registrar (want >= 1)"; return 1; }
  echo "$all TCP connection events: $p on the listener, $u with the callee, $r with the registrar"
}
check "TCP connection tracing (3, 8)" net_rows

# tcp_filter's drop: the same script with a trusted peer that is not ours
# traces no connection event while it still traces the REGISTER.
filter_drop() {
  local p2 fifo2 net0 sip0 node2 n
  p2=$(free_port tcp); fifo2="$TMP/fifo2"
  sed -e "s|127\.0\.0\.1:$P|127.0.0.1:$p2|g" -e "s|127\.0\.0\.1:$HL|127.0.0.1:$(free_port tcp)|g" \
      -e "s|$OSIPS_FIFO|$fifo2|g" -e 's|if (\$si == "127.0.0.1")|if ($si == "192.0.2.1")|' \
      "$TMP/tutorial.cfg" >"$TMP/tutorial2.cfg"
  grep -q '"192.0.2.1"' "$TMP/tutorial2.cfg" || { echo "could not rewrite tcp_filter's peer"; return 1; }
  net0=$(q "select count(*) from report_capture where type = 89")
  sip0=$(q "select count(*) from sip_capture")
  start_node "$TMP/tutorial2.cfg" "$TMP/node2.log"; node2=$NODE_PID
  WAIT_SECS=10 wait_for tcp_listening "$p2" || { cat "$TMP/node2.log"; return 1; }
  (cd "$TMP" && timeout 30 sipp -sf "$SRC/test/integration/sipp/register_uac.xml" "127.0.0.1:$p2" -t t1 -i 127.0.0.1 \
     -m 1 -cid_str "regdrop-%u-%p@sipp" -nostdin -timeout 20s -timeout_error >"$TMP/regdrop.log" 2>&1) ||
    { tail -5 "$TMP/regdrop.log"; return 1; }
  WAIT_SECS=10 wait_for bash -c "[ \"\$(sqlite3 $TMP/capture.db 'select count(*) from sip_capture')\" -ge $(( sip0 + 4 )) ]"
  sleep 1
  stop_node "$node2"
  n=$(q "select count(*) from report_capture where type = 89")
  [ "$(q "select count(*) from sip_capture")" = $(( sip0 + 4 )) ] || { echo "REGISTER not traced (4 rows) by the second node"; return 1; }
  [ "$n" = "$net0" ] || { echo "$(( n - net0 )) connection events traced although tcp_filter drops every peer"; return 1; }
  echo "REGISTER traced (4 rows), no connection event"
}
check "tcp_filter drop (8)" filter_drop

[ "$rc" = 0 ] || { "$SRC/scripts/opensipsctl" fifo get_statistics siptrace: proto_hep:sent proto_hep:send_dropped >&2
  [ -n "${KEEP_DUMPS:-}" ] && cp "$TMP"/capture.db* "$TMP"/*.log "$KEEP_DUMPS"/; echo "--- node log (tail)" >&2; tail -15 "$TMP/node.log" >&2; exit 1; }
stop_node "$NODE" || fail "tutorial node exit code $?"
stop_node "$CAP" || fail "capture node exit code $?"
