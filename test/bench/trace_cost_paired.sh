#!/usr/bin/env bash
# Tracing cost without the machine's drift (issue 8, next to trace_cost.sh):
# two sipcapd stateful proxies run AT THE SAME TIME, each with its own sipp
# UAC and UAS at the same offered rate (BENCH_PAIRED_RATE calls/s each,
# default 1200, below saturation, so neither is rate-limited), one without
# and one with sip_trace(.., "d") to a sipcapd capture node (HEPv3 over UDP,
# then over TCP). Both see the same box at the same moment, so the CPU
# each process spends per call can be compared directly: trace_cost.sh's
# separate runs differ by the box's +-20 % speed drift between them.
# Prints per call: each proxy's CPU, each side's sipp CPU and the
# collector's, and the share of the box's CPU per call that tracing adds
# (with and without the collector, which a real deployment runs elsewhere).
# Each run: BENCH_WARM (default 4) s unmeasured, then BENCH_SECS (default
# 10) s measured; about 2 x (BENCH_WARM + BENCH_SECS + 4) s. Numbers are
# printed, not asserted.
# Env: SIPCAPD_BIN, SIPCAPD_MODULE_DIR (as in ctest), or BUILD=<build dir>
# (test/bench/run.sh passes SIPCAPD_BUILD_DIR).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib/trace_bench.bash
. "$SRC/test/bench/lib/trace_bench.bash"
RATE=${BENCH_PAIRED_RATE:-1200}
SECS=${BENCH_SECS:-10}
WARM=${BENCH_WARM:-4}
start() {  # start NAME: runs sipcapd on $TMP/NAME.cfg, prints its pid
  "$SIPCAPD_BIN" -F -E -f "$TMP/$1.cfg" >"$TMP/$1.log" 2>&1 &
  echo $!
}

CS=$(port)
capture_cfg "$TMP/capture.cfg" "$CS"
CAP=$(start capture)
PIDS+=("$CAP")
wait_listen "$CS" || { cat "$TMP/capture.log"; echo "FAIL: capture node did not start"; exit 1; }

uac() {  # uac PROXY_PORT CALLS OUT: sipp UAC at RATE; its CPU seconds on the last line of OUT.cpu
  (sipp -sn uac "127.0.0.1:$1" -i 127.0.0.1 -p "$(port)" -r "$RATE" -l 400 -m "$2" -nostdin \
     -recv_timeout 5000 >"$3" 2>&1; times >"$3.times"; tail -1 "$3.times" >"$3.cpu")
}

run() {  # run TRANSPORT
  local hept=$1 pu pt uu ut au at su st n
  pu=$(port); pt=$(port); au=$(port); at=$(port)
  proxy_cfg "$TMP/plain.cfg" "$pu" "$au" 0 "$hept" "$CS"
  proxy_cfg "$TMP/traced.cfg" "$pt" "$at" 1 "$hept" "$CS"
  su=$(start plain); st=$(start traced)
  PIDS+=("$su" "$st")
  wait_listen "$pu" && wait_listen "$pt" || { tail "$TMP"/plain.log "$TMP"/traced.log; echo "FAIL: proxies"; return 1; }
  uu=$(uas "$au"); ut=$(uas "$at")
  PIDS+=("$uu" "$ut")
  # warm-up: the proxies' heaps fill with wt_timer seconds of transactions
  uac "$pu" $((RATE * WARM)) "$TMP/warm_u" & uac "$pt" $((RATE * WARM)) "$TMP/warm_t" & wait
  n=$((RATE * SECS))
  local c0 c1
  c0="$(cpu "$su") $(cpu "$st") $(cpu "$uu") $(cpu "$ut") $(cpu "$CAP")"
  uac "$pu" "$n" "$TMP/uac_u" & uac "$pt" "$n" "$TMP/uac_t" & wait
  c1="$(cpu "$su") $(cpu "$st") $(cpu "$uu") $(cpu "$ut") $(cpu "$CAP")"
  "$PY" - "$hept" "$n" "$c0" "$c1" "$(cat "$TMP/uac_u.cpu")" "$(cat "$TMP/uac_t.cpu")" \
    "$(grep 'Successful call' "$TMP/uac_u" | tail -1 | awk -F'|' '{print $3}')" \
    "$(grep 'Successful call' "$TMP/uac_t" | tail -1 | awk -F'|' '{print $3}')" <<'PY'
import re, sys
hept, n = sys.argv[1], int(sys.argv[2])
d = [(int(b) - int(a)) / 100.0 for a, b in zip(sys.argv[3].split(), sys.argv[4].split())]
secs = lambda t: sum(float(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", t))
ua, ut = secs(sys.argv[5]), secs(sys.argv[6])
ok_u, ok_t = int(sys.argv[7] or 0), int(sys.argv[8] or 0)
per = lambda s, ok: 1e6 * s / max(ok, 1)  # us per call
pu, pt, suu, sut, cap = per(d[0], ok_u), per(d[1], ok_t), per(d[2], ok_u), per(d[3], ok_t), per(d[4], ok_t)
cu, ct = per(ua, ok_u), per(ut, ok_t)
box_u, box_t = pu + suu + cu, pt + sut + ct + cap
print("  HEP/%s: %d + %d calls ok (of %d each)" % (hept.upper(), ok_u, ok_t, n))
print("    us CPU per call   proxy   sipp UAS  sipp UAC  collector   box")
print("    without tracing  %6.1f   %6.1f    %6.1f       -     %6.1f" % (pu, suu, cu, box_u))
print("    sip_trace d      %6.1f   %6.1f    %6.1f    %6.1f    %6.1f" % (pt, sut, ct, cap, box_t))
print("    tracing adds %.1f us to the proxy (+%.0f %%); share of the box's CPU per call: %.1f %%,"
      " without the collector %.1f %%" % (pt - pu, 100.0 * (pt - pu) / pu, 100.0 * (1 - box_u / box_t),
                                          100.0 * (1 - box_u / (box_t - cap))))
PY
  stop_all "$su" "$st" "$uu" "$ut"
}
stop_all() { local p; for p in "$@"; do kill "$p" 2>/dev/null; done; for p in "$@"; do wait "$p" 2>/dev/null; done; sleep 0.5; }

echo "paired stateful proxies at the same time ($RATE calls/s each, ${SECS}s after ${WARM}s warm-up), HEPv3 collector = sipcapd capture node:"
run udp
run tcp
