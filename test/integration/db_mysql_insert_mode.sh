#!/usr/bin/env bash
# db_mysql insert_mode through the module: a sipcapd node (proto_hep +
# db_mysql + sipcapture + mi_fifo) stores HEP packets into a fresh MariaDB
# database (private server of scripts/test-mariadb.sh). For each way of
# choosing the mode — default, modparam, URL option, URL option over the
# modparam — the node's statistics db_mysql:bulk_inserts and
# db_mysql:multi_row_inserts (Insert calls run in each mode by the
# connections; the mysql_driver unit test ties them to the server's own
# Com_stmt_prepare / Com_insert counters) must show only the expected mode,
# the connect log line must name it, and every row must be stored.
# A bad modparam value fails `sipcapd -c`; a bad URL option value stops the
# node at startup; both errors name insert_mode and the value.
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
source "$SIPCAPD_SOURCE_DIR/test/interop/kamailio/two_dbs.sh"
SEND="$PY $SIPCAPD_SOURCE_DIR/test/data/capture/hep_send.py"
INV="$SIPCAPD_SOURCE_DIR/test/data/capture/invite.sip"
CTL="$SIPCAPD_SOURCE_DIR/scripts/opensipsctl"
for m in proto_hep db_mysql sipcapture mi_fifo; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built (needed by this test)"
done
command -v mariadb >/dev/null || fail "mariadb client not installed"
two_dbs imode  # fresh HOMER 5 databases (only the first is used), dropped at exit
URL=$URLA
rows_like() { q "$DBA" "select count(*) from sip_capture where callid like '$1-%'" 2>/dev/null | tail -1; }
export OSIPS_REPLY_DIR="$TMP" OSIPS_FIFO_TIMEOUT=5

# write_cfg NAME MODPARAM_VALUE|- URL_OPTION|-
write_cfg() {
  local url="$URL" mp=""
  [ "$3" != - ] && url="$URL?insert_mode=$3"
  [ "$2" != - ] && mp="modparam(\"db_mysql\", \"insert_mode\", \"$2\")"
  port=$(free_port udp)
  mkdir -p "$TMP/$1"
  cat >"$TMP/$1/node.cfg" <<CFG
log_level=3
children=1
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "db_mysql.so"
loadmodule "mi_fifo.so"
loadmodule "sipcapture.so"
$mp
modparam("mi_fifo", "fifo_name", "$TMP/$1/fifo")
modparam("mi_fifo", "reply_dir", "$TMP")
modparam("sipcapture", "db_url", "$url")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "sip")
modparam("sipcapture", "spool_dir", "$TMP/$1/spool")
route { sip_capture(); }
CFG
}

stat() {  # stat NAME: db_mysql:NAME of the running node
  OSIPS_FIFO="$TMP/$CASE/fifo" "$CTL" fifo get_statistics "db_mysql:$1" | sed -n "s/^db_mysql:$1:: *//p"
}

# run_case NAME MODPARAM|- URLOPT|- EXPECTED_MODE
run_case() {
  CASE=$1
  local want=$4 other=bulk
  [ "$want" = bulk ] && other=multi_row
  write_cfg "$1" "$2" "$3"
  check_cfg "$TMP/$1/node.cfg" "$TMP/$1/check.log" "$1: cfg check"
  start_node "$TMP/$1/node.cfg" "$TMP/$1/node.log"
  WAIT_SECS=15 wait_for test -p "$TMP/$1/fifo" || { cat "$TMP/$1/node.log"; fail "$1: node did not start"; }
  WAIT_SECS=10 wait_for bash -c "ss -lun | grep -q :$port" || { cat "$TMP/$1/node.log"; fail "$1: not listening"; }
  local i
  for i in 1 2 3 4 5; do
    sed "s/CALLID-PLACEHOLDER/$1-$i/" "$INV" | $SEND 127.0.0.1 "$port" -
  done
  local k
  for k in $(seq 1 150); do [ "$(rows_like "$1")" -ge 5 ] 2>/dev/null && break; sleep 0.1; done
  [ "$(rows_like "$1")" = 5 ] || { cat "$TMP/$1/node.log"; fail "$1: 5 rows expected, got $(rows_like "$1")"; }
  local n_want n_other
  n_want=$(stat "${want}_inserts"); n_other=$(stat "${other}_inserts")
  [ -n "$n_want" ] && [ "$n_want" -ge 1 ] || { cat "$TMP/$1/node.log"; fail "$1: ${want}_inserts=$n_want, expected >= 1"; }
  [ "$n_other" = 0 ] || fail "$1: ${other}_inserts=$n_other, expected 0 (mode $want)"
  grep -q "insert_mode=$want\$" "$TMP/$1/node.log" || { cat "$TMP/$1/node.log"; fail "$1: no 'insert_mode=$want' connect line"; }
  grep -q "insert_mode=$other" "$TMP/$1/node.log" && fail "$1: a connection used insert_mode=$other"
  stop_node "$NODE_PID" || fail "$1: node exit code $?"
  pass "$1: modparam=$2 url_option=$3 -> $want (${want}_inserts=$n_want, ${other}_inserts=0, 5 rows)"
}

run_case default - - bulk
run_case modparam_multi_row multi_row - multi_row
run_case modparam_bulk bulk - bulk
run_case url_over_modparam_to_multi_row bulk multi_row multi_row
run_case url_over_modparam_to_bulk multi_row bulk bulk
[ "$(count "$DBA")" = 25 ] || fail "total rows $(count "$DBA"), expected 25"

# A bad modparam value is a cfg error (`sipcapd -c` fails, names the value).
CASE=bad_param
write_cfg bad_param fast -
if "$SIPCAPD_BIN" -c -f "$TMP/bad_param/node.cfg" >"$TMP/bad_param/check.log" 2>&1; then
  fail "bad insert_mode modparam accepted by sipcapd -c"
fi
grep -q "insert_mode must be bulk or multi_row, not 'fast'" "$TMP/bad_param/check.log" ||
  { cat "$TMP/bad_param/check.log"; fail "bad modparam: unclear error"; }
pass "modparam insert_mode=fast: cfg error: $(grep -m1 "insert_mode" "$TMP/bad_param/check.log")"

# A bad URL option stops the node at startup (module init), exit code != 0.
write_cfg bad_url - fast
"$SIPCAPD_BIN" -F -E -f "$TMP/bad_url/node.cfg" >"$TMP/bad_url/node.log" 2>&1 &
pid=$!
PIDS+=("$pid")
for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "node with db_url ?insert_mode=fast still running after 10 s"
wait "$pid" && fail "node with db_url ?insert_mode=fast exited 0"
grep -q "startup failed: .*insert_mode must be bulk or multi_row, not 'fast'" "$TMP/bad_url/node.log" ||
  { cat "$TMP/bad_url/node.log"; fail "bad URL option: unclear error"; }
grep -q ":$MPASS@" "$TMP/bad_url/node.log" && fail "password in the startup error"
pass "db_url ?insert_mode=fast: $(grep -m1 -o "startup failed: .*" "$TMP/bad_url/node.log")"
