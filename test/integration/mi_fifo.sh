#!/usr/bin/env bash
# Black-box: sipcapd with mi_fifo. Every core MI command through the 2.x
# text protocol, the 3.x JSON-RPC form and scripts/opensipsctl; a
# module-registered command (test_module's test_mi); hostile FIFO input
# (garbage, a huge line, missing / never-read reply FIFOs, a symlinked
# reply FIFO) leaves the server serving; kill over MI stops the node and
# removes the FIFO. The prometheus module serves /metrics (scraped with curl).
source "$(dirname "$0")/../lib/common.sh"
CTL="$SIPCAPD_SOURCE_DIR/scripts/opensipsctl"
[ -f "$SIPCAPD_MODULE_DIR/mi_fifo.so" ] || fail "mi_fifo.so not built in $SIPCAPD_MODULE_DIR"
[ -f "$SIPCAPD_TEST_MODULE_DIR/test_module.so" ] || fail "test_module.so not built"

FIFO="$TMP/sipcapd_fifo"
[ -f "$SIPCAPD_MODULE_DIR/prometheus.so" ] || fail "prometheus.so not built"
command -v curl > /dev/null || fail "curl not installed (scripts/install-deps.sh)"
HTTP_PORT=$(free_port tcp)
cat > "$TMP/mi.cfg" <<CFG
log_level=3
mpath="$SIPCAPD_MODULE_DIR"
loadmodule "mi_fifo.so"
loadmodule "$SIPCAPD_TEST_MODULE_DIR/test_module.so"
modparam("mi_fifo", "fifo_name", "$FIFO")
modparam("mi_fifo", "fifo_mode", 0600)
modparam("mi_fifo", "reply_dir", "$TMP/")
loadmodule "prometheus.so"
modparam("prometheus", "http_port", $HTTP_PORT)
route { exit; }
CFG
start_node "$TMP/mi.cfg" "$TMP/node.log"
wait_for test -p "$FIFO" || { cat "$TMP/node.log"; fail "FIFO $FIFO not created"; }
[ "$(stat -c %a "$FIFO")" = "600" ] || fail "FIFO mode $(stat -c %a "$FIFO"), want 600"
pass "FIFO created with mode 0600"

export OSIPS_FIFO="$FIFO" OSIPS_REPLY_DIR="$TMP" OSIPS_FIFO_TIMEOUT=10 HOME="$TMP"
ctl() { "$CTL" "$@" 2>&1; }

# raw REQUEST: writes REQUEST ("@R@" = the reply FIFO name; \n escapes are
# decoded) and prints the raw reply (bounded: 5 s).
raw() {
  python3 - "$FIFO" "$TMP" "$1" <<'PY'
import codecs, os, select, sys, time
fifo, d, req = sys.argv[1:4]
name = "raw%d_%d" % (os.getpid(), int(time.time() * 1000) % 100000)
path = os.path.join(d, name)
os.mkfifo(path, 0o600)
rfd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
data = codecs.decode(req.replace("@R@", name), "unicode_escape").encode("latin-1")
wfd = os.open(fifo, os.O_WRONLY)
os.write(wfd, data)
os.close(wfd)
out, got, end = b"", False, time.time() + 5
while time.time() < end:
    select.select([rfd], [], [], 0.1)
    try:
        chunk = os.read(rfd, 65536)
    except BlockingIOError:
        continue
    if chunk:
        out += chunk
        got = True
    elif got:
        break
os.close(rfd)
os.unlink(path)
sys.stdout.write(out.decode("latin-1"))
PY
}
# expect NAME ACTUAL REGEX
expect() {
  grep -Eq -- "$3" <<<"$2" || { echo "--- got:"; printf '%s\n' "$2"; fail "$1: want /$3/"; }
  pass "$1"
}

# --- 2.x text protocol, raw bytes
out=$(raw ':version:@R@\n\n')
expect "text version" "$out" '^200 OK
Server:: sipcapd \([0-9.]+ \([^/]+/linux\)\)$'
ending=$(raw ':version:@R@\n\n' | tail -c 2 | od -An -c | tr -d ' ')
[ "$ending" = '\n\n' ] || fail "text reply must end with an empty line (ends with '$ending')"
out=$(raw ':nosuch:@R@\n\n')
expect "text unknown command" "$out" "^500 command 'nosuch' not available$"
out=$(raw ':get_statistics:@R@\ntest_module:calls\n\n')
expect "text get_statistics one name" "$out" '^200 OK
test_module:calls:: [0-9]+$'
out=$(raw ':get_statistics:@R@\n"unterminated\n\n')
expect "text parse error" "$out" "^400 Parse error in command 'get_statistics'$"

# --- 3.x JSON-RPC, raw bytes
out=$(raw ':@R@:{"jsonrpc":"2.0","method":"get_statistics","id":"5672","params":[["test_module:calls"]]}')
expect "json get_statistics" "$out" '^\{"jsonrpc":"2.0","result":\{"test_module:calls":[0-9]+\},"id":"5672"\}$'
out=$(raw ':@R@:{"jsonrpc":"2.0","method":"nosuch","id":9}')
expect "json unknown method" "$out" '^\{"jsonrpc":"2.0","error":\{"code":-32601,"message":"Method not found"\},"id":9\}$'
out=$(raw ':@R@:{"jsonrpc":"2.0","method":"get_statistics","id":1,"params":[]}')
expect "json invalid params" "$out" '"code":-32602,"message":"Invalid params","data":"Too few or too many parameters"'
out=$(raw ':@R@:{"jsonrpc":"2.0","method":"uptime","id":2}')
expect "json uptime" "$out" '"result":\{"Now":"[^"]+","Up since":"[^"]+","Up time":"[0-9]+ \[sec\]"\}'
out=$(raw ':@R@:{"jsonrpc":"2.0","method":"test_mi","id":3,"params":["a","b"]}')
expect "json module command" "$out" '"result":\{"calls":[0-9]+,"params":\["a","b"\]\}'

# --- opensipsctl fifo: every core command
expect "opensipsctl version" "$(ctl fifo version)" '^Server:: sipcapd \('
expect "opensipsctl uptime" "$(ctl fifo uptime)" '^Now:: .*
Up since:: .*
Up time:: [0-9]+ \[sec\]$'
which_out=$(ctl fifo which)
for c in version uptime which help list ps get_statistics reset_statistics log_level kill shutdown test_mi; do
  grep -qx "$c" <<<"$which_out" || { printf '%s\n' "$which_out"; fail "which lacks $c"; }
done
pass "opensipsctl which lists every core command and test_mi"
[ "$(ctl fifo help)" = "$which_out" ] && [ "$(ctl fifo list)" = "$which_out" ] || fail "help/list != which"
expect "opensipsctl help CMD" "$(ctl fifo help test_mi)" '^Help:: echoes its parameters$'
expect "opensipsctl ps" "$(ctl fifo ps)" 'Process::  ID=[0-9]+ PID=-?[0-9]+ Type=mi_fifo:MI FIFO'
stats=$(ctl fifo get_statistics all)
expect "opensipsctl get_statistics all" "$stats" '^test_module:calls:: [0-9]+$'
grep -vqE '^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+:: -?[0-9]+$' <<<"$stats" &&
  { printf '%s\n' "$stats"; fail "get_statistics all: a line is not group:name:: value"; }
group=$(ctl fifo get_statistics test_module:)
grep -vq '^test_module:' <<<"$group" && fail "group query returned other groups: $group"
expect "opensipsctl get_statistics group" "$group" '^test_module:received:: [0-9]+$'
expect "opensipsctl get_statistics unknown" "$(ctl fifo get_statistics no_such_stat)" '^404 Statistics Not Found$'
expect "opensipsctl reset_statistics prints nothing" "[$(ctl fifo reset_statistics all)]" '^\[\]$'
expect "opensipsctl log_level get" "$(ctl fifo log_level)" '^Process::  PID=-?[0-9]+ Log level=3$'
expect "opensipsctl log_level set" "$(ctl fifo log_level L_DBG)" '^New global log level:: 4$'
expect "log level applied" "$(ctl fifo log_level)" 'Log level=4'
ctl fifo log_level 3 > /dev/null
expect "opensipsctl bad log level" "$(ctl fifo log_level loud)" '^400 Bad parameter$'
expect "opensipsctl module command" "$(ctl fifo test_mi x y)" '^calls:: [0-9]+
params:: x
params:: y$'
expect "opensipsctl unknown command" "$(ctl fifo nosuch)" "^500 command 'nosuch' not available$"

# --- opensipsctl mi (JSON-RPC)
expect "opensipsctl mi get_statistics" "$(ctl mi get_statistics test_module:calls)" '"test_module:calls": [0-9]+'
expect "opensipsctl -x mi version" "$(ctl -x mi version)" '"Server": "sipcapd \('
if err=$("$CTL" mi nosuch 2>&1); then fail "mi nosuch exited 0"; fi
expect "opensipsctl mi error" "$err" '^ERROR: -32601: Method not found'

# --- hostile input
python3 - "$FIFO" "$TMP" <<'PY'
import os, sys
fifo, d = sys.argv[1:3]
def send(b):
    fd = os.open(fifo, os.O_WRONLY); os.write(fd, b); os.close(fd)
send(b"garbage \x00\x01\xff no colon\n")
send(b"A" * 200000 + b"\n")
send(b":which:" + b"B" * 5000 + b"\n\n")
send(b":which:no_such_reply_fifo\n\n")
os.mkfifo(os.path.join(d, "never_read"), 0o600)
send(b":which:never_read\n\n")
open(os.path.join(d, "target"), "w").close()
os.symlink(os.path.join(d, "target"), os.path.join(d, "sym"))
send(b":which:sym\n\n")
send(b":which:../../etc/x\n\n")
send(b':sym:{"jsonrpc":"2.0","method":"which","id":1}')
send(b":@@:{" + b"[" * 70000 + b"\n")
PY
out=$(raw ':get_statistics:@R@\ntest_module:calls\n\n')
expect "still serving after hostile input" "$out" '^200 OK
test_module:calls:: [0-9]+$'
[ -s "$TMP/target" ] && fail "reply written through a symlink"
kill -0 "$NODE_PID" 2>/dev/null || fail "node died"
pass "hostile input: node alive, symlink not followed"

# --- Prometheus /metrics
ctl fifo test_mi > /dev/null  # test_module counts its MI calls
calls=$(ctl fifo get_statistics test_module:calls | sed 's/.*:: //')
metrics=$(curl -sS --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics") || fail "curl /metrics"
expect "/metrics counter" "$metrics" "^sipcapd_test_module_calls $calls\$"
expect "/metrics type line" "$metrics" '^# TYPE sipcapd_test_module_calls counter$'
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HTTP_PORT/nope")
[ "$code" = 404 ] || fail "/nope gave $code"
pass "/metrics scraped with curl"

# --- kill over MI: orderly shutdown, FIFO removed
ctl fifo kill > /dev/null
for i in $(seq 1 100); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$NODE_PID" 2>/dev/null && fail "node still running 10 s after MI kill"
wait "$NODE_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "node exit code $rc after MI kill"
[ -e "$FIFO" ] && fail "FIFO not removed at shutdown"
pass "MI kill: node stopped, FIFO removed"
