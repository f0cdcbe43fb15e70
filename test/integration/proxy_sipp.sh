#!/usr/bin/env bash
# Black-box: sipcapd as a stateless proxy between a sipp UAC and a sipp UAS
# on 127.0.0.1 over UDP and TCP: N calls complete with 0 failed, REGISTER is
# answered by sl_send_reply, and garbage on the wire is counted (the
# listener's statistics, logged at shutdown) and dropped while valid
# traffic continues.
source "$(dirname "$0")/../lib/common.sh"
command -v sipp >/dev/null || { echo "SKIP: sipp not installed (package sip-tester)"; exit 77; }
SIPP_DIR="$SIPCAPD_SOURCE_DIR/test/integration/sipp"
CALLS=${PROXY_SIPP_CALLS:-50}

# run_transport udp|tcp
run_transport() {
  local tr=$1 sipp_t=u1 extra=""
  [ "$tr" = tcp ] && sipp_t=t1
  local P U C R
  P=$(free_port "$tr"); U=$(free_port "$tr"); C=$(free_port "$tr"); R=$(free_port "$tr")
  # UDP goes by \$du + forward(), TCP by forward("tcp:host:port").
  local fwd="\$du = \"sip:127.0.0.1:$U\"; forward();"
  [ "$tr" = tcp ] && fwd="forward(\"tcp:127.0.0.1:$U\");"
  [ "$tr" = tcp ] && extra='loadmodule "proto_tcp.so"
modparam("proto_tcp", "tcp_max_msg_time", 1)'
  cat > "$TMP/$tr.cfg" <<CFG
log_level=3
children=2
tcp_children=2
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "proto_udp.so"
$extra
loadmodule "sl.so"
loadmodule "sipmsgops.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "cfgutils.so"
loadmodule "json.so"
listen=$tr:127.0.0.1:$P
route {
  if (!mf_process_maxfwd_header(10)) {
    sl_send_reply("483", "Too Many Hops");
    exit;
  }
  \$json(j/hops) = 1;
  if (is_method("REGISTER")) {
    sl_send_reply("200", "OK");
    exit;
  }
  if (is_method("INVITE") && !has_totag()) {
    append_hf("X-Proxied: sipcapd\r\n");
  }
  $fwd
}
CFG
  start_node "$TMP/$tr.cfg" "$TMP/$tr.log"
  local node=$NODE_PID
  WAIT_SECS=10 wait_for grep -q "started" "$TMP/$tr.log" || { cat "$TMP/$tr.log"; fail "$tr: node did not start"; }

  (cd "$TMP" && sipp -sn uas -i 127.0.0.1 -p "$U" -t "$sipp_t" -bg -trace_msg \
      -message_file "$TMP/uas_msgs_$tr.log" >"$TMP/uas_$tr.out" 2>&1)
  local uas_pid
  uas_pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/uas_$tr.out")
  [ -n "$uas_pid" ] || { cat "$TMP/uas_$tr.out"; fail "$tr: sipp uas did not start"; }
  PIDS+=("$uas_pid")
  sleep 0.3

  # Garbage first: must be counted and dropped without disturbing the calls.
  if [ "$tr" = udp ]; then
    send_udp "$P" "this is not SIP"
    send_udp "$P" $'INVITE sip:x@y SIP/2.0\r\nCall-ID: no-via\r\n\r\n'
  else
    python3 - "$P" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"GARBAGE GARBAGE\r\nContent-Length: abc\r\n\r\n")
try: s.recv(100)
except Exception: pass
s.close()
# A slow peer: half a message, then silence (tcp_max_msg_time is 1 s).
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKs\r\n")
try: s.recv(100)
except Exception: pass
s.close()
PY
  fi

  timeout 60 sipp -sn uac "127.0.0.1:$P" -i 127.0.0.1 -p "$C" -t "$sipp_t" -m "$CALLS" -r 50 \
      $SIPP_LATE_1XX -timeout 30s -timeout_error -nostdin -trace_stat -stf "$TMP/uac_$tr.csv" \
      -trace_err -error_file "$TMP/uac_$tr.err" >"$TMP/uac_$tr.out" 2>&1
  local rc=$?
  local ok
  ok=$(grep -E "Successful call" "$TMP/uac_$tr.out" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
  [ "$rc" = 0 ] && [ "${ok:-0}" = "$CALLS" ] ||
    { tail -30 "$TMP/uac_$tr.out"; tail -20 "$TMP/$tr.log"
      echo "--- the UAC's unexpected messages:"; head -60 "$TMP/uac_$tr.err" 2>/dev/null
      fail "$tr: $CALLS calls: sipp rc=$rc successful=${ok:-?}"; }
  only_late_provisionals "$TMP/uac_$tr.err" "$tr"
  pass "$tr: $CALLS calls through the proxy, 0 failed"
  local TRU=${tr^^}
  grep -q "Via: SIP/2.0/$TRU 127.0.0.1:$P;branch=z9hG4bKsc" "$TMP/uas_msgs_$tr.log" ||
    { head -40 "$TMP/uas_msgs_$tr.log"; fail "$tr: UAS did not see our Via"; }
  grep -q "X-Proxied: sipcapd" "$TMP/uas_msgs_$tr.log" || fail "$tr: append_hf not forwarded"
  grep -q "Max-Forwards: 69" "$TMP/uas_msgs_$tr.log" || fail "$tr: Max-Forwards not decremented"
  pass "$tr: UAS saw our Via, the appended header and Max-Forwards decremented"

  timeout 30 sipp -sf "$SIPP_DIR/register_uac.xml" "127.0.0.1:$P" -i 127.0.0.1 -p "$R" -t "$sipp_t" \
      -m 10 -r 20 -timeout 20s -timeout_error -nostdin >"$TMP/reg_$tr.out" 2>&1 ||
    { tail -30 "$TMP/reg_$tr.out"; fail "$tr: REGISTER not answered by sl_send_reply"; }
  pass "$tr: 10 REGISTERs answered 200 by sl_send_reply"

  kill "$uas_pid" 2>/dev/null
  stop_node "$node" || fail "$tr: node exit code $?"
  if [ "$tr" = udp ]; then
    grep -Eq "received [0-9]+, bad 2," "$TMP/$tr.log" || { tail "$TMP/$tr.log"; fail "udp: bad messages not counted"; }
  else
    grep -Eq "garbage_closed [1-9]" "$TMP/$tr.log" || { tail "$TMP/$tr.log"; fail "tcp: garbage peer not counted"; }
    grep -Eq "slow_closed [1-9]" "$TMP/$tr.log" || { tail "$TMP/$tr.log"; fail "tcp: slow peer not closed"; }
  fi
  pass "$tr: bad SIP counted and dropped: $(grep -Eo '(bad [0-9]+|garbage_closed [0-9]+)' "$TMP/$tr.log" | head -1)"
}

# IPv6: listen=udp:[::1]:PORT answers an OPTIONS with sl_send_reply.
run_ipv6() {
  local P
  P=$(python3 -c 'import socket;s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM);s.bind(("::1",0));print(s.getsockname()[1])' 2>/dev/null) ||
    { echo "note: no IPv6 loopback here, IPv6 check not run"; return; }
  cat > "$TMP/v6.cfg" <<CFG
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "proto_udp.so"
loadmodule "sl.so"
listen=udp:[::1]:$P
route { sl_send_reply("200", "OK v6"); }
CFG
  start_node "$TMP/v6.cfg" "$TMP/v6.log"
  local node=$NODE_PID
  WAIT_SECS=10 wait_for grep -q "started" "$TMP/v6.log" || { cat "$TMP/v6.log"; fail "v6: node did not start"; }
  python3 - "$P" >"$TMP/v6.out" 2>&1 <<'PY' || { cat "$TMP/v6.out"; fail "v6: no reply"; }
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.bind(("::1", 0))
lp = s.getsockname()[1]
msg = ("OPTIONS sip:x@[::1] SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:%d;branch=z9hG4bK6;rport\r\n"
       "From: <sip:a@[::1]>;tag=1\r\nTo: <sip:x@[::1]>\r\nCall-ID: v6\r\nCSeq: 1 OPTIONS\r\n"
       "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % lp
s.sendto(msg.encode(), ("::1", int(sys.argv[1])))
data, _ = s.recvfrom(65535)
assert data.startswith(b"SIP/2.0 200 OK v6\r\n"), data
assert b"rport=%d" % lp in data, data
PY
  stop_node "$node" || fail "v6: node exit code $?"
  pass "v6: listen=udp:[::1] answered OPTIONS with sl_send_reply (rport stamped)"
}

run_ipv6
run_transport udp
if [ -f "$SIPCAPD_MODULE_DIR/proto_tcp.so" ]; then
  run_transport tcp
else
  fail "proto_tcp.so not built"
fi
