#!/usr/bin/env python3
"""Benchmark of wall-clock mode (docs/cosim.md §6): pacing lateness and host-frame latency.

1. The default scenario in wall-clock mode with the CAN bridge open (socketcand on 127.0.0.1)
   and a python-can client sending 100 frames/s for DURATION s: lateness p50/p99/max of the
   kernel's time points and the latency from a host frame's arrival to the simulated bus.
2. The cost of wall-clock mode with 1, 4 and 16 modules: CPU seconds of the stacksim process per
   wall second (the load it puts on one core) and its lateness, for a SCALING s run each.

--fifo runs stacksim under `chrt -f 10` (SCHED_FIFO, needs root or CAP_SYS_NICE): the pacer is
then not pre-empted by other work on a loaded machine (docs/cosim.md §6).

A benchmark, not a test: it prints figures and asserts nothing. Run from the repository root:
    /usr/bin/python3 tools/bench/cosim_lateness.py [--duration 60] [--scaling 20] [--fifo]
"""
import argparse
import json
import os
import pathlib
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

import can

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("STACKSIM_BUILD_DIR", ROOT / "build")) / "tools" / "cli" / "stacksim"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PREFIX = []


def start(out, *args):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    return subprocess.Popen([*PREFIX, str(CLI), "run", "default", "--out", str(out), "--quiet", "--realtime",
                             "--set", "run.duration_s=.inf", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stop(proc):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def connect(port, timeout_s=10):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return can.Bus(interface="socketcand", host="127.0.0.1", port=port, channel="can0")
        except OSError:
            time.sleep(0.05)
    raise SystemExit("no socketcand server")


def fmt(h):
    return f"p50 {h['p50_ms']:.3f} ms, p99 {h['p99_ms']:.3f} ms, max {h['max_ms']:.3f} ms ({h['samples']} samples)"


def lateness_run(duration_s):
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc = start(pathlib.Path(tmp) / "out", "--can-bridge", f"socketcand:127.0.0.1:{port}")
        bus = connect(port)
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < duration_s:
            target = t0 + n * 0.01
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            bus.send(can.Message(arbitration_id=0x7A0, data=n.to_bytes(4, "big"), is_extended_id=False))
            n += 1
            while bus.recv(timeout=0) is not None:
                pass
        bus.shutdown()
        stop(proc)
        s = json.loads((pathlib.Path(tmp) / "out" / "summary.json").read_text())
        w = s["wallclock"]
        print(f"CAN bridge, {n} host frames in {duration_s:.0f} s (100 frames/s):")
        print(f"  kernel lateness   {fmt(w['lateness'])}")
        print(f"  host frame -> bus {fmt(w['input_latency'])}")
        print(f"  behind episodes   {w['behind_episodes']}; endpoint {w['endpoints'][0]}")


def scaling_run(seconds):
    print(f"cost of wall-clock mode ({seconds:.0f} s each, factor 1):")
    for modules in (1, 4, 16):
        with tempfile.TemporaryDirectory() as tmp:
            out = pathlib.Path(tmp) / "out"
            args = ["--set", f"stack.modules={modules}"]
            if modules > 5:
                args += ["--set", "wiring.topology=loop"]
            proc = start(out, *args)
            time.sleep(seconds)
            cpu = stop(proc)
            s = json.loads((out / "summary.json").read_text())
            w = s["wallclock"]
            print(f"  {modules:2d} modules: CPU {cpu / s['wall_s'] * 100:5.1f} % of one core; lateness {fmt(w['lateness'])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--scaling", type=float, default=20.0)
    ap.add_argument("--fifo", action="store_true", help="run stacksim under chrt -f 10")
    a = ap.parse_args()
    if a.fifo:
        PREFIX[:] = ["chrt", "-f", "10"]
    print(f"stacksim {'under chrt -f 10' if a.fifo else 'at normal priority'}; load average {os.getloadavg()[0]:.2f}")
    lateness_run(a.duration)
    scaling_run(a.scaling)


if __name__ == "__main__":
    sys.exit(main())
