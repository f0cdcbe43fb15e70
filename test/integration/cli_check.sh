#!/usr/bin/env bash
# Black-box: sipcapd -V/-h, -c on good and bad cfgs (file:line:col errors),
# and a real run with the test module (startup_route, timer_route, a
# transport's worker threads, async, SIGTERM running destroy hooks).
source "$(dirname "$0")/../lib/common.sh"
TM="$SIPCAPD_TEST_MODULE_DIR"

"$SIPCAPD_BIN" -V | grep -q "^version: sipcapd" || fail "-V"
"$SIPCAPD_BIN" -h | grep -q -- "-c " || fail "-h"
# The malloc the build was configured with (SIPCAPD_MALLOC, from CTest).
"$SIPCAPD_BIN" -V | grep -q "^malloc: ${SIPCAPD_MALLOC:?} [0-9]" ||
  { "$SIPCAPD_BIN" -V; fail "-V does not report malloc ${SIPCAPD_MALLOC}"; }
pass "version and help"

cat > "$TMP/good.cfg" <<CFG
log_level=3
children=2
mpath="$TM"
loadmodule "test_module.so"
modparam("test_module", "int_param", 5)
modparam("test_module", "multi", "a")
modparam("test_module", "multi", "b")
route { if (test_ok()) { xlog("L_INFO", "ok \$var(x)\n"); } }
CFG
check_cfg "$TMP/good.cfg" "$TMP/c.out" "-c on a good cfg"
pass "-c good cfg"

# bad_cfg NAME EXPECTED_LINE:COL EXPECTED_TEXT <<cfg
bad_cfg() {
  local name=$1 pos=$2 text=$3
  cat > "$TMP/$name.cfg"
  if "$SIPCAPD_BIN" -c -f "$TMP/$name.cfg" >"$TMP/$name.out" 2>&1; then
    cat "$TMP/$name.out"; fail "$name: -c accepted a bad cfg"
  fi
  # POS is LINE:COL, or LINE:* when any column is right.
  local re="$name.cfg:${pos/\*/[0-9]+}: .*$text"
  grep -Eq "$re" "$TMP/$name.out" || { cat "$TMP/$name.out"; fail "$name: expected '$re'"; }
  pass "$name -> $(grep -E -m1 "$re" "$TMP/$name.out")"
}
HDR="mpath=\"$TM\"
loadmodule \"test_module.so\""
bad_cfg unknown_function 4:3 "unknown function" <<CFG
$HDR
route {
  no_such_function("x");
}
CFG
bad_cfg wrong_arity 4:3 "argument" <<CFG
$HDR
route {
  test_ret(1, 2, 3);
}
CFG
bad_cfg unknown_module 2:1 "not found" <<CFG
mpath="$TM"
loadmodule "no_such_module.so"
route { exit; }
CFG
bad_cfg unknown_param "3:*" "not found" <<CFG
$HDR
modparam("test_module", "no_such_param", 1)
CFG
bad_cfg bad_modparam_type "3:*" "expects integer" <<CFG
$HDR
modparam("test_module", "int_param", "text")
CFG
bad_cfg syntax_error 4:17 "expected .\)." <<CFG
$HDR
route {
  if (test_ok() {
    exit;
  }
}
CFG
bad_cfg wrong_route 4:3 "" <<CFG
$HDR
route {
  test_reply_only();
}
CFG
bad_cfg unknown_global 1:1 "unknown global parameter" <<CFG
no_such_global = 1
CFG

# A real run.
PORT=$(free_port udp)
OUT="$TMP/out.txt"
cat > "$TMP/run.cfg" <<CFG
log_level=3
children=2
mpath="$TM"
loadmodule "test_module.so"
modparam("test_module", "destroy_marker", "$TMP/destroyed")
modparam("test_module", "str_param", "hello")
listen=test_udp:127.0.0.1:$PORT
startup_route { test_write("$OUT", "startup \$test(str)\n"); }
timer_route[tick, 1] { test_write("$OUT", "timer\n"); }
route {
  \$var(n) = \$var(n) + 1;
  switch (\$(var(n){s.int})) {
    default: test_write("$OUT", "msg from \$var(n)\n");
  }
  async(test_async(3), resumed);
}
route[resumed] { test_write("$OUT", "resumed rc=\$rc\n"); }
CFG
check_cfg "$TMP/run.cfg" "$TMP/c2.out" "-c run.cfg"
"$SIPCAPD_BIN" -F -E -P "$TMP/sipcapd.pid" -f "$TMP/run.cfg" >"$TMP/node.log" 2>&1 &
NODE_PID=$!; PIDS+=("$NODE_PID")
wait_for grep -q "startup hello" "$OUT" || { cat "$TMP/node.log"; fail "startup_route did not run"; }
pass "startup_route ran with the module PV"
# Threads carry their roles in the kernel's name (top -H, ps -L, perf).
thread_names() { cat /proc/"$1"/task/*/comm 2>/dev/null; }
THREAD_NAMES=$(thread_names "$NODE_PID")
for n in timer 'test_udp#1' 'test_udp#2'; do
  grep -qx "$n" <<<"$THREAD_NAMES" || fail "no thread named $n (threads: $(echo $THREAD_NAMES))"
done
pass "threads named by role: timer, test_udp#1, test_udp#2"
# A jemalloc build serves malloc from jemalloc in the running server, with
# jemalloc's background (purging) threads.
bg_threads() { thread_names "$1" | grep -c '^jemalloc_bg_thd' || true; }
has_bg_threads() { [ "$(bg_threads "$1")" -ge 1 ]; }
if [ "$SIPCAPD_MALLOC" = jemalloc ]; then
  grep -q "libjemalloc" "/proc/$NODE_PID/maps" || fail "jemalloc build runs without libjemalloc mapped"
  "$SIPCAPD_BIN" -V | grep -q "^malloc: jemalloc .*(background_thread)" || fail "-V: no background_thread"
  has_bg_threads "$NODE_PID" || fail "no jemalloc background thread in the running server"
  pass "the running server has jemalloc mapped and its background threads"
fi
send_udp "$PORT" "hello-1"
send_udp "$PORT" "hello-2"
wait_for grep -q "resumed rc=3" "$OUT" || { cat "$TMP/node.log"; cat "$OUT"; fail "async resume route"; }
WAIT_SECS=5 wait_for count_ge "$OUT" "msg from" 2 || { cat "$OUT"; fail "worker route runs"; }
pass "worker threads ran the main route and async resume"
WAIT_SECS=5 wait_for grep -q "^timer" "$OUT" || { cat "$TMP/node.log"; fail "timer_route"; }
pass "timer_route"
[ "$(cat "$TMP/sipcapd.pid" 2>/dev/null)" = "$NODE_PID" ] || fail "-P pid file does not hold the pid"
kill -HUP "$NODE_PID"; sleep 0.3
kill -0 "$NODE_PID" 2>/dev/null || fail "SIGHUP killed the server"
grep -q "SIGHUP" "$TMP/node.log" || fail "SIGHUP not logged"
send_udp "$PORT" "after-hup"
WAIT_SECS=5 wait_for count_ge "$OUT" "msg from" 3 || fail "not serving after SIGHUP"
pass "pid file, SIGHUP re-opens logs and keeps serving"
stop_node "$NODE_PID"; rc=$?
[ "$rc" = 0 ] || { cat "$TMP/node.log"; fail "exit code $rc after SIGTERM"; }
grep -q destroyed "$TMP/destroyed" || fail "destroy hook did not run on SIGTERM"
[ ! -e "$TMP/sipcapd.pid" ] || fail "pid file not removed at shutdown"
pass "SIGTERM: orderly shutdown, destroy hooks ran"

# Daemon mode (no -F): the forked server runs and stops by its pid file;
# a jemalloc build has its background threads there too (fork leaves only
# the forking thread; main starts them again).
"$SIPCAPD_BIN" -P "$TMP/daemon.pid" -f "$TMP/run.cfg" >"$TMP/daemon.log" 2>&1 ||
  { cat "$TMP/daemon.log"; fail "daemon start"; }
WAIT_SECS=5 wait_for test -s "$TMP/daemon.pid" || fail "daemon wrote no pid file"
DPID=$(cat "$TMP/daemon.pid")
PIDS+=("$DPID")  # killed on exit if a check below fails
kill -0 "$DPID" 2>/dev/null || fail "daemon not running"
if [ "$SIPCAPD_MALLOC" = jemalloc ]; then
  WAIT_SECS=5 wait_for has_bg_threads "$DPID" || fail "no jemalloc background thread in the daemon"
fi
kill -TERM "$DPID"
WAIT_SECS=10 wait_for sh -c "! kill -0 $DPID 2>/dev/null" || { kill -9 "$DPID"; fail "daemon did not stop on SIGTERM"; }
pass "daemon mode: forks, runs, stops on SIGTERM"
