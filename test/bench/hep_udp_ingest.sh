#!/usr/bin/env bash
# hep_udp ingest rate of a real sipcapd: `listen=hep_udp` with children=2,
# proto_hep + mi_fifo only (packets are decoded and counted as unhandled),
# loaded by hep_loadgen_bench --target at RATE packets/s for SECS seconds;
# prints sent / received / decoded / kernel drops from the MI statistics.
#   test/bench/hep_udp_ingest.sh BUILD_DIR [RATE] [SECS]
# 127.0.0.1 only; bounded in time. Exit 1 if the node does not come up.
# BENCH_HEP_RCVBUF: the node's hep_rcvbuf (default 32 MB; 0 keeps the
# kernel's default buffer, to see what a node without it drops).
set -uo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$src/build}" && pwd)"
rate=${2:-300000}
secs=${3:-3}
export SIPCAPD_BIN="$build/bin/sipcapd" SIPCAPD_MODULE_DIR="$build/modules" SIPCAPD_SOURCE_DIR="$src"
source "$src/test/lib/common.sh"
for m in proto_hep mi_fifo; do
  [ -f "$SIPCAPD_MODULE_DIR/$m.so" ] || fail "$m.so not built in $build"
done
gen="$build/bench/hep_loadgen_bench"
[ -x "$gen" ] || fail "$gen not built"
port=$(free_port udp)
export OSIPS_FIFO="$TMP/fifo" OSIPS_FIFO_TIMEOUT=5
cat >"$TMP/ingest.cfg" <<CFG
log_level=2
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "mi_fifo.so"
modparam("proto_hep", "hep_rcvbuf", ${BENCH_HEP_RCVBUF:-33554432})
modparam("mi_fifo", "fifo_name", "$OSIPS_FIFO")
route { exit; }
CFG
start_node "$TMP/ingest.cfg" "$TMP/node.log"
WAIT_SECS=15 wait_for test -p "$OSIPS_FIFO" || { cat "$TMP/node.log"; fail "node did not start"; }
stat() { "$src/scripts/opensipsctl" fifo get_statistics "proto_hep:$1" | sed -n "s/^proto_hep:$1:: *//p"; }
# CPU seconds (user+sys) the node has used so far, from /proc.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$NODE_PID/stat"; }
cpu0=$(cpu_s)
"$gen" --target "127.0.0.1:$port" --rate "$rate" --secs "$secs" | tee "$TMP/gen.out"
sent=$(sed -n 's/^hep_loadgen: sent \([0-9]*\).*/\1/p' "$TMP/gen.out")
# Drain: until the received counter stops moving (bounded).
last=-1
for _ in $(seq 1 30); do
  rcv=$(stat received); [ "$rcv" = "$last" ] && break; last=$rcv; sleep 0.2
done
dec=$(stat decoded); drops=$(stat kernel_drops)
cpu1=$(cpu_s)
echo "hep_udp_ingest: rate $rate/s x ${secs}s: sent $sent, received $rcv, decoded $dec, kernel_drops $drops"
awk -v r="$rcv" -v s="$secs" 'BEGIN { printf "hep_udp_ingest: %.0f packets/s received by sipcapd (2 workers)\n", r / s }'
# On 2 cores the generator takes one of them, so the rate above is often the
# generator's; the node's own CPU per packet shows its capacity.
awk -v r="$rcv" -v a="$cpu0" -v b="$cpu1" 'BEGIN { c = b - a; if (c > 0)
  printf "hep_udp_ingest: node used %.2f CPU-s (incl. MI polling): %.0f packets per CPU-second\n", c, r / c }'
stop_node "$NODE_PID" >/dev/null
