#!/usr/bin/env python3
"""Benchmark: run speed of a scenario with every module's BMS as the example firmware
(models/firmware/example) against the built-in BMS: simulated seconds per wall second, from each
run's summary.json (simulated_s / wall_s), best of --repeat runs.

A benchmark, not a test: it prints figures and asserts nothing. Run from the repository root:
    /usr/bin/python3 tools/bench/firmware_speed.py [--scenario scenarios/default.yaml] [--repeat 3]
        [--set run.duration_s=600] [--firmware-set stack.firmware.default=example]
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("STACKSIM_BUILD_DIR", ROOT / "build")) / "tools" / "cli" / "stacksim"


def run(scenario, sets, out):
    args = [str(CLI), "run", str(scenario), "--out", str(out), "--quiet"]
    for s in sets:
        args += ["--set", s]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True,
                          env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
    wall = time.perf_counter() - t0
    path = pathlib.Path(out) / "summary.json"
    if not path.exists():
        raise SystemExit(f"stacksim {' '.join(args[1:])} wrote no summary (exit {proc.returncode}):\n{proc.stderr}")
    summary = json.loads(path.read_text())
    return proc.returncode, wall, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "default.yaml"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], help="extra --set for both runs")
    ap.add_argument("--firmware-set", default="stack.firmware.default=example")
    a = ap.parse_args()
    rows = []
    for label, sets in (("built-in BMS", a.set), ("example firmware", a.set + [a.firmware_set])):
        best = None
        for _ in range(a.repeat):
            with tempfile.TemporaryDirectory() as out:
                rc, wall, summary = run(a.scenario, sets, out)
            if best is None or wall < best[1]:
                best = (rc, wall, summary)
        rc, wall, summary = best
        sim = summary["simulated_s"]
        rows.append((label, rc, sim, summary.get("wall_s", float("nan")), wall, sim / wall))
    print(f"scenario {a.scenario}, best of {a.repeat}")
    print(f"{'BMS':<18} {'exit':>4} {'simulated s':>12} {'run wall s':>11} {'process wall s':>15} {'sim/wall':>10}")
    for label, rc, sim, run_wall, wall, factor in rows:
        print(f"{label:<18} {rc:>4} {sim:>12.1f} {run_wall:>11.3f} {wall:>15.3f} {factor:>10.0f}")
    print(f"firmware / built-in wall time: {rows[1][4] / rows[0][4]:.2f}")


if __name__ == "__main__":
    main()
