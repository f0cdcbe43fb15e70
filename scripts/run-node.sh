#!/usr/bin/env bash
# `make run`: starts a capture node in the foreground on the given cfg.
# The cfg may use the placeholders @MODULE_DIR@ and @STATE_DIR@; they are
# replaced in a generated copy under the state directory.
set -euo pipefail
build="${1:-build}"
cfg="${2:-cfg/capture-node.cfg}"
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$build" && pwd)"
state="${SIPCAPD_STATE_DIR:-$here/var}"
mkdir -p "$state"
gen="$state/$(basename "$cfg")"
sed -e "s|@MODULE_DIR@|$build/modules|g" -e "s|@STATE_DIR@|$state|g" "$cfg" > "$gen"
echo "sipcapd: starting with $gen (Ctrl-C stops it)"
exec "$build/bin/sipcapd" -F -E -f "$gen"
