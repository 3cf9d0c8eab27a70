#!/usr/bin/env python3
"""Ctrl-C latency of the Python API: SIGINT sent -> KeyboardInterrupt caught, for stacksim.run()
and Simulation.run_for() on a ten-hour default scenario, N times each; prints median and max.

    PYTHONPATH=build/python /usr/bin/python3 tools/bench/python_sigint_latency.py [N]

Both times are time.monotonic() (CLOCK_MONOTONIC, shared by the processes). A benchmark, not a
test: tests/python/test_python_sigint.py checks the behaviour."""

import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
import stacksim
out, mode = sys.argv[1], sys.argv[2]
try:
    if mode == "run":
        stacksim.run("default", out=out, set=["run.duration_s=36000"])
    else:
        stacksim.Simulation("default", set=["run.duration_s=36000"], out=out).run_for(36000.0)
except KeyboardInterrupt:
    print(time.monotonic(), flush=True)
"""


def once(mode: str, wait_s: float) -> float:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, out, mode], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True,
                                env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        ts = pathlib.Path(out) / "timeseries.csv"
        deadline = time.monotonic() + 120
        while not ts.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(wait_s)  # somewhere inside the run
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=120)
        return float(stdout.split()[0]) - sent


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for mode in ("run", "run_for"):
        lat_ms = [1000.0 * once(mode, 0.5 + 0.137 * k) for k in range(n)]
        print(f"{mode:8s} Ctrl-C latency over {n} runs: median {statistics.median(lat_ms):.1f} ms, "
              f"max {max(lat_ms):.1f} ms")


if __name__ == "__main__":
    main()
