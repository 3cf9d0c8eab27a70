#!/usr/bin/env bash
# Configure and build stacksim (Release) into build/, then make `import stacksim` work for
# Debian's /usr/bin/python3 by dropping a .pth file that points at build/python.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STACKSIM_BUILD_DIR:-$root/build}"
jobs="${STACKSIM_JOBS:-$(nproc)}"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
cmake --build "$build" -j "$jobs"

# Python: the package lives in build/python (pure-Python files copied next to _core*.so).
site="$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')"
pth="$site/stacksim.pth"
if [ -w "$site" ] || [ "$(id -u)" -eq 0 ]; then
  if [ ! -f "$pth" ] || [ "$(cat "$pth")" != "$build/python" ]; then
    echo "$build/python" > "$pth"
    echo "build: /usr/bin/python3 finds stacksim through $pth"
  fi
else
  echo "build: cannot write $pth; use PYTHONPATH=$build/python" >&2
fi
