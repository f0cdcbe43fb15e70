#!/usr/bin/env bash
# Black-box: tm over UDP on the wire, with a scripted python UAS and UAC
# (test/integration/sipp/tm_uas.py, tm_uac.py) around sipcapd
# (T1_timer 100 ms, T2_timer 400 ms, fr_timeout 3 s):
#  - timer A: an unanswered INVITE is retransmitted with doubling
#    intervals (0, 100, 300, 700, 1500 ms: 5 copies) until timer B gives
#    the UAC a 408; timer E: an unanswered OPTIONS is retransmitted with
#    intervals capped at T2 (>= 7 copies in 3 s);
#  - a provisional reply stops INVITE retransmissions (1 copy);
#  - a UAS answering the 3rd copy with 486 gets exactly 3 copies and one
#    hop-by-hop ACK (same branch and R-URI as the INVITE, To-tag of the 486);
#  - timer G: the 486 relayed upstream is retransmitted until the UAC's
#    ACK, then stops;
#  - every request the UAS receives comes from the proxy's listener
#    (source 127.0.0.1:P) and has a top Via 'SIP/2.0/UDP 127.0.0.1:P' with a
#    tm branch; the stateless forward() path in the same cfg keeps working;
#  - the main onreply_route runs for every reply before tm takes it, and
#    t_check_trans() there is true only for replies of tm transactions.
source "$(dirname "$0")/../lib/common.sh"
PEERS="$SIPCAPD_SOURCE_DIR/test/integration/sipp"
[ -f "$SIPCAPD_MODULE_DIR/tm.so" ] || fail "tm.so not built"

P=$(free_port udp); U=$(free_port udp)
cat > "$TMP/tm.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "proto_udp.so"
loadmodule "tm.so"
modparam("tm", "T1_timer", 100)
modparam("tm", "T2_timer", 400)
modparam("tm", "fr_timeout", 3)
modparam("tm", "fr_inv_timeout", 5)
listen=udp:127.0.0.1:$P
route {
  if (\$rU =~ "^sl") {
    forward("udp:127.0.0.1:$U");
    exit;
  }
  t_relay("udp:127.0.0.1:$U");
}
# The main onreply_route sees every reply first (OpenSIPS order), then tm's
# reply interceptor takes those of its transactions.
onreply_route {
  if (t_check_trans()) xlog("L_INFO", "main onreply: tm reply \$rs \$ci\n");
  else xlog("L_INFO", "main onreply: stateless reply \$rs \$ci\n");
}
CFG
"$PY" "$PEERS/tm_uas.py" "$U" "$TMP/uas.jsonl" 40 & PIDS+=($!)
# bound before the first relay (a slow start would look like retransmissions)
WAIT_SECS=10 wait_for udp_listening "$U" || fail "UAS did not start"
start_node "$TMP/tm.cfg" "$TMP/tm.log"
node=$NODE_PID
WAIT_SECS=10 wait_for grep -q "started" "$TMP/tm.log" || { cat "$TMP/tm.log"; fail "node did not start"; }
grep -q "downstream socket 127.0.0.1:$P " "$TMP/tm.log" ||
  { cat "$TMP/tm.log"; fail "tm did not name the listener it sends through"; }

uac() { "$PY" "$PEERS/tm_uac.py" "$P" "$@"; }
# Concurrent scenarios, each a distinct R-URI user.
uac INVITE silent-inv >"$TMP/silent_inv.json" &
a=$!
uac OPTIONS silent-opt >"$TMP/silent_opt.json" &
b=$!
uac INVITE late-inv >"$TMP/late.json" &
c=$!
uac INVITE ring-inv >"$TMP/ring.json" &
d=$!
uac INVITE busy-g 1.5 >"$TMP/g.json" &
e=$!
uac INVITE sl-call >"$TMP/sl.json" &
f=$!
wait $a $b $c $d $e $f
sleep 0.3

# check NAME PYTHON-EXPR...: runs assertions over the UAS log (recs) and the
# UAC result (uac); prints a summary or the reason it failed.
check() {
  local name=$1 json=$2 code=$3
  "$PY" - "$TMP/uas.jsonl" "$TMP/$json.json" "$P" "$code" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
uac = json.load(open(sys.argv[2]))
P = "127.0.0.1:" + sys.argv[3]
mine = [r for r in recs if r["callid"] == uac["callid"]]
def reqs(m): return [r for r in mine if r["method"] == m]
def gaps(rs): return [b["ms"] - a["ms"] for a, b in zip(rs, rs[1:])]
codes = lambda m: [x["code"] for x in uac["replies"] if x["method"] == m]
def addr_ok(rs, stateful=True):
  for r in rs:
    assert r["src"] == P, "source %s, want the listener %s" % (r["src"], P)
    assert r["sent_by"] == P and r["via"] == "SIP/2.0/UDP", "top Via %s %s" % (r["via"], r["sent_by"])
    assert r["branch"].startswith("z9hG4bKtm" if stateful else "z9hG4bKsc"), r["branch"]
exec(sys.argv[4])
PY
}

r=$(check silent_inv silent_inv '
inv = reqs("INVITE"); g = gaps(inv)
addr_ok(inv)
assert len(set(r["branch"] for r in inv)) == 1, "retransmissions must keep the branch"
assert 3 <= len(inv) <= 5, "INVITE copies %d, want 5 (timer A: 0,100,300,700,1500 ms)" % len(inv)
for i, x in enumerate(g): assert x >= 0.8 * 100 * 2 ** i, "gap %d = %d ms < T1*2^%d" % (i, x, i)
assert codes("INVITE") == [100, 408], "UAC got %s" % uac["replies"]
assert not reqs("CANCEL"), "CANCEL without a provisional reply"
print("%d INVITE copies, gaps %s ms, UAC got 100 + 408 after %d ms" % (len(inv), g, uac["replies"][-1]["ms"]))
') || fail "timer A/B: $r"
pass "timer A/B: $r"

r=$(check silent_opt silent_opt '
o = reqs("OPTIONS"); g = gaps(o)
addr_ok(o)
assert len(o) >= 7, "OPTIONS copies %d, want 9 (timer E capped at T2)" % len(o)
for i, x in enumerate(g): assert x >= 0.8 * min(100 * 2 ** i, 400), "gap %d = %d ms" % (i, x)
assert codes("OPTIONS") == [408], "UAC got %s" % uac["replies"]
print("%d OPTIONS copies, gaps %s ms (capped at T2), 408 at %d ms" % (len(o), g, uac["replies"][-1]["ms"]))
') || fail "timer E/F: $r"
pass "timer E/F: $r"

r=$(check ring ring '
inv = reqs("INVITE")
addr_ok(inv)
assert len(inv) == 1, "INVITE copies %d after a 180, want 1" % len(inv)
assert codes("INVITE") == [100, 180, 486], "UAC got %s" % uac["replies"]
print("1 INVITE copy after 180; UAC got %s" % codes("INVITE"))
') || fail "provisional stops timer A: $r"
pass "provisional stops timer A: $r"

r=$(check late late '
inv = reqs("INVITE"); acks = reqs("ACK")
addr_ok(inv); addr_ok(acks)
assert len(inv) == 3, "INVITE copies %d, want 3 (answered on the 3rd)" % len(inv)
assert len(acks) == 1, "ACKs at the UAS: %d, want 1 (hop by hop, UAC ACK absorbed)" % len(acks)
a = acks[0]
assert a["branch"] == inv[0]["branch"], "ACK branch %s != INVITE branch %s" % (a["branch"], inv[0]["branch"])
assert a["first"].split(" ")[1] == inv[0]["first"].split(" ")[1], "ACK R-URI differs"
assert ";tag=uas" in a["to"] and a["cseq"].split()[-1] == "ACK", (a["to"], a["cseq"])
assert codes("INVITE") == [100, 486], "UAC got %s" % uac["replies"]
print("3 INVITE copies, 1 hop-by-hop ACK (branch %s), UAC got 100 + 486" % a["branch"])
') || fail "hop-by-hop ACK: $r"
pass "hop-by-hop ACK for a non-2xx: $r"

r=$(check g g '
fin = [x for x in uac["replies"] if x["code"] == 486]
before = [x for x in fin if x["ms"] <= uac["ack_ms"]]
after = [x for x in fin if x["ms"] > uac["ack_ms"] + 150]
assert len(before) >= 3, "486 copies before the ACK: %d, want >= 3 (timer G)" % len(before)
assert not after, "486 retransmitted after the ACK: %s" % after
print("486 sent %d times in %d ms before the ACK, none after" % (len(before), uac["ack_ms"]))
') || fail "timer G: $r"
pass "timer G: $r"

r=$(check sl sl '
inv = reqs("INVITE")
addr_ok(inv, stateful=False)
assert len(inv) == 1 and codes("INVITE") == [180, 200], "UAC got %s" % uac["replies"]
print("forward(): UAS got the INVITE from %s, UAC got 180 + 200" % inv[0]["src"])
') || fail "stateless: $r"
pass "stateless forward() next to tm: $r"
grep -q "main onreply: tm reply 486 late-inv" "$TMP/tm.log" &&
  grep -q "main onreply: stateless reply 200 sl-call" "$TMP/tm.log" ||
  { grep "main onreply" "$TMP/tm.log" | head; fail "main onreply_route / t_check_trans on replies"; }
pass "main onreply_route ran before tm; t_check_trans() tells tm replies from stateless ones"
stop_node "$node" || fail "node exit code $?"
