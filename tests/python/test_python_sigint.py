"""Ctrl-C in Python: a long stacksim.run() or Simulation.run_for() gets SIGINT, raises
KeyboardInterrupt within a fraction of a second, and leaves the outputs written so far complete
and valid, as the command line's SIGINT path does (tests/python/test_sigint.py).

The child prints time.monotonic() (CLOCK_MONOTONIC, shared by every process) when it catches
the KeyboardInterrupt; the parent notes it before sending SIGINT: the difference is the Ctrl-C
latency, printed (not asserted; tools/bench/python_sigint_latency.py measures it repeatedly)."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

from conftest import BUILD, ROOT, check_interrupted_outputs

CHILD = textwrap.dedent('''
    import signal, sys, time
    # Python leaves SIGINT ignored when it starts with it ignored, as every command started in the
    # background by a non-interactive shell does (POSIX): the child stands for an interactive
    # session, so it takes Python's own Ctrl-C handler whatever launched the test suite.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import stacksim
    out, mode = sys.argv[1], sys.argv[2]
    try:
        if mode == "run":
            stacksim.run("scenarios/default.yaml", out=out, set=["run.duration_s=36000"])
        else:
            sim = stacksim.Simulation("scenarios/default.yaml", set=["run.duration_s=36000"], out=out)
            try:
                sim.run_for(36000.0)
            except KeyboardInterrupt:
                t_caught = time.monotonic()
                t_stop = sim.time_s
                sim.run_for(1.0)                 # still usable after the interrupt, then finished
                assert abs(sim.time_s - (t_stop + 1.0)) < 1e-9
                sim.finish()
                print("KeyboardInterrupt", t_caught, flush=True)
                sys.exit(0)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", time.monotonic(), flush=True)
        sys.exit(0)
    print("completed", flush=True)
''')


def interrupt_python(out, mode, once_csv_bytes=200_000):
    """Start the child, send SIGINT once its timeseries.csv has grown past once_csv_bytes;
    return (its stdout, the latency in s)."""
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"), SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(out), mode], cwd=str(ROOT), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ts = pathlib.Path(out) / "timeseries.csv"
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if ts.exists() and ts.stat().st_size > once_csv_bytes:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it was interrupted:\n{proc.communicate()}"
    t_sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("SIGINT did not stop the Python run within 120 s")
    assert proc.returncode == 0 and "KeyboardInterrupt" in stdout, (proc.returncode, stdout, stderr[-2000:])
    t_caught = float(stdout.split("KeyboardInterrupt", 1)[1].split()[0])
    return stdout, t_caught - t_sent


def test_ctrl_c_stops_stacksim_run_and_leaves_valid_outputs(tmp_path):
    out = tmp_path / "run"
    _, latency_s = interrupt_python(out, "run")
    print(f"Ctrl-C latency, stacksim.run: {1000 * latency_s:.1f} ms")
    check_interrupted_outputs(out)


def test_ctrl_c_stops_run_for_which_stays_usable(tmp_path):
    out = tmp_path / "step"
    _, latency_s = interrupt_python(out, "run_for")
    print(f"Ctrl-C latency, Simulation.run_for: {1000 * latency_s:.1f} ms")
    check_interrupted_outputs(out)
