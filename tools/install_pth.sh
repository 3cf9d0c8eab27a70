#!/usr/bin/env bash
# Make `import stacksim` work for Debian's /usr/bin/python3 through a stacksim.pth file in its
# site-packages that names a build's python/ directory -- without ever silently taking over from
# another checkout's build:
#   - no stacksim.pth yet, or it names a directory without a stacksim package (a deleted or
#     moved build): write it, and say so;
#   - it names this build: nothing to do;
#   - it names another existing build: leave it, and say loudly which build /usr/bin/python3
#     imports and how to use this one (PYTHONPATH, or STACKSIM_PTH=force).
# Usage: tools/install_pth.sh BUILD/python   (called by tools/build.sh)
# STACKSIM_PTH=auto (default) | force (point it at this build) | never (leave it alone).
# STACKSIM_SITE_DIR: the site-packages directory (default: /usr/bin/python3's first one; tests).
set -euo pipefail
pkg="${1:?usage: install_pth.sh BUILD/python}"
mode="${STACKSIM_PTH:-auto}"
site="${STACKSIM_SITE_DIR:-$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')}"
pth="$site/stacksim.pth"

case "$mode" in auto|force|never) ;; *) echo "install_pth: STACKSIM_PTH must be auto, force or never, got '$mode'" >&2; exit 2 ;; esac
[ "$mode" = never ] && exit 0

current=""
[ -f "$pth" ] && current="$(head -n 1 "$pth")"
if [ "$current" = "$pkg" ]; then
  echo "build: /usr/bin/python3 imports stacksim from this build ($pkg, through $pth)"
  exit 0
fi

banner() { printf '\n==== stacksim.pth ====\n%s\n======================\n\n' "$1" >&2; }

if [ -n "$current" ] && [ -f "$current/stacksim/__init__.py" ] && [ "$mode" != force ]; then
  banner "/usr/bin/python3 imports stacksim from ANOTHER build: $current
(named by $pth), not from this one. Left as it is. To use this build:
  PYTHONPATH=$pkg /usr/bin/python3 ...
or make it the default for /usr/bin/python3:
  STACKSIM_PTH=force tools/build.sh
stacksim.build_info() tells which build a Python session has imported."
  exit 0
fi

if ! { [ -w "$site" ] || [ "$(id -u)" -eq 0 ]; }; then
  echo "build: cannot write $pth; use PYTHONPATH=$pkg" >&2
  exit 0
fi
echo "$pkg" > "$pth"
if [ -z "$current" ]; then
  echo "build: /usr/bin/python3 finds stacksim through $pth -> $pkg"
elif [ -f "$current/stacksim/__init__.py" ]; then
  banner "$pth now points /usr/bin/python3 at THIS build: $pkg
(it named $current before; STACKSIM_PTH=force)."
else
  banner "$pth now points /usr/bin/python3 at THIS build: $pkg
(it named $current, which holds no stacksim package any more)."
fi
