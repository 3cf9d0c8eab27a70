"""Library scenario names on the command line: the same lookup as Python's
stacksim.scenario_path, from any working directory, a path as given first."""

import os
import subprocess

import pytest

from conftest import CLI, ROOT

import stacksim

DEFAULT = ROOT / "scenarios" / "default.yaml"


# --- library names on the command line ---

@pytest.mark.parametrize("name", ["default", "cold_morning", "cable_loss/manual_cables", "scenarios/default.yaml"])
def test_cli_resolves_library_names_from_any_directory(tmp_path, name):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    expected = stacksim.scenario_path(name)
    for cmd in (["validate", name], ["describe", name]):
        p = subprocess.run([str(CLI), *cmd], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert p.returncode == 0, f"stacksim {' '.join(cmd)} from {tmp_path}: {p.stderr}"
    p = subprocess.run([str(CLI), "netlist", name, "--at", "0"], capture_output=True, text=True, env=env,
                       cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert os.path.isfile(expected)


def test_cli_explicit_path_in_the_working_directory_comes_first(tmp_path):
    # A file named like a library scenario in the working directory wins over the library.
    local = tmp_path / "default"
    local.write_text(DEFAULT.read_text().replace("duration_s:", "duration_s: 7 #", 1))
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    p = subprocess.run([str(CLI), "validate", "default"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "7 s" in p.stdout


def test_cli_unknown_scenario_name_lists_where_it_looked(tmp_path):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    p = subprocess.run([str(CLI), "run", "no_such_scenario"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert p.returncode == 2
    assert "no_such_scenario" in p.stderr and "library" in p.stderr
    assert not (tmp_path / "results").exists()
