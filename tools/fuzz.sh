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
#   STACKSIM_JOBS            build jobs                   (nproc)
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
  t0=$(date +%s.%N)
  "$build/tests/fuzz/$t" -seed="$seed" -max_total_time="$time_s" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E rss: ...".
  line="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  execs="$(sed -n 's/.*stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")"
  secs="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  # Inputs per wall second of the whole run (libFuzzer's own exec/s is whole seconds, 0 for a short run).
  eps="$(awk -v n="${execs:-0}" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { if (b > a) printf "%d", n / (b - a) }')"
  if [ $rc -ne 0 ]; then
    status=1
    summary+=("$(printf '%-24s FAILED (exit %d) after %s s: see %s; input in %s' "$t" "$rc" "$secs" "$log" "$artifacts")")
    echo "fuzz: $t FAILED; the end of its log:" >&2
    tail -n 40 "$log" >&2
  elif [ "${execs:-0}" -lt "$runs" ]; then
    # libFuzzer stops at -max_total_time too, with exit 0: fewer inputs than asked is a failure.
    status=1
    summary+=("$(printf '%-24s FAILED: %s of %s inputs in %s s (hang guard %s s hit)' "$t" "${execs:-0}" "$runs" "$secs" "$time_s")")
  else
    summary+=("$(printf '%-24s ok  runs %-9s %6s s  exec/s %-7s cov %s' "$t" "${execs:-?}" "$secs" "${eps:-?}" "${cov:-?}")")
  fi
done
end=$(date +%s)
echo "fuzz: build $((built - start)) s, fuzzing $((end - built)) s (${runs} inputs per target, hang guard ${time_s} s, seed $seed)"
printf 'fuzz: %s\n' "${summary[@]}"
exit $status
