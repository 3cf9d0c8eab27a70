"""Shared fixtures: where the build is, and one run of the default scenario per session."""

import os
import pathlib
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


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """Output directory of `stacksim run scenarios/default.yaml`."""
    out = tmp_path_factory.mktemp("default")
    run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet")
    return out
