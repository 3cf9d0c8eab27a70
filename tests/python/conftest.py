"""Shared fixtures: where the build is, and one run of the default scenario per session."""

import json
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("STACKSIM_BUILD_DIR", ROOT / "build"))
CLI = BUILD / "tools" / "cli" / "stacksim"


def run_cli(*args, check=True):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    proc = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"stacksim {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def interrupt_run(out, extra_args, once_csv_bytes):
    """Start `stacksim run scenarios/default.yaml --out OUT` for ten simulated hours (far longer
    than the wait), send SIGINT once its timeseries.csv has grown past once_csv_bytes (progress,
    not time, decides) and return (returncode, stderr)."""
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    proc = subprocess.Popen([str(CLI), "run", str(ROOT / "scenarios" / "default.yaml"), "--out", str(out), "--quiet",
                             "--set", "run.duration_s=36000", *map(str, extra_args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ts = pathlib.Path(out) / "timeseries.csv"
    while proc.poll() is None:
        if ts.exists() and ts.stat().st_size > once_csv_bytes:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before it was interrupted:\n{proc.stderr.read()}"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=600)
    return proc.returncode, stderr


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "wallclock: asserts wall-clock timing; tools/check.sh runs these tests alone, after the "
                   "others, never beside a parallel worker")


@pytest.fixture(scope="session")
def scenario_run(tmp_path_factory):
    """`scenario_run(path)` -> (CompletedProcess, output directory) of `stacksim run PATH --out OUT
    --quiet`, run once per test process and shared by every test that reads the same long run.
    Under pytest-xdist such tests carry the same `xdist_group` mark so that one worker runs them
    all (tools/check.sh distributes with --dist loadgroup). The run is not checked here: each
    test asserts what it needs, its exit status first."""
    runs = {}

    def get(path):
        path = pathlib.Path(path).resolve()
        if path not in runs:
            out = tmp_path_factory.mktemp(path.stem) / "out"
            runs[path] = (run_cli("run", path, "--out", out, "--quiet", check=False), out)
        return runs[path]
    return get


def shared_run_group(path):
    """The xdist_group of the tests that share `scenario_run(path)`."""
    return pytest.mark.xdist_group(f"run:{pathlib.Path(path).stem}")


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """Output directory of `stacksim run scenarios/default.yaml`."""
    out = tmp_path_factory.mktemp("default")
    run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet")
    return out


CAN_LINE = re.compile(r"^\(\d{10}\.\d{6}\) can0 ([0-9A-F]{3}|[0-9A-F]{8})#(R|([0-9A-F]{2}){0,8})$")


def check_interrupted_outputs(out, duration_s=36000):
    """The files of a run interrupted by SIGINT (CLI or Python) are complete and consistent:
    summary.json says so, every line of every file is whole and the counts agree."""
    ts = out / "timeseries.csv"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is False
    assert 0 < summary["simulated_s"] < summary["duration_s"] == duration_s

    # timeseries.csv: every row complete (as many numbers as header fields), times increasing,
    # as many rows as the summary says, the last one within a record period of the stop.
    lines = ts.read_text().split("\n")
    assert lines[-1] == "", "the file must end with a complete line"
    header = lines[0].split(",")
    # (an empty field is a value that does not exist yet: docs/outputs.md, "Missing values")
    rows = [[float(x) if x else float("nan") for x in line.split(",")] for line in lines[1:-1]]
    assert all(len(r) == len(header) for r in rows)
    assert len(rows) == summary["rows"]
    t = [r[0] for r in rows]
    assert all(b > a for a, b in zip(t, t[1:]))
    assert summary["simulated_s"] - 1.0 <= t[-1] <= summary["simulated_s"]

    # events.jsonl: every line a JSON object with the contract's keys.
    ev_text = (out / "events.jsonl").read_text()
    assert ev_text.endswith("\n")
    events = [json.loads(line) for line in ev_text.splitlines()]
    assert events and all({"t_s", "source", "kind", "details"} <= e.keys() for e in events)
    assert all(e["t_s"] <= summary["simulated_s"] for e in events)
    assert len(events) == summary["events"]

    # can.log (candump -L) and rs485.log: every line complete.
    can_text = (out / "can.log").read_text()
    assert can_text.endswith("\n")
    can_lines = can_text.splitlines()
    assert len(can_lines) == summary["can"]["frames"]
    assert all(CAN_LINE.match(line) for line in can_lines), [x for x in can_lines if not CAN_LINE.match(x)][:3]
    rs_text = (out / "rs485.log").read_text()
    assert rs_text.endswith("\n")
    for line in rs_text.splitlines():
        f = line.split()
        assert 5 <= len(f) <= 6 and float(f[0]) < float(f[1]) and f[4].startswith("~"), line
