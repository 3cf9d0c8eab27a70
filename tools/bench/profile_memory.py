#!/usr/bin/env python3
"""Memory and time of a large profile: a CSV file of N points (default 3 M) referenced by a
scenario, validated and run for a few simulated seconds; optionally the same points inline in the
YAML (--inline N) for comparison. Prints peak RSS (/usr/bin/time -v) and wall time of each, and
the memory per point above a constant-profile baseline. A benchmark, not a test: figures only.

    tools/bench/profile_memory.py [--points 3000000] [--inline 300000] [--cli build/tools/cli/stacksim]
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def measure(cmd, env):
    """(peak RSS in MB, wall seconds) of cmd, via GNU time."""
    proc = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return rss_kb / 1024.0, seconds


def scenario(profile_yaml, duration_s):
    return (f"name: profile_memory\nrun: {{duration_s: {duration_s}, step_s: 0.1, record_every: 10, vcd: false, "
            f"bus_logs: false}}\nstack: {{modules: 3, initial_soc_pct: 60}}\n"
            f"inverter:\n  protocol: pylontech\n  battery_power_w:\n{profile_yaml}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=3_000_000, help="points in the CSV profile")
    ap.add_argument("--inline", type=int, default=0, help="also measure this many points inline in the YAML")
    ap.add_argument("--run-s", type=float, default=10.0, help="simulated seconds of the short run")
    ap.add_argument("--cli", default=str(pathlib.Path(os.environ.get("STACKSIM_BUILD_DIR", ROOT / "build"))
                                        / "tools" / "cli" / "stacksim"))
    a = ap.parse_args()
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1", STACKSIM_SOURCE_DIR=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        with open(tmp / "p.csv", "w") as f:
            f.write("t_s,battery_power_w\n")
            for i in range(a.points):
                f.write(f"{i * 0.5!r},{(i % 7200) * 0.41 - 1500.0!r}\n")
        csv_mb = (tmp / "p.csv").stat().st_size / 2**20
        cases = [("constant profile (baseline)", "    0\n".replace("    0", "    points: [[0, 0]]"), 0, [])]
        cases.append((f"CSV, {a.points} points ({csv_mb:.1f} MB)",
                      "    interpolation: linear\n    csv: p.csv\n    column: battery_power_w\n", a.points,
                      ["--max-profile-mb", str(int(csv_mb) + 16)]))
        if a.inline:
            pts = ", ".join(f"[{i * 0.5!r}, {(i % 7200) * 0.41 - 1500.0!r}]" for i in range(a.inline))
            cases.append((f"inline YAML, {a.inline} points", f"    interpolation: linear\n    points: [{pts}]\n", a.inline,
                          ["--max-input-mb", "100000"]))
        print(f"{'case':44} {'validate':>22} {'run ' + format(a.run_s, 'g') + ' s':>22} {'B/point':>9}")
        base = None
        for name, prof, n, opts in cases:
            path = tmp / "s.yaml"
            path.write_text(scenario(prof, a.run_s))
            v_mb, v_s = measure([a.cli, "validate", path, *opts], env)
            r_mb, r_s = measure([a.cli, "run", path, "--out", tmp / "out", "--quiet", *opts], env)
            if base is None:
                base = (v_mb, r_mb)
            per_point = f"{(max(v_mb - base[0], r_mb - base[1])) * 2**20 / n:9.1f}" if n else f"{'-':>9}"
            print(f"{name:44} {v_mb:9.1f} MB {v_s:7.2f} s {r_mb:9.1f} MB {r_s:7.2f} s {per_point}")


if __name__ == "__main__":
    main()
