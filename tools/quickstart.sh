#!/usr/bin/env bash
# README command (a): install what is missing, build, run the default scenario, print its
# summary and write results/default/ (outputs + report).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup/install-deps.sh"
"$root/tools/build.sh"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
"$root/build/tools/cli/stacksim" run "$root/scenarios/default.yaml" --out "$root/results/default"
# The report of that run: results/default/report.md with PNG plots (tools/report.py).
/usr/bin/python3 "$root/tools/report.py" "$root/results/default"
