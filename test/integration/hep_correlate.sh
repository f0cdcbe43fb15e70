#!/usr/bin/env bash
# Black-box: proto_hep's correlate(hep_id, type1, corr1, type2, corr2)
# (opensips-modules.md §1.7; doc/modules/proto_hep.md "correlate()").
# A sipcapd node (proto_udp + proto_hep) calls correlate() from its request
# route for a SIP request sent to it; test/data/capture/hep_send.py listens
# as the HEP collector (hep_id "hc", UDP) and we check the packet:
#   HOMER6 (homer5_on=0): proto type 0x60, ip proto 6, 127.0.0.1:0 ->
#     127.0.0.1:0, no payload chunk, chunk 0x65 = {"sip":<Call-ID>,
#     "rtp":"ssrc-<From user>"}; equal types -> -1 (no packet, unlike
#     OpenSIPS's inverted check); a version 2 hep_id given at run time -> -1.
#   HOMER5 (homer5_on=1): "sip" value in chunk 0x11, no 0x65; no "sip*"
#     type -> 1 but no packet.
#   A constant version 2 hep_id (or an unknown one) is a cfg error (-c).
source "$(dirname "$0")/../lib/common.sh"
SRC="${SIPCAPD_SOURCE_DIR:?}"
for m in proto_udp proto_hep; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built"
done

cfg() {  # cfg FILE SIP_PORT HEP_PORT HOMER5_ON ROUTE_BODY
  cat >"$1" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$2
loadmodule "proto_udp.so"
loadmodule "proto_hep.so"
modparam("proto_hep", "hep_id", "[hc]127.0.0.1:$3;transport=udp")
modparam("proto_hep", "hep_id", "[hv2]127.0.0.1:$3;transport=udp;version=2")
modparam("proto_hep", "homer5_on", $4)
route {
$5
  exit;
}
CFG
}

sip_request() {  # sip_request PORT CALLID
  send_udp "$1" "OPTIONS sip:bob@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-$2
Max-Forwards: 70
From: <sip:alice@x>;tag=ft-$2
To: <sip:bob@x>
Call-ID: $2
CSeq: 1 OPTIONS
Content-Length: 0

"
}

# run_node NAME HOMER5_ON EXPECTED_PACKETS ROUTE: starts a node, sends one
# request, collects up to EXPECTED+1 packets (so an extra one is seen) in
# $TMP/NAME/<port>, leaves the log in $TMP/NAME.log.
run_node() {
  local name=$1 h5=$2 want=$3 body=$4 P H lpid
  P=$(free_port udp); H=$(free_port udp)
  mkdir -p "$TMP/$name"
  "$PY" "$SRC/test/data/capture/hep_send.py" --listen-udp "$H" --count $((want + 1)) \
    --timeout 8 --out-dir "$TMP/$name" &
  lpid=$!
  PIDS+=("$lpid")
  # the packet is sent once: the collector must be bound first
  WAIT_SECS=10 wait_for udp_listening "$H" || fail "$name: HEP collector did not start"
  cfg "$TMP/$name.cfg" "$P" "$H" "$h5" "$body"
  start_node "$TMP/$name.cfg" "$TMP/$name.log"
  WAIT_SECS=15 wait_for grep -q "listening on" "$TMP/$name.log" ||
    { cat "$TMP/$name.log"; fail "$name: node did not start"; }
  sip_request "$P" "call-$name"
  WAIT_SECS=15 wait_for grep -q "ROUTE_DONE" "$TMP/$name.log" ||
    { cat "$TMP/$name.log"; fail "$name: the route did not run"; }
  wait "$lpid"  # bounded by --timeout
  stop_node "$NODE_PID" || true
  HEP_OUT="$TMP/$name/$H"
  touch "$HEP_OUT"
}

# --- HOMER6 -----------------------------------------------------------------
run_node h6 0 1 '
  if (correlate("hc", "sip", "$ci", "rtp", "ssrc-$fU")) xlog("L_INFO", "CORR_OK\n");
  if (correlate("hc", "sip", "$ci", "sip", "x")) xlog("L_INFO", "EQUAL_ACCEPTED\n");
  $var(id) = "hv2";
  if (correlate("$var(id)", "sip", "$ci", "rtp", "y")) xlog("L_INFO", "V2_ACCEPTED\n");
  xlog("L_INFO", "ROUTE_DONE\n");'
grep -q CORR_OK "$TMP/h6.log" || { cat "$TMP/h6.log"; fail "h6: correlate() did not return true"; }
grep -q EQUAL_ACCEPTED "$TMP/h6.log" && fail "h6: equal types accepted"
grep -q "type1 must be different from type2" "$TMP/h6.log" || fail "h6: no error logged for equal types"
grep -q V2_ACCEPTED "$TMP/h6.log" && fail "h6: a version 2 hep_id accepted at run time"
[ "$(wc -l <"$HEP_OUT")" -eq 1 ] || { cat "$HEP_OUT"; fail "h6: expected exactly 1 HEP packet"; }
"$PY" - "$HEP_OUT" <<'PY' || fail "h6: packet fields"
import json, sys
p = json.loads(open(sys.argv[1]).readline())
c = {x["type"]: x for x in p["chunks"] if x["vendor"] == 0}
def need(cond, what):
  if not cond: sys.exit("bad %s: %s" % (what, p))
need(p["version"] == 3, "version")
need(c[0x0b]["int"] == 0x60, "proto type")
need(c[0x02]["int"] == 6, "ip proto")
need(c[0x03]["int"] == 0x7f000001 and c[0x04]["int"] == 0x7f000001, "addresses")
need(c[0x07]["int"] == 0 and c[0x08]["int"] == 0, "ports")
need(0x0f not in c and 0x10 not in c, "no payload")
need(json.loads(c[0x65]["text"]) == {"sip": "call-h6", "rtp": "ssrc-alice"}, "chunk 0x65")
PY
pass "HOMER6: control packet 0x60 with {sip, rtp} in chunk 0x65; equal types and v2 id rejected"

# --- HOMER5 -----------------------------------------------------------------
run_node h5 1 1 '
  if (correlate("hc", "rtp", "a", "net", "b")) xlog("L_INFO", "NOSIP_OK\n");
  if (correlate("hc", "rtp", "ssrc-$fU", "sip", "$ci")) xlog("L_INFO", "CORR_OK\n");
  xlog("L_INFO", "ROUTE_DONE\n");'
grep -q NOSIP_OK "$TMP/h5.log" || { cat "$TMP/h5.log"; fail "h5: correlate() without sip type did not return 1"; }
grep -q CORR_OK "$TMP/h5.log" || { cat "$TMP/h5.log"; fail "h5: correlate() did not return true"; }
[ "$(wc -l <"$HEP_OUT")" -eq 1 ] || { cat "$HEP_OUT"; fail "h5: expected exactly 1 HEP packet"; }
"$PY" - "$HEP_OUT" <<'PY' || fail "h5: packet fields"
import json, sys
p = json.loads(open(sys.argv[1]).readline())
c = {x["type"]: x for x in p["chunks"] if x["vendor"] == 0}
if c[0x0b]["int"] != 0x60 or c.get(0x11, {}).get("text") != "call-h5" or 0x65 in c:
  sys.exit("bad HOMER5 packet: %s" % p)
PY
pass "HOMER5: only the sip value (chunk 0x11); no sip type -> no packet"

# --- static hep_id checks ---------------------------------------------------
for id in hv2 nosuch; do
  cfg "$TMP/bad-$id.cfg" 5060 9060 0 "  correlate(\"$id\", \"sip\", \"\$ci\", \"rtp\", \"x\");"
  if "$SIPCAPD_BIN" -c -f "$TMP/bad-$id.cfg" >"$TMP/bad-$id.out" 2>&1; then
    cat "$TMP/bad-$id.out"; fail "-c accepted correlate() with hep_id $id"
  fi
  grep -q "argument 1 of 'correlate'.*\(version 3 id\|unknown hep_id\)" "$TMP/bad-$id.out" ||
    { cat "$TMP/bad-$id.out"; fail "$id: no correlate error at the call"; }
done
pass "a constant version 2 / unknown hep_id is a cfg error"
