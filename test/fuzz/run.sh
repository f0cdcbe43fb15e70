#!/usr/bin/env bash
# Runs every fuzz target of a -DSIPCAPD_FUZZ=ON build for N seconds each,
# with its corpus under build-fuzz/corpus/<target> (seeded from test/data).
# Fails if any target crashes. Usage: test/fuzz/run.sh BUILD_DIR SECONDS
set -uo pipefail
build="${1:-build-fuzz}"; secs="${2:-60}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
rc=0
shopt -s nullglob
targets=("$build"/fuzz/*_fuzz)
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz: no targets built in $build/fuzz" >&2; exit 1; fi
for t in "${targets[@]}"; do
  name="$(basename "$t")"
  corpus="$build/corpus/$name"; mkdir -p "$corpus"
  seeds="$here/test/data/${name%_fuzz}"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null
  echo "fuzz: $name for ${secs}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$t" -max_total_time="$secs" -max_len=70000 -rss_limit_mb=2048 \
        -print_final_stats=1 "$corpus" > "$build/$name.log" 2>&1; then
    echo "fuzz: $name FAILED (see $build/$name.log)"; tail -40 "$build/$name.log"; rc=1
  else
    grep -E "stat::number_of_executed_units|Done" "$build/$name.log" | tail -2
  fi
done
exit $rc
