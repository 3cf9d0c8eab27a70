"""Shared fixtures: where the build is, and one run of the default scenario per session."""

import os
import pathlib
import subprocess

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


@pytest.fixture(scope="session")
def default_run(tmp_path_factory):
    """Output directory of `stacksim run scenarios/default.yaml`."""
    out = tmp_path_factory.mktemp("default")
    run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet")
    return out
