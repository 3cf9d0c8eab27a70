#!/usr/bin/env bash
# Configure and build stacksim (Release) into build/, then make `import stacksim` work for
# Debian's /usr/bin/python3 (a .pth file naming build/python, see tools/install_pth.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STACKSIM_BUILD_DIR:-$root/build}"
jobs="${STACKSIM_JOBS:-$(nproc)}"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
cmake --build "$build" -j "$jobs"

# Python: the package lives in build/python (pure-Python files copied next to _core*.so).
# /usr/bin/python3 finds it through a stacksim.pth file, written when there is none (or a stale
# one) and never silently taken from another checkout's build (tools/install_pth.sh;
# STACKSIM_PTH=force|never).
"$root/tools/install_pth.sh" "$build/python"
