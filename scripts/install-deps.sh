#!/usr/bin/env bash
# Installs every Debian package the build, the tests and `make run` need.
# Idempotent: exits at once when everything is present. Must run as root
# (or with the packages already installed).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcjson-dev libsqlite3-dev sqlite3 libmariadb-dev libssl-dev zlib1g-dev
  libjemalloc-dev
  mariadb-server mariadb-client
  sip-tester tshark sngrep kamailio kamailio-extra-modules kamailio-mysql-modules
  iproute2 procps psmisc curl python3 clang-format
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged services are not used: tests start their own servers.
  for svc in mariadb kamailio; do
    systemctl disable --now "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
  done
fi

command -v npm >/dev/null 2>&1 || { apt-get install -y -qq nodejs npm >/dev/null; }

# Node packages for interop tests (hep-js), installed into test/interop.
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$here/test/interop/package.json" ] && [ ! -d "$here/test/interop/node_modules" ]; then
  (cd "$here/test/interop" && npm install --no-audit --no-fund --silent) || {
    echo "install-deps: npm install failed" >&2; exit 1; }
fi
