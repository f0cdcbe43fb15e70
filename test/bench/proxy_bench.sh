#!/usr/bin/env bash
# Stateless proxy call rate: sipcapd vs Kamailio (Debian package), same
# machine, same run, same sipp UAC/UAS on 127.0.0.1 over UDP. Each proxy
# gets BENCH_SECS (default 10) seconds of sipp traffic at BENCH_RATE calls/s
# (default 3000, more than either sustains on a small box); the figure is
# successful calls per second. Prints both and the ratio.
# Env: SIPCAPD_BIN, SIPCAPD_MODULE_DIR (as in ctest), or run from the
# source tree with BUILD=<build dir>.
set -uo pipefail
BUILD=${BUILD:-build}
SIPCAPD_BIN=${SIPCAPD_BIN:-$BUILD/bin/sipcapd}
SIPCAPD_MODULE_DIR=${SIPCAPD_MODULE_DIR:-$BUILD/modules}
SECS=${BENCH_SECS:-10}
RATE=${BENCH_RATE:-3000}
CHILDREN=${BENCH_CHILDREN:-2}
KAM_MPATH=${KAM_MPATH:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
command -v sipp >/dev/null || { echo "SKIP: sipp not installed"; exit 77; }
TMP=$(mktemp -d /tmp/proxy-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$TMP"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# measure NAME PROXY_PORT: prints successful calls per second.
measure() {
  local name=$1 p=$2 c
  c=$(port)
  timeout $((SECS + 20)) sipp -sn uac "127.0.0.1:$p" -i 127.0.0.1 -p "$c" -r "$RATE" -l 20000 \
      -m 100000000 -timeout "${SECS}s" -nostdin -recv_timeout 5000 >"$TMP/uac_$name.out" 2>&1
  local ok failed
  ok=$(grep -E "Successful call" "$TMP/uac_$name.out" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
  failed=$(grep -E "Failed call" "$TMP/uac_$name.out" | tail -1 | awk -F'|' '{print $3}' | tr -d ' ')
  echo "$name: ${ok:-0} calls ok, ${failed:-?} failed in ${SECS}s" >&2
  echo $(( ${ok:-0} / SECS ))
}

start_uas() {
  local u=$1
  (cd "$TMP" && sipp -sn uas -i 127.0.0.1 -p "$u" -bg >"$TMP/uas_$u.out" 2>&1)
  local pid
  pid=$(sed -n 's/.*PID=\[\([0-9]*\)\].*/\1/p' "$TMP/uas_$u.out")
  [ -n "$pid" ] || { cat "$TMP/uas_$u.out"; echo "uas failed"; exit 1; }
  PIDS+=("$pid")
  echo "$pid"
}

# --- sipcapd
P=$(port); U=$(port)
UAS=$(start_uas "$U")
cat >"$TMP/sipcapd.cfg" <<CFG
log_level=2
children=$CHILDREN
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "proto_udp.so"
loadmodule "sl.so"
loadmodule "maxfwd.so"
listen=udp:127.0.0.1:$P
route {
  if (!mf_process_maxfwd_header(10)) { sl_send_reply("483", "Too Many Hops"); exit; }
  forward("udp:127.0.0.1:$U");
}
CFG
"$SIPCAPD_BIN" -F -E -f "$TMP/sipcapd.cfg" >"$TMP/sipcapd.log" 2>&1 &
SP=$!
PIDS+=("$SP")
sleep 1
kill -0 "$SP" 2>/dev/null || { cat "$TMP/sipcapd.log"; echo "sipcapd did not start"; exit 1; }
S_RATE=$(measure sipcapd "$P")
kill "$SP" "$UAS" 2>/dev/null
wait "$SP" 2>/dev/null

# --- kamailio
if ! command -v kamailio >/dev/null; then echo "sipcapd: $S_RATE calls/s; kamailio not installed"; exit 77; fi
P=$(port); U=$(port)
UAS=$(start_uas "$U")
cat >"$TMP/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=$CHILDREN
disable_tcp=yes
listen=udp:127.0.0.1:$P
mpath="$KAM_MPATH"
loadmodule "sl.so"
loadmodule "maxfwd.so"
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  forward("127.0.0.1", $U);
}
CFG
kamailio -f "$TMP/kamailio.cfg" -DD -E -w "$TMP" >"$TMP/kamailio.log" 2>&1 &
KP=$!
PIDS+=("$KP")
sleep 2
kill -0 "$KP" 2>/dev/null || { tail -20 "$TMP/kamailio.log"; echo "kamailio did not start"; exit 1; }
K_RATE=$(measure kamailio "$P")
kill "$KP" "$UAS" 2>/dev/null
wait "$KP" 2>/dev/null

RATIO=$(python3 -c "print(f'{$S_RATE / max($K_RATE, 1):.2f}')")
echo "stateless proxy (UDP, $CHILDREN workers each, ${SECS}s, offered $RATE calls/s):"
echo "  sipcapd:  $S_RATE calls/s"
echo "  kamailio: $K_RATE calls/s"
echo "  ratio sipcapd/kamailio: $RATIO"
