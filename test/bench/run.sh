#!/usr/bin/env bash
# `make bench`: runs every benchmark program and bench script and prints
# their numbers. Usage: test/bench/run.sh BUILD_DIR
set -uo pipefail
build="${1:-build}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
rc=0
shopt -s nullglob
for b in "$build"/bench/*_bench; do
  # db_storage_bench needs a store and a row count: db_bench.sh runs it
  # (below). Run bare it printed its usage and failed `make bench`.
  [ "$(basename "$b")" = db_storage_bench ] && continue
  echo "== $(basename "$b")"; "$b" || rc=1
done
for s in "$here"/test/bench/*.sh; do
  [ "$(basename "$s")" = run.sh ] && continue
  echo "== $(basename "$s")"; SIPCAPD_BUILD_DIR="$build" bash "$s" || rc=1
done
exit $rc
