#!/usr/bin/env bash
# siptrace scopes m / t / d through a stateful proxy (tm t_relay, dialog):
# one call per scope (python UAC -> sipcapd -> sipp UAS: INVITE, 100 from
# tm, 180, 200, ACK, BYE, 200), each scope traced to its own python HEP
# collector. The HEP packets must match opensips-modules.md §2.4 exactly:
#   m: the INVITE as received (1 packet)
#   t: INVITE in, 100 out (local), INVITE out to the UAS, 180 in, 180 out,
#      200 in, 200 out (7)
#   d: t's 7 + ACK in (2xx ACK: stateless, its way out is not traced, as
#      OpenSIPS) + BYE in, BYE out, 200 in, 200 out (12)
# Addresses as on the wire (UAC, proxy listener, tm's downstream socket,
# UAS), correlation id = Call-ID on every packet.
source "$(dirname "$0")/../lib/common.sh"
command -v sipp >/dev/null || { echo "SKIP: sipp not installed (package sip-tester)"; exit 77; }
for m in proto_udp tm dialog siptrace; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built"
done

P=$(free_port udp); U=$(free_port udp); C=$(free_port udp)
HM=$(free_port udp); HT=$(free_port udp); HD=$(free_port udp)

for h in HM HT HD; do
  "$PY" "$SIPCAPD_SOURCE_DIR/test/lib/hep_collector.py" "${!h}" "$TMP/$h.jsonl" 90 & PIDS+=($!)
done
# The collector creates its output file once its socket is bound.
for h in HM HT HD; do
  WAIT_SECS=20 wait_for test -e "$TMP/$h.jsonl" || fail "HEP collector $h did not start"
done

cat > "$TMP/scopes.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "proto_udp.so"
loadmodule "tm.so"
loadmodule "dialog.so"
loadmodule "siptrace.so"
modparam("siptrace", "trace_id", "[hm]uri=hep:127.0.0.1:$HM;version=3")
modparam("siptrace", "trace_id", "[ht]uri=hep:127.0.0.1:$HT;version=3")
modparam("siptrace", "trace_id", "[hd]uri=hep:127.0.0.1:$HD;version=3")
listen=udp:127.0.0.1:$P
route {
  if (\$rm == "INVITE" && \$rU == "m") sip_trace("hm", "m");
  if (\$rm == "INVITE" && \$rU == "t") sip_trace("ht", "t");
  if (\$rm == "INVITE" && \$rU == "d") {
    sip_trace("hd", "d");
    if (\$DLG_status == 1) xlog("L_INFO", "dialog created, state \$DLG_status\n");
  }
  t_relay("udp:127.0.0.1:$U");
}
CFG
start_node "$TMP/scopes.cfg" "$TMP/node.log"
node=$NODE_PID
WAIT_SECS=10 wait_for grep -q "started" "$TMP/node.log" || { cat "$TMP/node.log"; fail "node did not start"; }
T=$(sed -n 's/.*downstream socket \(127.0.0.1:[0-9]*\).*/\1/p' "$TMP/node.log" | head -1)
[ -n "$T" ] || fail "tm downstream socket not logged"
(cd "$TMP" && sipp -sf "$SIPCAPD_SOURCE_DIR/test/integration/sipp/ringing_uas.xml" -i 127.0.0.1 -p "$U" -t u1 -bg >"$TMP/uas.out" 2>&1)
uas_pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/uas.out")
[ -n "$uas_pid" ] || { cat "$TMP/uas.out"; fail "sipp uas did not start"; }
PIDS+=("$uas_pid")
sleep 0.3

call() {  # call USER: INVITE / ACK / BYE from 127.0.0.1:C, prints the codes
  python3 - "$P" "$C" "$1" <<'PY'
import socket, sys, time
P, C, user = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", C)); s.settimeout(5)
cid = "scope-%s-%d@test" % (user, int(time.time() * 1000))
def req(method, cseq, to, br):
  return ("%s sip:%s@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n"
          "From: <sip:a@127.0.0.1>;tag=uac1\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
          "Contact: <sip:a@127.0.0.1:%d>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (
          method, user, P, C, br, to, cid, cseq, method, C)
def recv_final(method):
  codes = []
  while True:
    d = s.recv(65535).decode()
    code = int(d.split(" ")[1]); codes.append(code)
    if code >= 200 and (" " + method) in d.split("CSeq:")[1].split("\r\n")[0]:
      return codes, d
s.sendto(req("INVITE", 1, "<sip:%s@127.0.0.1>" % user, "inv" + cid).encode(), ("127.0.0.1", P))
codes, d = recv_final("INVITE")
to = [l for l in d.split("\r\n") if l.startswith("To:")][0][4:]
s.sendto(req("ACK", 1, to, "ack" + cid).encode(), ("127.0.0.1", P))
time.sleep(0.2)
s.sendto(req("BYE", 2, to, "bye" + cid).encode(), ("127.0.0.1", P))
c2, _ = recv_final("BYE")
print(cid, " ".join(map(str, codes + c2)))
PY
}

declare -A CID
for sc in m t d; do
  out=$(call "$sc") || { tail -20 "$TMP/node.log"; fail "scope $sc: call failed"; }
  grep -q " 200 200$" <<<"$out" || fail "scope $sc: call codes '$out'"
  CID[$sc]=${out%% *}
  sleep 0.3
done
grep -q "dialog created, state 1" "$TMP/node.log" || fail "\$DLG_status after create_dialog via sip_trace d"
# HEP copies leave through the sender threads: wait (bounded) until each
# collector has at least the packets its scope must produce, then a little
# longer so that extra (wrong) packets would show up too.
lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }
WAIT_SECS=20 wait_for lines "$TMP/HM.jsonl" 1 || true
WAIT_SECS=20 wait_for lines "$TMP/HT.jsonl" 7 || true
WAIT_SECS=20 wait_for lines "$TMP/HD.jsonl" 12 || true
sleep 1

# expect FILE CALLID "LINE-PREFIX SRC DST" ... : exact multiset of packets.
expect() {
  local file=$1 cid=$2; shift 2
  python3 - "$file" "$cid" "$@" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
cid, want = sys.argv[2], sys.argv[3:]
got = []
for r in recs:
  assert r["corr"] == cid, "correlation %r != Call-ID %r" % (r["corr"], cid)
  assert r["proto_type"] == 1, r
  got.append("%s %s %s" % (" ".join(r["line"].split(" ")[:2]), r["src"], r["dst"]))
if sorted(got) != sorted(want):
  print("got:\n  " + "\n  ".join(got) + "\nwant:\n  " + "\n  ".join(want)); sys.exit(1)
print("%d packets as expected" % len(got))
PY
}
UAC=127.0.0.1:$C; PX=127.0.0.1:$P; UAS=127.0.0.1:$U
r=$(expect "$TMP/HM.jsonl" "${CID[m]}" "INVITE sip:m@127.0.0.1:$P $UAC $PX") || fail "scope m: $r"
pass "scope m: $r"
TX=(
  "INVITE sip:t@127.0.0.1:$P $UAC $PX" "SIP/2.0 100 $PX $UAC" "INVITE sip:t@127.0.0.1:$P $T $UAS"
  "SIP/2.0 180 $UAS $T" "SIP/2.0 180 $PX $UAC" "SIP/2.0 200 $UAS $T" "SIP/2.0 200 $PX $UAC")
r=$(expect "$TMP/HT.jsonl" "${CID[t]}" "${TX[@]}") || fail "scope t: $r"
pass "scope t: $r"
DX=("${TX[@]//sip:t@/sip:d@}"
  "ACK sip:d@127.0.0.1:$P $UAC $PX"
  "BYE sip:d@127.0.0.1:$P $UAC $PX" "BYE sip:d@127.0.0.1:$P $T $UAS"
  "SIP/2.0 200 $UAS $T" "SIP/2.0 200 $PX $UAC")
r=$(expect "$TMP/HD.jsonl" "${CID[d]}" "${DX[@]}") || fail "scope d: $r"
pass "scope d: $r"
stop_node "$node" || fail "node exit code $?"
