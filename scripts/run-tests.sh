#!/usr/bin/env bash
# Runs every test through CTest: starts the private MariaDB the storage tests
# use (scripts/test-mariadb.sh), runs ctest, stops the server again.
# Usage: scripts/run-tests.sh BUILD_DIR [extra ctest args]
set -uo pipefail
build="${1:-build}"; shift || true
here="$(cd "$(dirname "$0")/.." && pwd)"

started_db=0
if [ -x "$here/scripts/test-mariadb.sh" ] && [ -z "${MYSQL_TEST_URL:-}" ]; then
  if "$here/scripts/test-mariadb.sh" start; then
    started_db=1
    eval "$("$here/scripts/test-mariadb.sh" env)"
    export MYSQL_TEST_URL
  else
    echo "run-tests: could not start the test MariaDB server" >&2
    exit 1
  fi
fi
cleanup() { [ $started_db = 1 ] && "$here/scripts/test-mariadb.sh" stop >/dev/null 2>&1; }
trap cleanup EXIT

cd "$build" || exit 1
ctest --output-on-failure --timeout 600 -j"${CTEST_JOBS:-2}" "$@"
