#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz (clang, AddressSanitizer + UndefinedBehaviorSanitizer,
# -O1 -g, every sanitizer report fatal) into their own build directory and run each one for a
# fixed number of inputs from its checked-in seed corpus. Exit status 1 when any target finds a
# crash, a sanitizer report or a violated invariant (its input is saved under
# <build>/artifacts/<target>/), or executed fewer inputs than asked (the time limit is only a
# guard against a hang); every target runs regardless. The main build/ directory is not touched.
# docs/fuzzing.md.
#
# Environment (defaults are the CI budget: 100,000 inputs per target):
#   STACKSIM_FUZZ_BUILD_DIR  build directory                          (build-fuzz)
#   STACKSIM_FUZZ_RUNS       inputs each target must execute          (100000)
#   STACKSIM_FUZZ_TIME_S     hang guard: seconds per target at most   (300)
#   STACKSIM_FUZZ_SEED       libFuzzer -seed              (1)
#   STACKSIM_FUZZ_TARGETS    space-separated subset       (all targets)
#   STACKSIM_JOBS            build jobs and targets fuzzed at once (nproc)
# Extra arguments go to every libFuzzer run (e.g. -max_len=512 -only_ascii=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STACKSIM_FUZZ_BUILD_DIR:-$root/build-fuzz}"
time_s="${STACKSIM_FUZZ_TIME_S:-300}"
runs="${STACKSIM_FUZZ_RUNS:-100000}"
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
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="${cxx/clang++/clang}" >/dev/null
fi
cmake --build "$build" -j "$jobs"
built=$(date +%s)

targets="${STACKSIM_FUZZ_TARGETS:-$(cat "$build/fuzz_targets.txt")}"

# One target: fuzz it and write its one-line result to $build/results/<target> ("ok ..." or
# "FAILED ..."). Targets are independent processes with their own corpus, artifacts and log, so
# up to $jobs of them run at once (the inputs each one executes do not depend on that).
fuzz_one() {
  local t="$1"
  local seeds="$root/tests/fuzz/corpus/$t"
  local regressions="$root/tests/fuzz/regressions/$t"
  local work="$build/corpus/$t"          # fresh each run: libFuzzer adds what it finds here
  local artifacts="$build/artifacts/$t"
  local log="$build/logs/$t.log"
  local result="$build/results/$t"
  rm -rf "$work"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")" "$(dirname "$result")"
  local dirs=("$work" "$seeds")
  [ -d "$regressions" ] && dirs+=("$regressions")
  local rc=0
  local t0
  t0=$(date +%s.%N)
  "$build/tests/fuzz/$t" -seed="$seed" -max_total_time="$time_s" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: ...".
  local line execs cov secs eps
  line="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  execs="$(sed -n 's/.*stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")"
  secs="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  # Inputs per wall second of the whole run (libFuzzer's own exec/s is whole seconds, 0 for a short run).
  eps="$(awk -v n="${execs:-0}" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { if (b > a) printf "%d", n / (b - a) }')"
  if [ $rc -ne 0 ]; then
    printf '%-24s FAILED (exit %d) after %s s: see %s; input in %s\n' "$t" "$rc" "$secs" "$log" "$artifacts" >"$result"
    { echo "fuzz: $t FAILED; the end of its log:"; tail -n 40 "$log"; } >&2
  elif [ "${execs:-0}" -lt "$runs" ]; then
    # libFuzzer stops at -max_total_time too, with exit 0: fewer inputs than asked is a failure.
    printf '%-24s FAILED: %s of %s inputs in %s s (hang guard %s s hit)\n' "$t" "${execs:-0}" "$runs" "$secs" "$time_s" >"$result"
  else
    printf '%-24s ok  runs %-9s %6s s  exec/s %-7s cov %s\n' "$t" "${execs:-?}" "$secs" "${eps:-?}" "${cov:-?}" >"$result"
  fi
}

extra=("$@")
rm -rf "$build/results"
running=0
for t in $targets; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait
status=0
summary=()
for t in $targets; do
  if [ -f "$build/results/$t" ]; then
    summary+=("$(cat "$build/results/$t")")
  else
    summary+=("$(printf '%-24s FAILED: no result (the script itself failed)' "$t")")
  fi
  [[ "${summary[-1]}" == *" ok  "* ]] || status=1
done
end=$(date +%s)
echo "fuzz: build $((built - start)) s, fuzzing $((end - built)) s (${runs} inputs per target, $jobs targets at a time, hang guard ${time_s} s, seed $seed)"
printf 'fuzz: %s\n' "${summary[@]}"
exit $status
