#!/usr/bin/env bash
# Capture-node benchmark: HEPv3 SIP over UDP into MariaDB, sipcapd
# (proto_hep + sipcapture hep_route none + db_mysql, children=2) vs Kamailio
# 5.6 sipcapture (db_mysql, children=2, one INSERT a row), same machine, same
# run, same traffic (test/interop/kamailio/hep_flood.py, ~600-byte INVITEs).
#   1. zero-loss rate: for each rate in BENCH_RATES (pkt/s), send
#      rate x BENCH_STEP_SECS packets paced, wait until the row count is
#      stable, lost = sent - rows; the figure is the highest send rate the
#      generator actually reached with 0 lost (stops at the first step that
#      loses, or where the generator falls below 90% of the asked rate).
#   2. burst: BENCH_BURST (100000) packets sent unthrottled; rows stored.
# Both nodes are asked for a BENCH_RCVBUF (256 MiB) UDP receive buffer (sipcapd
# hep_rcvbuf, applied with SO_RCVBUFFORCE; Kamailio
# maxbuffer, which probes only up to net.core.rmem_max). Bounded: every wait has a deadline. Prints numbers; exit 0 when
# the measurement ran (targets are printed, not enforced), 1 on setup errors.
# Env: BUILD (default build) or SIPCAPD_BIN/SIPCAPD_MODULE_DIR; MYSQL_TEST_URL
# (else the private server of scripts/test-mariadb.sh is started).
set -uo pipefail
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD=${SIPCAPD_BUILD_DIR:-${BUILD:-build}}
export SIPCAPD_SOURCE_DIR="$SRC"
export SIPCAPD_BIN=${SIPCAPD_BIN:-$BUILD/bin/sipcapd}
export SIPCAPD_MODULE_DIR=${SIPCAPD_MODULE_DIR:-$BUILD/modules}
RATES=${BENCH_RATES:-"1000 2000 5000 10000 20000 40000 80000"}
STEP=${BENCH_STEP_SECS:-3}
BURST=${BENCH_BURST:-100000}
RCVBUF=${BENCH_RCVBUF:-268435456}
source "$SRC/test/lib/common.sh"
source "$SRC/test/interop/kamailio/lib.sh"
PY=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
FLOOD="$PY $SRC/test/interop/kamailio/hep_flood.py"
need kamailio mariadb ss
[ -f "$SIPCAPD_MODULE_DIR/mi_fifo.so" ] || fail "mi_fifo.so not built in $SIPCAPD_MODULE_DIR"
for m in proto_hep db_mysql sipcapture; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built in $SIPCAPD_MODULE_DIR"
done
DBCTL="$SRC/scripts/sipcapd-dbctl"
if [ -z "${MYSQL_TEST_URL:-}" ]; then
  "$SRC/scripts/test-mariadb.sh" start >/dev/null || fail "cannot start private MariaDB"
  eval "$("$SRC/scripts/test-mariadb.sh" env)"
fi
DBA="bench_a_$$"; DBB="bench_b_$$"
URLA="${MYSQL_TEST_URL%/*}/$DBA"; URLB="${MYSQL_TEST_URL%/*}/$DBB"
hp="${URLA#*@}"; hp="${hp%%/*}"; MHOST="${hp%%:*}"; MPORT="${hp##*:}"
cred="${URLA#*://}"; cred="${cred%%@*}"; MUSER="${cred%%:*}"; MPASS="${cred#*:}"
q() { local i; for i in 1 2 3 4 5; do q1 "$@" && return 0; sleep 1; done; return 1; }
q1() { mariadb --no-defaults -N -B -u"$MUSER" -p"$MPASS" -h"$MHOST" -P"$MPORT" "$1" -e "$2"; }
"$DBCTL" create "$URLA" >/dev/null || fail "dbctl create A"
"$DBCTL" create "$URLB" >/dev/null || fail "dbctl create B"
trap '"$DBCTL" drop "$URLA" >/dev/null 2>&1; "$DBCTL" drop "$URLB" >/dev/null 2>&1; cleanup_common' EXIT

pa=$(free_port udp); pb=$(free_port udp)
cat >"$TMP/node.cfg" <<CFG
log_level=2
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$pa
loadmodule "proto_hep.so"
loadmodule "db_mysql.so"
loadmodule "sipcapture.so"
loadmodule "mi_fifo.so"
modparam("mi_fifo", "fifo_name", "$TMP/fifo")
modparam("proto_hep", "hep_rcvbuf", $RCVBUF)
modparam("sipcapture", "db_url", "$URLA")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "none")
modparam("sipcapture", "spool_dir", "$TMP/spool")
CFG
start_node "$TMP/node.cfg" "$TMP/node.log"
kam_cfg capture.cfg "$TMP/capture.cfg" HEP_PORT="$pb" DB_URL="$URLB"
sed -i "s/^children=2$/children=2\nmaxbuffer=$RCVBUF/; s/^debug=2$/debug=1/" "$TMP/capture.cfg"
start_kamailio "$TMP/capture.cfg" kcap
WAIT_SECS=10 wait_for udp_listening "$pa" || { cat "$TMP/node.log"; fail "sipcapd not listening"; }
WAIT_SECS=15 wait_for udp_listening "$pb" || { cat "$TMP/kcap.log"; fail "kamailio not listening"; }

rows() { q "$1" "select count(*) from sip_capture" 2>/dev/null || echo 0; }
export OSIPS_FIFO="$TMP/fifo" OSIPS_FIFO_TIMEOUT=10
# stats: sipcapd counters that tell where packets went (cumulative).
stats() {
  { "$SRC/scripts/opensipsctl" fifo get_statistics proto_hep: sipcapture: sipcapture_db: 2>&1 ||
    echo "(MI failed)"; } | grep -E 'received|decoded|kernel_drops|truncated|captured_requests|drop_db|dropped|spool|rows|batch|(MI failed)' |
    sed 's/:: */=/' | tr '\n' ' '
}
# settle DB: waits until the row count has not changed for 2 s (max 90 s); prints it.
settle() {
  local db=$1 last=-1 n same=0 deadline=$(( $(date +%s) + 90 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    n=$(rows "$db")
    if [ "$n" = "$last" ]; then same=$((same + 1)); [ "$same" -ge 4 ] && break; else same=0; fi
    last=$n; sleep 0.5
  done
  echo "$n"
}
# run NAME PORT DB COUNT RATE: prints "lost stored send_info"
run() {
  local name=$1 port=$2 db=$3 count=$4 rate=$5 info stored
  q "$db" "truncate table sip_capture" || fail "truncate $db"
  info=$($FLOOD "$port" "$count" "$rate" "$name-$rate")
  stored=$(settle "$db")
  echo "$((count - stored)) $stored $info"
}
declare -A best
for name in sipcapd kamailio; do
  if [ "$name" = sipcapd ]; then port=$pa; db=$DBA; else port=$pb; db=$DBB; fi
  best[$name]=0
  for r in $RATES; do
    n=$((r * STEP))
    read -r lost stored info <<<"$(run "$name" "$port" "$db" "$n" "$r")"
    echo "$name rate $r pkt/s: $n sent, $stored stored, $lost lost ($info)"
    [ "$lost" = 0 ] || { [ "$name" = sipcapd ] && echo "sipcapd counters (cumulative): $(stats)"; break; }
    # The figure is the rate the generator reached (it shares the CPU).
    got=$(sed -n 's/.*(\([0-9]*\) pkt\/s).*/\1/p' <<<"$info")
    best[$name]=${got:-$r}
    [ "${got:-$r}" -lt $((r * 9 / 10)) ] && { echo "$name: generator reached only $got pkt/s (CPU-bound): stopping here"; break; }
  done
done
for name in sipcapd kamailio; do
  if [ "$name" = sipcapd ]; then port=$pa; db=$DBA; else port=$pb; db=$DBB; fi
  read -r lost stored info <<<"$(run "$name" "$port" "$db" "$BURST" 0)"
  echo "$name burst: $BURST sent unthrottled ($info), $stored stored, $lost lost"
  [ "$name" = sipcapd ] && echo "sipcapd counters after the burst (cumulative): $(stats)"

done
echo "RESULT highest zero-loss rate reached (steps: $RATES pkt/s, ${STEP}s each): sipcapd ${best[sipcapd]} pkt/s, kamailio ${best[kamailio]} pkt/s"
[ "${best[kamailio]}" -gt 0 ] && echo "RESULT ratio sipcapd/kamailio: $(awk -v a="${best[sipcapd]}" -v b="${best[kamailio]}" 'BEGIN{printf "%.1f", a/b}') (target >= 3)"
grep -E 'drop|spool|ERR' "$TMP/node.log" | tail -5
stop_node "$NODE_PID" >/dev/null || echo "note: sipcapd exit code $?"
exit 0
