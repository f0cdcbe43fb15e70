#!/usr/bin/env bash
# `make run`'s cfg (cfg/capture-node.cfg through scripts/run-node.sh, port
# 9060 replaced by a free one) stores HEP over UDP and TCP into SQLite; MI
# `opensipsctl fifo sip_capture off` stops storing, `on` resumes, and the
# counters agree with the rows.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
SEND="python3 $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
CTL="$SIPCAPD_SOURCE_DIR/scripts/opensipsctl"
command -v sqlite3 >/dev/null || fail "sqlite3 client not installed"
port=$(free_port udp)
STATE="$TMP/state"
sed "s/:9060/:$port/" "$SIPCAPD_SOURCE_DIR/cfg/capture-node.cfg" >"$TMP/capture-node.cfg"
SIPCAPD_STATE_DIR="$STATE" bash "$SIPCAPD_SOURCE_DIR/scripts/run-node.sh" "$SIPCAPD_BUILD_DIR" \
  "$TMP/capture-node.cfg" >"$TMP/node.log" 2>&1 &
NODE_PID=$!
PIDS+=("$NODE_PID")
export OSIPS_FIFO="$STATE/sipcapd_fifo" OSIPS_FIFO_TIMEOUT=5
WAIT_SECS=15 wait_for test -p "$OSIPS_FIFO" || { cat "$TMP/node.log"; fail "node did not start"; }
DB="$STATE/homer_data.db"
rows() { sqlite3 "$DB" "select count(*) from sip_capture" 2>/dev/null || echo 0; }
stat() { "$CTL" fifo get_statistics "sipcapture:$1" | sed -n "s/^sipcapture:$1:: *//p"; }
send() {  # send CALLID [--tcp]
  sed "s/CALLID-PLACEHOLDER/$1/" "$INV" | $SEND ${2:-} 127.0.0.1 "$port" -
}
send mi-udp-1; send mi-udp-2 --tcp
WAIT_SECS=10 wait_for bash -c "[ \$(sqlite3 $DB 'select count(*) from sip_capture') -ge 2 ]" ||
  { cat "$TMP/node.log"; fail "make run cfg: 2 rows expected, got $(rows)"; }
pass "capture-node.cfg via run-node.sh stores HEP UDP+TCP into SQLite"

[ "$("$CTL" fifo sip_capture)" = on ] || fail "sip_capture state: $("$CTL" fifo sip_capture)"
"$CTL" fifo sip_capture off >/dev/null || fail "sip_capture off"
[ "$("$CTL" fifo sip_capture)" = off ] || fail "state after off"
send mi-off-1; send mi-off-2 --tcp
WAIT_SECS=10 wait_for bash -c "[ \"\$(OSIPS_FIFO=$OSIPS_FIFO $CTL fifo get_statistics sipcapture:drop_capture_off | sed -n 's/.*:: *//p')\" = 2 ]" ||
  fail "drop_capture_off=$(stat drop_capture_off), expected 2"
sleep 0.5
[ "$(rows)" = 2 ] || fail "rows stored while off: $(rows)"
"$CTL" fifo sip_capture ON >/dev/null || fail "sip_capture on"
send mi-on-1
WAIT_SECS=10 wait_for bash -c "[ \$(sqlite3 $DB 'select count(*) from sip_capture') -ge 3 ]" || fail "on: row missing"
[ "$(stat captured_requests)" = 3 ] || fail "captured_requests=$(stat captured_requests), rows=$(rows)"
[ "$(sqlite3 "$DB" "select count(*) from sip_capture where callid like 'mi-off-%'")" = 0 ] || fail "off rows"
out=$("$CTL" fifo sip_capture maybe 2>&1); grep -q "Bad parameter" <<<"$out" || fail "bad param: $out"
pass "MI sip_capture off/on with counters"
kill -TERM "$NODE_PID"; wait "$NODE_PID"; rc=$?
[ "$rc" = 0 ] || fail "node exit code $rc"
