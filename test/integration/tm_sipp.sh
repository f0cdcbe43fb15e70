#!/usr/bin/env bash
# Black-box: sipcapd as a stateful proxy (tm t_relay) between sipp on
# 127.0.0.1 over UDP: calls complete; a UAS that never answers gives the UAC
# a 408 by timer B/F (fr_timeout 1 s); a CANCEL is matched and forwarded
# (UAC gets 200 for the CANCEL and 487 for the INVITE); failure_route
# relays again to a second UAS (serial forking). Retransmission timers,
# hop-by-hop ACK details and the source address seen by the UAS are in
# tm_retrans.sh.
source "$(dirname "$0")/../lib/common.sh"
command -v sipp >/dev/null || { echo "SKIP: sipp not installed (package sip-tester)"; exit 77; }
SIPP_DIR="$SIPCAPD_SOURCE_DIR/test/integration/sipp"
CALLS=${TM_SIPP_CALLS:-30}

P=$(free_port udp); U=$(free_port udp); U2=$(free_port udp); DEAD=$(free_port udp); C=$(free_port udp)
PT=$(free_port tcp); UT=$(free_port tcp); C2=$(free_port udp); C3=$(free_port udp)
[ -f "$SIPCAPD_MODULE_DIR/proto_tcp.so" ] || fail "proto_tcp.so not built"
cat > "$TMP/tm.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "proto_tcp.so"
loadmodule "tm.so"
modparam("tm", "fr_timeout", 1)
modparam("tm", "fr_inv_timeout", 2)
listen=udp:127.0.0.1:$P
listen=tcp:127.0.0.1:$PT
route {
  if (\$rU == "stateless") {
    # no transaction: forward() and the core's stateless reply path, with
    # tm's reply interceptor installed (it must let these replies pass)
    forward("udp:127.0.0.1:$U");
    exit;
  }
  if (\$rU == "overtcp") {
    # UDP in, TCP out: the branch leaves through the TCP listener
    t_relay("tcp:127.0.0.1:$UT");
    exit;
  }
  if (\$rU == "dead") {
    # nobody listens on DEAD: timer B -> 408
    if (!t_relay("udp:127.0.0.1:$DEAD")) sl_send_reply("500", "relay failed");
    exit;
  }
  if (\$rU == "fork") {
    t_on_failure("second");
    t_relay("udp:127.0.0.1:$DEAD");
    exit;
  }
  if (\$rU == "local") {
    t_reply("486", "Busy Here Local");
    exit;
  }
  t_on_reply("rpl");
  if (!t_relay("udp:127.0.0.1:$U")) sl_send_reply("500", "relay failed");
}
onreply_route[rpl] {
  xlog("L_INFO", "tm reply \$rs\n");
}
failure_route[second] {
  xlog("L_INFO", "failure_route: serial fork to the second UAS\n");
  t_relay("udp:127.0.0.1:$U2");
}
CFG
start_node "$TMP/tm.cfg" "$TMP/tm.log"
node=$NODE_PID
WAIT_SECS=10 wait_for grep -q "started" "$TMP/tm.log" || { cat "$TMP/tm.log"; fail "node did not start"; }

start_uas() {  # start_uas PORT NAME [scenario args...]
  local port=$1 name=$2; shift 2
  (cd "$TMP" && sipp "$@" -i 127.0.0.1 -p "$port" -t u1 -bg -trace_msg \
      -message_file "$TMP/$name.msgs" >"$TMP/$name.out" 2>&1)
  local pid
  pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/$name.out")
  [ -n "$pid" ] || { cat "$TMP/$name.out"; fail "sipp $name did not start"; }
  PIDS+=("$pid")
}
start_uas "$U" uas -sn uas
start_uas "$U2" uas2 -sn uas
(cd "$TMP" && sipp -sn uas -i 127.0.0.1 -p "$UT" -t t1 -bg -trace_msg \
    -message_file "$TMP/uast.msgs" >"$TMP/uast.out" 2>&1)
pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/uast.out")
[ -n "$pid" ] || { cat "$TMP/uast.out"; fail "sipp TCP uas did not start"; }
PIDS+=("$pid")
sleep 0.3

# 1. calls complete
timeout 60 sipp -sn uac "127.0.0.1:$P" -i 127.0.0.1 -p "$C" -t u1 -m "$CALLS" -r 30 \
    -timeout 30s -timeout_error -nostdin >"$TMP/uac.out" 2>&1
rc=$?
ok=$(grep -E "Successful call" "$TMP/uac.out" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
[ "$rc" = 0 ] && [ "${ok:-0}" = "$CALLS" ] ||
  { tail -30 "$TMP/uac.out"; tail -20 "$TMP/tm.log"; fail "$CALLS calls: sipp rc=$rc successful=${ok:-?}"; }
grep -q "^Via: SIP/2.0/UDP 127.0.0.1:$P;branch=z9hG4bKtm" "$TMP/uas.msgs" ||
  { grep -m3 "^Via:" "$TMP/uas.msgs"; fail "UAS did not see a tm branch with the listener's Via"; }
grep -q "tm reply 180" "$TMP/tm.log" || fail "onreply_route did not run"
pass "$CALLS calls through t_relay, 0 failed; top Via = the listener 127.0.0.1:$P; onreply_route ran"

# 1b. stateless forward() in the same node (sipp UAC -> sipcapd -> sipp UAS)
# and 1c. t_relay to a TCP UAS, run at the same time
timeout 60 sipp -sn uac "127.0.0.1:$P" -s stateless -i 127.0.0.1 -p "$C2" -t u1 -m "$CALLS" \
    -r 30 $SIPP_LATE_1XX -trace_err -error_file "$TMP/uac_sl.err" -timeout 30s -timeout_error \
    -nostdin >"$TMP/uac_sl.out" 2>&1 &
sl=$!
timeout 60 sipp -sn uac "127.0.0.1:$P" -s overtcp -i 127.0.0.1 -p "$C3" -t u1 -m "$CALLS" \
    -r 30 -timeout 30s -timeout_error -nostdin >"$TMP/uac_tcp.out" 2>&1
rc_tcp=$?
wait $sl
rc_sl=$?
for v in sl:$rc_sl tcp:$rc_tcp; do
  n=${v%%:*}; rc=${v##*:}
  ok=$(grep -E "Successful call" "$TMP/uac_$n.out" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
  [ "$rc" = 0 ] && [ "${ok:-0}" = "$CALLS" ] ||
    { tail -30 "$TMP/uac_$n.out"; tail -20 "$TMP/tm.log"; fail "$n: $CALLS calls: sipp rc=$rc successful=${ok:-?}"; }
done
only_late_provisionals "$TMP/uac_sl.err" "stateless"
grep -q "^Via: SIP/2.0/UDP 127.0.0.1:$P;branch=z9hG4bKsc" "$TMP/uas.msgs" ||
  fail "stateless: UAS did not see the listener's stateless Via"
grep -q "^Via: SIP/2.0/TCP 127.0.0.1:$PT;branch=z9hG4bKtm" "$TMP/uast.msgs" ||
  { grep -m3 "^Via:" "$TMP/uast.msgs"; fail "TCP branch: UAS did not see the TCP listener's Via"; }
pass "stateless forward(): $CALLS calls with tm loaded; t_relay over TCP: $CALLS calls, Via = TCP listener"

# Single requests by a python UAC: returns the status codes it received.
uac() {  # uac RUSER [cancel]
  "$PY" - "$P" "$1" "${2:-}" <<'PY'
import socket, sys, time
port, user, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); s.settimeout(0.2)
lp = s.getsockname()[1]
br = "z9hG4bK-%s-%f" % (user, time.time())
hdr = ("Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\nFrom: <sip:a@127.0.0.1>;tag=ft\r\n"
       "To: <sip:%s@127.0.0.1>\r\nCall-ID: %s-%d@t\r\n") % (lp, br, user, user, lp)
inv = ("INVITE sip:%s@127.0.0.1:%d SIP/2.0\r\n" % (user, port)) + hdr + \
      "CSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:%d>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % lp
s.sendto(inv.encode(), ("127.0.0.1", port))
codes, deadline, cancelled = [], time.time() + 8, False
while time.time() < deadline:
  if mode == "cancel" and not cancelled and any(c.startswith("180") for c in codes):
    can = ("CANCEL sip:%s@127.0.0.1:%d SIP/2.0\r\n" % (user, port)) + hdr + \
          "CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    s.sendto(can.encode(), ("127.0.0.1", port)); cancelled = True
  try:
    d, _ = s.recvfrom(65535)
  except socket.timeout:
    continue
  t = d.decode(errors="replace")
  code = t.split(" ")[1]; meth = t.split("CSeq: ")[1].split("\r\n")[0].split(" ")[1]
  codes.append(code + "/" + meth)
  if int(code) >= 200 and meth == "INVITE":
    if int(code) >= 300:  # ACK (hop by hop)
      to = [l for l in t.split("\r\n") if l.startswith("To:")][0]
      ack = ("ACK sip:%s@127.0.0.1:%d SIP/2.0\r\n" % (user, port)) + hdr.replace(
          "To: <sip:%s@127.0.0.1>\r\n" % user, to + "\r\n") + "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
      s.sendto(ack.encode(), ("127.0.0.1", port))
    break
print(" ".join(codes))
PY
}

# 2. no answer -> 408 by timer B (fr_timeout 1 s)
start=$(date +%s%N)
out=$(uac dead)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q "408/INVITE" <<<"$out" || { tail -20 "$TMP/tm.log"; fail "dead UAS: got '$out', want 408"; }
grep -q "100/INVITE" <<<"$out" || fail "dead UAS: no 100 Trying from tm ('$out')"
[ "$ms" -ge 900 ] && [ "$ms" -lt 8000 ] || fail "408 after $ms ms, want ~1 s (fr_timeout)"
pass "unanswered INVITE: '$out' after $ms ms (timer B)"

# 3. t_reply: local negative reply
out=$(uac local)
grep -q "486/INVITE" <<<"$out" || fail "t_reply: got '$out'"
pass "t_reply 486: '$out'"

# 4. serial forking: first branch times out, failure_route relays to UAS 2
before=$(cat "$TMP/uas2.msgs" 2>/dev/null | grep -c "^INVITE sip:fork")
out=$(uac fork)
grep -q "200/INVITE" <<<"$out" || { tail -20 "$TMP/tm.log"; fail "serial fork: got '$out'"; }
grep -q "failure_route: serial fork" "$TMP/tm.log" || fail "failure_route not run"
after=$(cat "$TMP/uas2.msgs" 2>/dev/null | grep -c "^INVITE sip:fork")
[ "$after" -gt "$before" ] || fail "second UAS did not get the INVITE"
pass "failure_route serial fork: '$out'"

# 5. CANCEL: a UAS that rings forever
R=$(free_port udp)
cat > "$TMP/ring.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="ring">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]ring[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]ring[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]ring[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
XML
stop_node "$node" || fail "node exit code $?"
sed -i "s/udp:127.0.0.1:$U\")) sl_send_reply/udp:127.0.0.1:$R\")) sl_send_reply/" "$TMP/tm.cfg"
start_node "$TMP/tm.cfg" "$TMP/tm2.log"
node=$NODE_PID
WAIT_SECS=10 wait_for grep -q "started" "$TMP/tm2.log" || { cat "$TMP/tm2.log"; fail "node did not restart"; }
start_uas "$R" ring -sf "$TMP/ring.xml" -m 1
sleep 0.3
out=$(uac ringer cancel)
grep -q "200/CANCEL" <<<"$out" || { tail -20 "$TMP/tm2.log"; fail "CANCEL: got '$out'"; }
grep -q "487/INVITE" <<<"$out" || { cat "$TMP/ring.msgs" | tail -30; fail "CANCEL: no 487 ('$out')"; }
grep -q "^CANCEL sip:" "$TMP/ring.msgs" || fail "CANCEL not forwarded to the UAS"
grep -q "^ACK sip:" "$TMP/ring.msgs" || fail "no hop-by-hop ACK for the 487"
pass "CANCEL: '$out'; UAS got CANCEL and the hop-by-hop ACK"
stop_node "$node" || fail "node exit code $?"
