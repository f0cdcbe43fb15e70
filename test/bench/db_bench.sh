#!/usr/bin/env bash
# Storage benchmark: BatchWriter into MariaDB (HOMER 5 sip_capture) vs the
# mysql client loading the same rows as 1000-row INSERTs, in the same run,
# plus BatchWriter into SQLite. Usage:
#   test/bench/db_bench.sh [build_dir] [rows]
# Uses MYSQL_TEST_URL's server (or starts scripts/test-mariadb.sh).
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-${SIPCAPD_BUILD_DIR:-$SRC/build}}"
ROWS="${2:-200000}"
BIN="$BUILD/bench/db_storage_bench"
[[ -x "$BIN" ]] || { echo "db_bench: $BIN not built" >&2; exit 1; }
if [[ -z "${MYSQL_TEST_URL:-}" ]]; then
  "$SRC/scripts/test-mariadb.sh" start
  MYSQL_TEST_URL=$("$SRC/scripts/test-mariadb.sh" url)
fi
BASE="${MYSQL_TEST_URL%/*}"
URL="$BASE/sipcapd_bench"
TMP=$(mktemp -d /tmp/sipcapd_dbbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Parse user/pass/host/port for the client.
rest="${URL#mysql://}"; cred="${rest%@*}"; hp="${rest##*@}"; hp="${hp%%/*}"
MUSER="${cred%%:*}"; MPASS="${cred#*:}"; MHOST="${hp%%:*}"; MPORT="${hp##*:}"
client() { mariadb --no-defaults -u"$MUSER" -p"$MPASS" -h"$MHOST" -P"$MPORT" "$@"; }

fresh() {
  "$SRC/scripts/sipcapd-dbctl" drop "$URL" >/dev/null
  "$SRC/scripts/sipcapd-dbctl" create "$URL" >/dev/null
}

# Both db_mysql insert modes, then the mysql client, each into a fresh DB.
# DB_BENCH_REPEAT=N alternates the two modes N times (the best run of each
# is compared: the machine is shared, a slow run is load, not the code).
best() { awk -v a="$1" -v b="$2" 'BEGIN {print (a > b ? a : b)}'; }
# Server CPU (mariadbd user+sys) around a run, when its pid file is readable:
# with the client's CPU it gives rows per CPU-second of client+server, a
# figure less distorted than wall time on a loaded, shared machine (other
# clients of the same server during the run are counted too).
PIDF="${SIPCAPD_TEST_MARIADB_DIR:-/tmp/sipcapd-test-mariadb}/mysqld.pid"
TCK=$(getconf CLK_TCK)
srv_ticks() { [[ -r "$PIDF" ]] && awk '{print $14 + $15}' "/proc/$(cat "$PIDF")/stat" 2>/dev/null || echo 0; }
run_mode() {  # mode sqlout
  local s0 s1 out
  s0=$(srv_ticks)
  out=$("$BIN" mysql "$URL" "$ROWS" "$2" "$1")
  s1=$(srv_ticks)
  echo "$out" | awk -v s="$(( s1 - s0 ))" -v t="$TCK" '/^mysql_batchwriter/ {
    srv = s / t; printf "%s server_cpu_s %.2f rows_per_client+server_cpu_s %.0f\n", $0, srv, $2 / ($5 + srv) }'
}
bulk=0
multi=0
for ((rep = 0; rep < ${DB_BENCH_REPEAT:-1}; rep++)); do
  fresh
  sqlout=-
  [[ $rep == 0 ]] && sqlout="$TMP/rows.sql"
  out=$(run_mode bulk "$sqlout")
  echo "$out"
  bulk=$(best "$bulk" "$(echo "$out" | awk '/^mysql_batchwriter_bulk/ {print $4}')")
  fresh
  out=$(run_mode multi_row -)
  echo "$out"
  multi=$(best "$multi" "$(echo "$out" | awk '/^mysql_batchwriter_multi_row/ {print $4}')")
done
fresh
s0=$(srv_ticks)
t0=$(date +%s.%N)
client sipcapd_bench < "$TMP/rows.sql"
t1=$(date +%s.%N)
s1=$(srv_ticks)
n=$(client -N sipcapd_bench -e "SELECT COUNT(*) FROM sip_capture")
[[ "$n" == "$ROWS" ]] || { echo "db_bench: mysql client stored $n of $ROWS" >&2; exit 1; }
cl=$(awk -v r="$ROWS" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", r / (b - a)}')
echo "mysql_client_1000row_inserts $ROWS $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') $cl server_cpu_s $(awk -v s="$(( s1 - s0 ))" -v t="$TCK" 'BEGIN {printf "%.2f", s / t}')"
for m in bulk multi; do
  v=${!m}
  ratio=$(awk -v a="$v" -v b="$cl" 'BEGIN {printf "%.2f", a / b}')
  echo "ratio batchwriter_$m/mysql_client = $ratio (target >= 0.8)"
done
awk -v a="$bulk" -v b="$multi" 'BEGIN {f = "multi_row"; if (a > b) f = "bulk"; printf "bulk/multi_row = %.2f (faster: %s)\n", a / b, f}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$SRC/scripts/sipcapd-dbctl" drop "$URL" >/dev/null

rm -f "$TMP/bench.db"
"$SRC/scripts/sipcapd-dbctl" create "sqlite://$TMP/bench.db" >/dev/null
"$BIN" sqlite "$TMP/bench.db" "$ROWS" | tee "$TMP/sq.txt"
awk '/^sqlite_batchwriter/ {printf "sqlite rows/s = %s (target >= 100000)\n", $4}' "$TMP/sq.txt"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
