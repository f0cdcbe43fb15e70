#!/usr/bin/env bash
# Runs every fuzz target of a -DSIPCAPD_FUZZ=ON build, with its corpus under
# BUILD/corpus/<target> (seeded from test/data/<target without _fuzz>/, sub-
# directories included). Fails if any target crashes, leaks, hangs or fails
# to start. Crash inputs are kept as BUILD/artifacts/<target>-crash-*.
#
# Usage: test/fuzz/run.sh BUILD_DIR [SECONDS]
#   SECONDS given: every target runs that long.
#   SECONDS omitted/empty: per-target durations from test/fuzz/durations
#   (lines "<target> <seconds>", '#' comments), 60 s for targets not listed.
set -uo pipefail
build="${1:-build-fuzz}"; secs="${2:-}"
here="$(cd "$(dirname "$0")/../.." && pwd)"
durations="$here/test/fuzz/durations"
default_secs=60
rc=0
shopt -s nullglob
targets=("$build"/fuzz/*_fuzz)
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz: no targets built in $build/fuzz" >&2; exit 1; fi

duration_of() {  # target name -> seconds
  local name="$1" n s
  if [ -n "$secs" ]; then echo "$secs"; return; fi
  if [ -f "$durations" ]; then
    while read -r n s _; do
      [ -z "${n:-}" ] || [ "${n:0:1}" = "#" ] && continue
      if [ "$n" = "$name" ] && [[ "$s" =~ ^[0-9]+$ ]]; then echo "$s"; return; fi
    done < "$durations"
  fi
  echo "$default_secs"
}

mkdir -p "$build/artifacts"
summary=()
for t in "${targets[@]}"; do
  name="$(basename "$t")"
  corpus="$build/corpus/$name"; mkdir -p "$corpus"
  seeds="$here/test/data/${name%_fuzz}"
  if [ -d "$seeds" ]; then
    # Files only (libFuzzer reads one level); flatten sub-directories.
    find "$seeds" -type f -print0 | while IFS= read -r -d '' f; do
      cp -n "$f" "$corpus/$(echo "${f#$seeds/}" | tr '/' '_')" 2>/dev/null
    done
  fi
  d="$(duration_of "$name")"
  echo "fuzz: $name for ${d}s (corpus $(ls "$corpus" | wc -l) files)"
  log="$build/$name.log"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$t" -max_total_time="$d" -max_len=70000 -rss_limit_mb=2048 -timeout=25 \
        -artifact_prefix="$build/artifacts/$name-" -print_final_stats=1 "$corpus" > "$log" 2>&1; then
    echo "fuzz: $name FAILED (see $log)"; tail -40 "$log"; rc=1
    summary+=("$name FAILED")
  else
    execs="$(grep -E "stat::number_of_executed_units" "$log" | tail -1 | awk '{print $2}')"
    grep -E "stat::number_of_executed_units|Done" "$log" | tail -2
    summary+=("$name ok ${d}s ${execs:-?} execs")
  fi
done
echo "fuzz: summary"; printf '  %s\n' "${summary[@]}"
exit $rc
