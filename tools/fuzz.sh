#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz (clang, AddressSanitizer + UndefinedBehaviorSanitizer,
# -O1 -g, every sanitizer report fatal) into their own build directory and run each one for a
# bounded time from its checked-in seed corpus. Exit status 1 when any target finds a crash, a
# sanitizer report or a violated invariant (its input is saved under <build>/artifacts/<target>/);
# every target runs regardless. The main build/ directory is not touched. docs/fuzzing.md.
#
# Environment (defaults are the CI budget, about 2 minutes on 2 cores):
#   STACKSIM_FUZZ_BUILD_DIR  build directory              (build-fuzz)
#   STACKSIM_FUZZ_TIME_S     seconds per target           (15)
#   STACKSIM_FUZZ_RUNS       executions cap per target    (5000000)
#   STACKSIM_FUZZ_SEED       libFuzzer -seed              (1)
#   STACKSIM_FUZZ_TARGETS    space-separated subset       (all targets)
#   STACKSIM_JOBS            build jobs                   (nproc)
# Extra arguments go to every libFuzzer run (e.g. -max_len=512 -only_ascii=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STACKSIM_FUZZ_BUILD_DIR:-$root/build-fuzz}"
time_s="${STACKSIM_FUZZ_TIME_S:-15}"
runs="${STACKSIM_FUZZ_RUNS:-5000000}"
seed="${STACKSIM_FUZZ_SEED:-1}"
jobs="${STACKSIM_JOBS:-$(nproc)}"

cxx="$(command -v clang++-14 || command -v clang++ || true)"
if [ -z "$cxx" ]; then
  echo "fuzz: clang++ not found (tools/setup/install-deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 1
fi

start=$(date +%s)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DSTACKSIM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
fi
cmake --build "$build" -j "$jobs"
built=$(date +%s)

targets="${STACKSIM_FUZZ_TARGETS:-$(cat "$build/fuzz_targets.txt")}"
status=0
summary=()
for t in $targets; do
  seeds="$root/tests/fuzz/corpus/$t"
  regressions="$root/tests/fuzz/regressions/$t"
  work="$build/corpus/$t"          # fresh each run: libFuzzer adds what it finds here
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  rm -rf "$work"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  dirs=("$work" "$seeds")
  [ -d "$regressions" ] && dirs+=("$regressions")
  rc=0
  "$build/tests/fuzz/$t" -seed="$seed" -max_total_time="$time_s" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: ...".
  line="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  execs="$(sed -n 's/.*stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")"
  eps="$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$line")"
  if [ $rc -ne 0 ]; then
    status=1
    summary+=("$(printf '%-24s FAILED (exit %d): see %s; input in %s' "$t" "$rc" "$log" "$artifacts")")
    echo "fuzz: $t FAILED; the end of its log:" >&2
    tail -n 40 "$log" >&2
  else
    summary+=("$(printf '%-24s ok  runs %-9s exec/s %-7s cov %s' "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}")")
  fi
done
end=$(date +%s)
echo "fuzz: build $((built - start)) s, fuzzing $((end - built)) s (${time_s} s per target, seed $seed)"
printf 'fuzz: %s\n' "${summary[@]}"
exit $status
