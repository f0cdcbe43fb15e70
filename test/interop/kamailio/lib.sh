# Helpers for the Kamailio interop tests (sourced after test/lib/common.sh).
KAMAILIO_CFG_DIR="$SIPCAPD_SOURCE_DIR/test/interop/kamailio"
need() {  # need CMD...: fail loudly when a tool is missing
  local c; for c in "$@"; do command -v "$c" >/dev/null || fail "$c not installed (scripts/install-deps.sh)"; done
}
# kam_cfg TEMPLATE OUT KEY=VALUE...: copy a cfg template replacing @KEY@.
kam_cfg() {
  local in="$KAMAILIO_CFG_DIR/$1" out=$2 kv; shift 2
  cp "$in" "$out"
  for kv in "$@"; do sed -i "s|@${kv%%=*}@|${kv#*=}|g" "$out"; done
  grep -q '@[A-Z_]*@' "$out" && fail "unreplaced placeholder in $out"
  kamailio -c -f "$out" >"$out.check" 2>&1 || { cat "$out.check"; fail "kamailio -c $out"; }
}
# start_kamailio CFG NAME: foreground kamailio, own work/runtime dir; KAM_PID.
start_kamailio() {
  local dir="$TMP/kam-$2"; mkdir -p "$dir"
  kamailio -f "$1" -DD -E -m 64 -M 8 -w "$dir" -Y "$dir" -P "$dir/k.pid" >"$TMP/$2.log" 2>&1 &
  KAM_PID=$!
  PIDS+=("$KAM_PID")
}
# udp_listening PORT: some socket is bound to 127.0.0.1:PORT (UDP).
udp_listening() { ss -Hlun "sport = :$1" | grep -q .; }
