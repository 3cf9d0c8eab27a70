#!/usr/bin/env bash
# README command (b): install what is missing, build, run every test (CTest: C++; pytest: Python;
# tools/fuzz.sh: the fuzz targets). Every suite runs; any failure makes the exit status non-zero.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup/install-deps.sh"
"$root/tools/build.sh"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
status=0
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)") || status=$?
# Python: the tests that assert wall-clock timing (marker `wallclock`) run alone after the others,
# which run in one pytest-xdist worker per core (tests sharing a long run share a worker: loadgroup).
PYTHONPATH="$root/build/python" /usr/bin/python3 -m pytest -q -n "$(nproc)" --dist loadgroup -m "not wallclock" \
  "$root/tests/python" || status=$?
PYTHONPATH="$root/build/python" /usr/bin/python3 -m pytest -q -m wallclock "$root/tests/python" || status=$?
# Fuzz targets of the parsers of outside bytes (clang, ASan + UBSan), bounded; own build dir.
"$root/tools/fuzz.sh" || status=$?
exit $status
