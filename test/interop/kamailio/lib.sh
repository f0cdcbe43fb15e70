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
# start_capture_node NAME PORT DB_URL: a sipcapd HEP capture node (hep_udp on
# 127.0.0.1:PORT, sipcapture hep_route none, rows into DB_URL through
# db_mysql or db_sqlite by the URL's scheme). The cfg ($TMP/NAME.cfg) is
# checked with -c first; log in $TMP/NAME.log, pid in NODE_PID.
start_capture_node() {
  local name=$1 port=$2 url=$3
  cat >"$TMP/$name.cfg" <<CFG
log_level=3
children=2
mpath="$SIPCAPD_MODULE_DIR"
listen=hep_udp:127.0.0.1:$port
loadmodule "proto_hep.so"
loadmodule "db_${url%%:*}.so"
loadmodule "sipcapture.so"
modparam("sipcapture", "db_url", "$url")
modparam("sipcapture", "capture_on", 1)
modparam("sipcapture", "hep_capture_on", 1)
modparam("sipcapture", "hep_route", "none")
modparam("sipcapture", "spool_dir", "$TMP/spool-$name")
CFG
  check_cfg "$TMP/$name.cfg" "$TMP/$name.check" "$name: cfg check"
  start_node "$TMP/$name.cfg" "$TMP/$name.log"
}
