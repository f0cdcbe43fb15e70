#!/usr/bin/env bash
# Tracing cost (issue 8): stateful proxy call rate with sipp (UAC -> proxy
# t_relay -> UAS, UDP, 127.0.0.1) without and with dialog tracing
# (sip_trace(.., "d"), HEPv3 over UDP, and over TCP) to a sipcapd capture
# node (proto_hep + sipcapture, hep_route that only counts: the collector is
# not the thing measured), and Kamailio 5.6 (tm + dialog + siptrace
# sip_trace(uri, $ci, "d"), HEPv3/UDP) on the same traffic, same collector,
# same run. Each of the five configurations runs BENCH_ROUNDS (default 3)
# times, interleaved, best run kept (and each round's traced runs compared
# with that round's untraced run: median printed); each run is BENCH_WARM (default 36) s of
# unmeasured warm-up then BENCH_SECS (default 6) s of sipp with at most
# BENCH_CONC calls in flight (default 40; offered rate 5000/s, so the proxy
# is the limit, not overload retransmissions). The figure is successful
# calls per second; the proxy's CPU per call is printed too (lowest of the
# rounds), as the call rate on 2 shared cores also carries the collector's
# and sipp's CPU. Prints the rates, the tracing cost % of each proxy (issue
# target for sipcapd <= 10 %) and the sipcapd/Kamailio ratio (traced).
# Then the kernel floor: hep_loadgen_bench alone sends the traced run's HEP
# datagram rate to the collector, and the CPU this costs both sides is
# printed per call and as a share of the untraced call's CPU on the box
# (all processes): what tracing over loopback costs before any code of ours.
# The warm-up outlasts the dialog module's 32 s linger of BYE-ended dialogs,
# so the traced proxies are measured in their steady state (a table of
# ~150 k dialogs at this rate, as many removed a second as created), which
# costs more than the first seconds of a proxy's life (session 6);
# BENCH_WARM=6 measures that early phase.
# Runtime about 5 x ROUNDS x (BENCH_WARM + BENCH_SECS + 3) + BENCH_SECS s (~11 min).
# Numbers are printed, not asserted.
# Env: SIPCAPD_BIN, SIPCAPD_MODULE_DIR (as in ctest), or BUILD=<build dir>
# (test/bench/run.sh passes SIPCAPD_BUILD_DIR).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib/trace_bench.bash
. "$SRC/test/bench/lib/trace_bench.bash"
SECS=${BENCH_SECS:-6}
WARM=${BENCH_WARM:-36}
ROUNDS=${BENCH_ROUNDS:-3}
CONC=${BENCH_CONC:-40}
CHILDREN=${BENCH_CHILDREN:-2}
KAM_MPATH=${KAM_MPATH:-/usr/lib/x86_64-linux-gnu/kamailio/modules}
export OSIPS_FIFO_TIMEOUT=5
mi() { OSIPS_FIFO="$TMP/cap_fifo" "$SRC/scripts/opensipsctl" fifo "$@"; }
received() { mi get_statistics proto_hep:received 2>/dev/null | sed -n 's/^proto_hep:received:: *//p'; }

# --- the collector: a sipcapd capture node that decodes and counts.
CS=$(port)
capture_cfg "$TMP/capture.cfg" "$CS"
"$SIPCAPD_BIN" -F -E -f "$TMP/capture.cfg" >"$TMP/capture.log" 2>&1 &
CAP=$!
PIDS+=("$CAP")
wait_listen "$CS" || { cat "$TMP/capture.log"; echo "FAIL: capture node did not start"; exit 1; }
for _ in $(seq 1 50); do [ -p "$TMP/cap_fifo" ] && break; sleep 0.1; done

U=$(port)
UAS=$(uas "$U")
[ -n "$UAS" ] || { cat "$TMP/uas_$U.out"; echo "FAIL: sipp uas"; exit 1; }
PIDS+=("$UAS")

# sipp_uac PORT SECS OUT: the UAC load (offered 5000 calls/s, <= CONC in flight)
sipp_uac() {
  timeout $(($2 + 30)) sipp -sn uac "127.0.0.1:$1" -i 127.0.0.1 -p "$(port)" -r 5000 -l "$CONC" \
    -m 100000000 -timeout "${2}s" -nostdin -recv_timeout 5000 >"$3" 2>&1
}
# measure NAME PORT PROXY_PID: successful calls/s through the proxy, after
# a warm-up run of WARM s (not counted: the proxy's heap grows while its
# first wt_timer seconds of completed transactions pile up, and fresh-page
# faults would dominate a cold run). Also prints (stderr) the HEP packets the
# collector received per call and the CPU each process used per 1000 calls
# (the proxy's own tracing cost, which the call rate on a shared 2-core box
# mixes with the collector's and sipp's CPU).
measure() {
  local name=$1 p=$2 pp=$3 r0 r1 ok failed p0 p1 k0 k1 u0 u1 uac
  [ "$WARM" -gt 0 ] && sipp_uac "$p" "$WARM" "$TMP/warm_$name.out"
  r0=$(received)
  p0=$(cpu "$pp"); k0=$(cpu "$CAP"); u0=$(cpu "$UAS")
  uac=$( (sipp_uac "$p" "$SECS" "$TMP/uac_$name.out"; times >"$TMP/times_$name"; tail -1 "$TMP/times_$name") )
  p1=$(cpu "$pp"); k1=$(cpu "$CAP"); u1=$(cpu "$UAS")
  ok=$(sipp_count "$TMP/uac_$name.out" Successful)
  failed=$(sipp_count "$TMP/uac_$name.out" Failed)
  sleep 1; r1=$(received)
  echo "  $name: ${ok:-0} calls ok, ${failed:-?} failed in ${SECS}s; collector received $(( ${r1:-0} - ${r0:-0} )) HEP packets" \
       "($("$PY" -c "print(round(($(( ${r1:-0} - ${r0:-0} ))) / max(${ok:-0}, 1), 1))") a call)" >&2
  "$PY" - "$name" "${ok:-0}" "$((p1 - p0))" "$((k1 - k0))" "$((u1 - u0))" "$uac" "$TMP/cpu_$name" >&2 <<'PY'
import re, sys
name, ok, proxy, cap, uas = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:6])
uac = sum(float(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", sys.argv[6]))
per = lambda ticks: 1000.0 * ticks / 100.0 / max(ok, 1)
print("    CPU s per 1000 calls: proxy %.3f, collector %.3f, sipp UAS %.3f, sipp UAC %.3f"
      % (per(proxy), per(cap), per(uas), 1000.0 * uac / max(ok, 1)))
open(sys.argv[7], "w").write("%.4f\n" % per(proxy))
# every process on the box: the call rate's real CPU budget
open(sys.argv[7].replace("/cpu_", "/all_"), "w").write(
    "%.4f\n" % (per(proxy) + per(cap) + per(uas) + 1000.0 * uac / max(ok, 1)))
PY
  "$PY" -c "print(round(($(( ${r1:-0} - ${r0:-0} ))) / max(${ok:-0}, 1), 2))" >"$TMP/pkts_$name"
  echo $(( ${ok:-0} / SECS ))
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# --- sipcapd stateful proxy, without and with sip_trace(.., "d")
sipcapd_proxy() {  # sipcapd_proxy NAME TRACE(0|1) [HEP_TRANSPORT]: prints the rate
  local p; p=$(port)
  proxy_cfg "$TMP/$1.cfg" "$p" "$U" "$2" "${3:-udp}" "$CS" "$CHILDREN"
  "$SIPCAPD_BIN" -F -E -f "$TMP/$1.cfg" >"$TMP/$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_listen "$p" || { tail "$TMP/$1.log" >&2; echo 0; return; }
  measure "$1" "$p" "$pid"
  stop "$pid"
}

# --- Kamailio stateful proxy (tm + dialog + siptrace), without and with tracing
kamailio_proxy() {  # kamailio_proxy NAME TRACE(0|1)
  local p t=""; p=$(port)
  [ "$2" = 1 ] && t='if (is_method("INVITE") && !has_totag()) { dlg_manage(); sip_trace("sip:127.0.0.1:'"$CS"'", "$ci", "d"); } else if (has_totag()) { dlg_manage(); }'
  cat >"$TMP/$1.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=$CHILDREN
disable_tcp=yes
listen=udp:127.0.0.1:$p
mpath="$KAM_MPATH"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "rr.so"
loadmodule "dialog.so"
loadmodule "siptrace.so"
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", 3)
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "trace_on", 1)
request_route {
  $t
  \$du = "sip:127.0.0.1:$U";
  t_relay();
}
CFG
  kamailio -f "$TMP/$1.cfg" -DD -E -m 128 -M 16 -w "$TMP" -Y "$TMP" -P "$TMP/$1.pid" >"$TMP/$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait_listen "$p" || { tail "$TMP/$1.log" >&2; echo 0; return; }
  measure "$1" "$p" "$pid"
  stop "$pid"
}

echo "stateful proxy (tm t_relay, UDP, $CHILDREN workers, best of $ROUNDS x ${SECS}s after ${WARM}s warm-up, <= $CONC calls in flight), HEPv3 collector = sipcapd capture node:"
# Rounds interleaved, best of each: the machine is shared and noisy.
S0=0; S1=0; S2=0; K0=0; K1=0
max() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
PAIRS=""  # per round: untraced, UDP, TCP, Kamailio untraced, traced (adjacent in time)
for round in $(seq 1 "$ROUNDS"); do
  r0=$(sipcapd_proxy sipcapd_plain_$round 0)
  r1=$(sipcapd_proxy sipcapd_traced_udp_$round 1 udp)
  r2=$(sipcapd_proxy sipcapd_traced_tcp_$round 1 tcp)
  q0=0; q1=0
  if command -v kamailio >/dev/null; then
    q0=$(kamailio_proxy kamailio_plain_$round 0)
    q1=$(kamailio_proxy kamailio_traced_$round 1)
  fi
  S0=$(max "$S0" "$r0"); S1=$(max "$S1" "$r1"); S2=$(max "$S2" "$r2")
  K0=$(max "$K0" "$q0"); K1=$(max "$K1" "$q1")
  PAIRS="$PAIRS $r0,$r1,$r2,$q0,$q1"
done
command -v kamailio >/dev/null || echo "  kamailio not installed: no comparison"
# lowest proxy CPU per 1000 calls of a configuration over its rounds
cpu_of() { cat "$TMP"/cpu_"$1"_* 2>/dev/null | sort -n | head -1; }

# --- the kernel floor of the HEP traffic alone: hep_loadgen_bench sends the
# traced UDP run's datagram rate (600-byte HEPv3 packets, sendmmsg batches
# of 32, as the proxy's sender) to the same collector for SECS s; its CPU
# and the collector's, per call, are what the datagrams cost on this box
# before any tracing code runs (on loopback the sender also runs the
# receive path).
FLOOR=""
LOADGEN=$(dirname "$SIPCAPD_BIN")/../bench/hep_loadgen_bench
PKTS=$(cat "$TMP"/pkts_sipcapd_traced_udp_* 2>/dev/null | sort -n | tail -1)
if [ -x "$LOADGEN" ] && [ -n "$PKTS" ] && [ "$S1" -gt 0 ]; then
  RATE=$("$PY" -c "print(int($S1 * $PKTS))")
  k0=$(cpu "$CAP")
  lg=$( ("$LOADGEN" --target "127.0.0.1:$CS" --rate "$RATE" --secs "$SECS" >"$TMP/loadgen.out" 2>&1; times >"$TMP/times_lg"; tail -1 "$TMP/times_lg") )
  sleep 1
  k1=$(cpu "$CAP")
  FLOOR=$("$PY" - "$lg" "$((k1 - k0))" "$RATE" "$SECS" "$PKTS" <<'PY'
import re, sys
lg = sum(float(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", sys.argv[1]))
cap, rate, secs, pkts = int(sys.argv[2]) / 100.0, int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
n = rate * secs
print("%.4f %.2f %.2f" % (1000.0 * (lg + cap) * pkts / n, 1e6 * lg / n, 1e6 * cap / n))
PY
)
  echo "  kernel floor: $(tail -1 "$TMP/loadgen.out")" >&2
else
  echo "  kernel floor: not measured (no $LOADGEN or no traced UDP run)" >&2
fi
all_of() { cat "$TMP"/all_"$1"_* 2>/dev/null | sort -n | head -1; }
"$PY" - "$S0" "$S1" "$S2" "$K0" "$K1" "$(cpu_of sipcapd_plain)" "$(cpu_of sipcapd_traced_udp)" \
  "$(cpu_of sipcapd_traced_tcp)" "$(cpu_of kamailio_plain)" "$(cpu_of kamailio_traced)" \
  "$(all_of sipcapd_plain)" "$FLOOR" "${PKTS:-0}" "$PAIRS" <<'PY'
import statistics, sys
s0, s1, s2, k0, k1 = map(int, sys.argv[1:6])
c = [float(x) if x else 0.0 for x in sys.argv[6:11]]
all0 = float(sys.argv[11]) if sys.argv[11] else 0.0
floor = sys.argv[12].split()
cost = lambda a, b: "%.1f %%" % (100.0 * (a - b) / a) if a else "n/a"
more = lambda a, b: "+%.0f %%" % (100.0 * (b - a) / a) if a else "n/a"
print("                                  calls/s   cost    proxy CPU s/1000 calls")
print("  sipcapd  without tracing       : %6d            %.3f" % (s0, c[0]))
print("  sipcapd  sip_trace d, HEP/UDP  : %6d  %7s   %.3f (%s)   target <= 10 %%" % (s1, cost(s0, s1), c[1], more(c[0], c[1])))
print("  sipcapd  sip_trace d, HEP/TCP  : %6d  %7s   %.3f (%s)" % (s2, cost(s0, s2), c[2], more(c[0], c[2])))
print("  kamailio without tracing       : %6d            %.3f" % (k0, c[3]))
print("  kamailio sip_trace d, HEP/UDP  : %6d  %7s   %.3f (%s)" % (k1, cost(k0, k1), c[4], more(c[3], c[4])))
print("  ratio sipcapd/kamailio traced (UDP): %s, untraced: %s" % (
    "%.2f" % (s1 / k1) if k1 else "n/a", "%.2f" % (s0 / k0) if k0 else "n/a"))
# The machine's speed drifts by +-20 % between rounds, so each round's
# traced runs are also compared with its own untraced run (adjacent in
# time), and the median of those costs printed.
rounds = [list(map(int, r.split(","))) for r in sys.argv[14].split()]
def paired(a, b):
    v = [100.0 * (r[a] - r[b]) / r[a] for r in rounds if r[a]]
    return "%.1f %% (rounds: %s)" % (statistics.median(v), ", ".join("%.1f" % x for x in v)) if v else "n/a"
print("  per-round paired cost, median: sipcapd HEP/UDP %s; HEP/TCP %s; kamailio %s"
      % (paired(0, 1), paired(0, 2), paired(3, 4)))
if floor and all0:
    f, snd, rcv = float(floor[0]), float(floor[1]), float(floor[2])
    print("  kernel floor of %s HEP datagrams/call (loadgen -> collector, no tracing code): "
          "%.1f us sent + %.1f us received per datagram = %.3f CPU s/1000 calls, "
          "%.1f %% of the untraced call's CPU on this box (all processes: %.3f)"
          % (sys.argv[13], snd, rcv, f, 100.0 * f / all0, all0))
PY
