#!/usr/bin/env bash
# Context / event tracing to HEP (tracing tutorial §3.4, §4.3-4.5;
# opensips-modules.md §1.4, §2.7), run twice: homer5_on=1 (HOMER5
# delimiter form) and homer5_on=0 (HOMER6 JSON form). One sipcapd proxy
# (proto_udp + proto_tcp, tm, siptrace, mi_fifo, proto_hep) sends to one
# python HEP collector (hep_id "hd"):
#   xlog   a transaction traced with sip_trace("tid","t","sip|xlog"): its
#          4 SIP packets plus 2 log packets (proto type 100: the xlog of
#          the request route and of its onreply_route), correlation =
#          Call-ID; an untraced transaction with the same xlog lines: none;
#          a message traced at scope m with "sip|xlog": its 1 line.
#   MI     opensipsctl fifo uptime / sip_trace: 2 "mi" packets each (0x57,
#          request + reply, one MICORR... correlation); `ps` is
#          blacklisted (trace_bwlist "b: ps"): none.
#   TCP    an accepted connection: ACCEPT + CLOSE "net" packets (0x59, one
#          correlation); a connection from the port trace_filter_route
#          drops: none; an outgoing connection (forward to tcp): CONNECT +
#          CLOSE; after MI tcp_trace off: none. In HOMER6 mode the SIP
#          message read on the traced connection carries the extra
#          correlation {"net": <its correlation>} (chunk 0x65).
source "$(dirname "$0")/../lib/common.sh"
SRC="${SIPCAPD_SOURCE_DIR:?}"
for m in proto_udp proto_tcp proto_hep tm siptrace mi_fifo; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built"
done

# uas.py UDP_PORT TCP_PORT SECS: answers 200 to every UDP request; accepts
# TCP connections, reads one message and closes 0.3 s later.
cat >"$TMP/uas.py" <<'PY'
import socket, sys, time, threading
up, tp, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", up)); u.settimeout(0.2)
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", tp)); t.listen(8); t.settimeout(0.2)
def tcp():
  while time.time() < end:
    try: c, _ = t.accept()
    except socket.timeout: continue
    c.settimeout(2)
    try: c.recv(65535)
    except OSError: pass
    time.sleep(0.3); c.close()
end = time.time() + secs
threading.Thread(target=tcp, daemon=True).start()
while time.time() < end:
  try: d, a = u.recvfrom(65535)
  except socket.timeout: continue
  lines = d.decode().split("\r\n")
  hdr = [l for l in lines if l.split(":")[0] in ("Via", "From", "To", "Call-ID", "CSeq")]
  u.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(hdr) + "\r\nContent-Length: 0\r\n\r\n").encode(), a)
PY

# ua.py UDP|TCP PORT RUSER CALLID [SRC_PORT]: one OPTIONS; over UDP waits for
# the 200 (up to 10 s); over TCP sends and closes after 0.3 s.
cat >"$TMP/ua.py" <<'PY'
import socket, sys, time
tr, port, ruser, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sport = int(sys.argv[5]) if len(sys.argv) > 5 else 0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if tr == "UDP" else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", sport)); lp = s.getsockname()[1]
msg = (f"OPTIONS sip:{ruser}@127.0.0.1:{port} SIP/2.0\r\n"
       f"Via: SIP/2.0/{tr} 127.0.0.1:{lp};branch=z9hG4bK-{cid}\r\nMax-Forwards: 70\r\n"
       f"From: <sip:a@x>;tag=ft-{cid}\r\nTo: <sip:{ruser}@x>\r\nCall-ID: {cid}\r\n"
       f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()
if tr == "UDP":
  s.settimeout(10); s.sendto(msg, ("127.0.0.1", port))
  d = s.recv(65535); assert d.startswith(b"SIP/2.0 200"), d[:40]
else:
  s.connect(("127.0.0.1", port)); s.sendall(msg); time.sleep(0.3); s.close()
print(lp)
PY

# send_options USER BRANCH CALLID: an OPTIONS to the node's UDP port $P.
send_options() {
  send_udp "$P" "OPTIONS sip:$1@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-$2
From: <sip:a@x>;tag=1
To: <sip:b@x>
Call-ID: $3
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

"
}

run_mode() {  # run_mode HOMER5_ON
  local h5=$1 P T H U UT DROPP
  P=$(free_port udp); T=$(free_port tcp); H=$(free_port udp); U=$(free_port udp)
  UT=$(free_port tcp); DROPP=$(free_port tcp)
  export OSIPS_FIFO="$TMP/fifo$h5" OSIPS_FIFO_TIMEOUT=5
  "$PY" "$SIPCAPD_SOURCE_DIR/test/lib/hep_collector.py" "$H" "$TMP/hep$h5.jsonl" 240 & PIDS+=($!)
  local cpid=$!
  "$PY" "$TMP/uas.py" "$U" "$UT" 240 & PIDS+=($!)
  local upid=$!
  # Both bound before the first traced message: a datagram sent to a port
  # nobody has bound yet is lost (a loaded CI box starts python slowly).
  WAIT_SECS=20 wait_for test -e "$TMP/hep$h5.jsonl" || fail "[h5=$h5] HEP collector did not start"
  WAIT_SECS=20 wait_for udp_listening "$U" || fail "[h5=$h5] UAS (udp) did not start"
  WAIT_SECS=20 wait_for tcp_listening "$UT" || fail "[h5=$h5] UAS (tcp) did not start"
  cat >"$TMP/ev$h5.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=udp:127.0.0.1:$P
listen=tcp:127.0.0.1:$T
loadmodule "proto_udp.so"
loadmodule "proto_tcp.so"
loadmodule "proto_hep.so"
loadmodule "tm.so"
loadmodule "siptrace.so"
loadmodule "mi_fifo.so"
modparam("proto_hep", "hep_id", "[hd]127.0.0.1:$H;transport=udp;version=3")
modparam("proto_hep", "homer5_on", $h5)
modparam("siptrace", "trace_id", "[tid]hep:hd")
modparam("mi_fifo", "fifo_name", "$OSIPS_FIFO")
modparam("mi_fifo", "trace_destination", "hd")
modparam("mi_fifo", "trace_bwlist", "b: ps")
modparam("proto_tcp", "trace_destination", "hd")
modparam("proto_tcp", "trace_on", 1)
modparam("proto_tcp", "trace_filter_route", "tcp_filter")
route[tcp_filter] {
  if (\$sp == $DROPP) drop;
  exit;
}
route {
  if (\$rU == "traced") {
    sip_trace("tid", "t", "sip|xlog");
    xlog("L_INFO", "request \$rm \$ci\n");
    t_on_reply("rpl");
    t_relay("udp:127.0.0.1:$U");
    exit;
  }
  if (\$rU == "plain") {
    xlog("L_INFO", "request \$rm \$ci\n");
    t_on_reply("rpl");
    t_relay("udp:127.0.0.1:$U");
    exit;
  }
  if (\$rU == "mtraced") {
    sip_trace("tid", "m", "sip|xlog");
    xlog("L_INFO", "request \$rm \$ci\n");
    drop;
  }
  if (\$rU == "tcpin") {
    sip_trace("tid", "m");
    drop;
  }
  if (\$rU == "tcpout") {
    forward("tcp:127.0.0.1:$UT");
    exit;
  }
  drop;
}
onreply_route[rpl] {
  xlog("L_INFO", "reply \$rs \$ci\n");
}
CFG
  start_node "$TMP/ev$h5.cfg" "$TMP/node$h5.log"
  WAIT_SECS=15 wait_for test -p "$OSIPS_FIFO" || fail "[h5=$h5] node did not start: $(cat "$TMP/node$h5.log")"
  local ctl="$SRC/scripts/opensipsctl"

  "$PY" "$TMP/ua.py" UDP "$P" traced "xl-traced-$h5" >/dev/null || fail "[h5=$h5] traced call failed"
  "$PY" "$TMP/ua.py" UDP "$P" plain "xl-plain-$h5" >/dev/null || fail "[h5=$h5] plain call failed"
  send_options mtraced "m$h5" "xl-m-$h5"
  "$ctl" fifo uptime >/dev/null || fail "[h5=$h5] MI uptime failed"
  "$ctl" fifo ps >/dev/null || fail "[h5=$h5] MI ps failed"
  "$ctl" fifo sip_trace >/dev/null || fail "[h5=$h5] MI sip_trace failed"
  "$PY" "$TMP/ua.py" TCP "$T" tcpin "tcp-drop-$h5" "$DROPP" >/dev/null || fail "[h5=$h5] tcp drop"
  local cp
  cp=$("$PY" "$TMP/ua.py" TCP "$T" tcpin "tcp-in-$h5") || fail "[h5=$h5] tcp in"
  send_options tcpout "out$h5" "tcp-out-$h5"
  # Wait for the events so far: ACCEPT+CLOSE (in), CONNECT+CLOSE (out).
  WAIT_SECS=15 wait_for count_ge "$TMP/hep$h5.jsonl" '"proto_type": 89' 4 ||
    fail "[h5=$h5] net events missing: $(cat "$TMP/hep$h5.jsonl")"
  [ "$("$ctl" fifo tcp_trace)" = "on" ] || fail "[h5=$h5] MI tcp_trace should print on"
  "$ctl" fifo tcp_trace off || fail "[h5=$h5] MI tcp_trace off"
  local cp_off
  cp_off=$("$PY" "$TMP/ua.py" TCP "$T" tcpin "tcp-off-$h5") || fail "[h5=$h5] tcp off"
  sleep 1.5
  stop_node "$NODE_PID" || fail "[h5=$h5] node did not stop cleanly: $(tail -5 "$TMP/node$h5.log")"
  kill "$cpid" "$upid" 2>/dev/null

  "$PY" - "$TMP/hep$h5.jsonl" "$h5" "$T" "$UT" "$cp" "$DROPP" "$cp_off" <<'PY' ||
import json, sys
path, h5, T, UT, cp, dropp, cp_off = sys.argv[1], sys.argv[2] == "1", *sys.argv[3:8]
recs = [json.loads(l) for l in open(path)]
def parts(r, keys):
    if h5:
        return r["payload"].split(":", len(keys) - 1)
    j = json.loads(r["payload"])
    assert list(j.keys()) == keys, (j, keys)
    return [j[k] for k in keys]
# --- xlog
cid = f"xl-traced-{'1' if h5 else '0'}"
sip = [r for r in recs if r["proto_type"] == 1 and r["corr"] == cid]
assert len(sip) == 4, f"t scope: want 4 SIP packets, got {len(sip)}"
logs = [r for r in recs if r["proto_type"] == 100 and r["corr"] == cid]
assert len(logs) == 2, f"want 2 xlog packets of the traced transaction, got {logs}"
# scope m with xlog (OpenSIPS never traces xlog at m; deliberate difference)
mcid = f"xl-m-{'1' if h5 else '0'}"
mlogs = [r for r in recs if r["proto_type"] == 100 and r["corr"] == mcid]
assert len(mlogs) == 1 and parts(mlogs[0], ["Event", "text"])[1] == f"request OPTIONS {mcid}", mlogs
assert len([r for r in recs if r["proto_type"] == 100]) == 3, "xlog packets of other calls"
texts = sorted(parts(r, ["Event", "text"])[1] for r in logs)
assert texts == sorted([f"request OPTIONS {cid}", f"reply 200 {cid}"]), texts
for r in logs:
    assert parts(r, ["Event", "text"])[0] == "INFO", r
    assert r["corr"] == cid and r["ip_proto"] == 6, r
    assert r["src"] == r["dst"] and not r["src"].startswith("0.0.0.0"), r
    if not h5: assert json.loads(r["extra"]) == {"sip": cid}, r
    else: assert r["extra"] == "", r
if not h5:
    assert all(json.loads(r["payload"])["payload"].startswith("OPTIONS") or
               json.loads(r["payload"])["payload"].startswith("SIP/2.0") for r in sip), "HOMER6 SIP JSON"
else:
    assert all(r["payload"].startswith(("OPTIONS", "SIP/2.0")) for r in sip), "HOMER5 SIP raw"
plain = [r for r in recs if "xl-plain" in r["corr"] or "xl-plain" in r["payload"]]
assert not plain, f"untraced call produced packets: {plain}"
print("xlog ok")
# --- MI
mi = [r for r in recs if r["proto_type"] == 0x57]
by_corr = {}
for r in mi:
    assert r["corr"].startswith("MICORR") and len(r["corr"]) == 34, r["corr"]
    by_corr.setdefault(r["corr"], []).append(r)
cmds = {}
for corr, rs in by_corr.items():
    assert len(rs) == 2, (corr, rs)
    is_req = lambda r: (r["payload"].split(":")[1] == "fifo" if h5
                        else "command" in json.loads(r["payload"]))
    req = [r for r in rs if is_req(r)]
    assert len(req) == 1, rs
    cmd = parts(req[0], ["command", "backend", "parameters"])[0]
    rep = [r for r in rs if r is not req[0]][0]
    code, reason, body = parts(rep, ["code", "reason", "reply"])
    cmds[cmd] = (code, reason, body)
assert "ps" not in cmds, "ps is blacklisted"
assert cmds["uptime"][0] == "200" and cmds["uptime"][1] == "OK", cmds
assert cmds["sip_trace"][0] == "200" and "global" in cmds["sip_trace"][2], cmds
print("mi ok:", sorted(cmds))
# --- TCP
net = [r for r in recs if r["proto_type"] == 0x59]
keys = ["Event", "Status", "Message"]
assert not [r for r in net if r["src"].endswith(":" + dropp)], "filter route drop ignored"
assert not [r for r in net if cp_off in (r["src"].split(":")[1], r["dst"].split(":")[1])], \
    "tcp_trace off ignored"
inb = [r for r in net if r["src"] == "127.0.0.1:" + cp or r["dst"] == "127.0.0.1:" + cp]
assert [parts(r, keys)[:2] for r in inb] == [["ACCEPT", "SUCCESS"], ["CLOSE", "SUCCESS"]], inb
assert inb[0]["src"] == "127.0.0.1:" + cp and inb[0]["dst"] == "127.0.0.1:" + T, inb[0]
assert inb[0]["corr"] == inb[1]["corr"] and inb[0]["corr"].isdigit(), inb
out = [r for r in net if r["dst"] == "127.0.0.1:" + UT or r["src"] == "127.0.0.1:" + UT]
assert [parts(r, keys)[:2] for r in out] == [["CONNECT", "SUCCESS"], ["CLOSE", "SUCCESS"]], out
assert out[0]["corr"] == out[1]["corr"] != inb[0]["corr"], out
assert len(net) == 4, net
tcp_sip = [r for r in recs if r["proto_type"] == 1 and r["corr"] == f"tcp-in-{'1' if h5 else '0'}"]
assert len(tcp_sip) == 1 and tcp_sip[0]["ip_proto"] == 6, tcp_sip
if not h5:
    assert json.loads(tcp_sip[0]["extra"]) == {"net": inb[0]["corr"]}, tcp_sip
print("tcp ok")
PY
    fail "[h5=$h5] assertions failed (packets in $TMP/hep$h5.jsonl)"
  pass "homer5_on=$h5: xlog, MI and TCP events as expected"
}

run_mode 1
run_mode 0
