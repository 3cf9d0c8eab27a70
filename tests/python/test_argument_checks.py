"""Bad arguments get clear errors, never a wrap-around, a hang or pybind's signature dump:
the seed's range (one definition for the scenario key, the CLI and Python), time arguments of
the stepping API and the netlist command, and the Python argument types."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import BUILD, ROOT, run_cli

import stacksim

DEFAULT = ROOT / "scenarios" / "default.yaml"
# JSON's safe-integer range (RFC 8259 §6; Number.MAX_SAFE_INTEGER): summary.json carries the seed.
SEED_MAX = 2**53 - 1
RANGE_TEXT = f"[0, {SEED_MAX}]"


# --- seed range (one definition: scenario key, CLI --seed, Python seed=) ---

def test_cli_negative_seed_is_refused_not_wrapped(tmp_path):
    for cmd in (["run", DEFAULT, "--out", tmp_path / "o", "--quiet", "--set", "run.duration_s=1"],
                ["sweep", DEFAULT, "--vary", "run.step_s=0.1", "--out", tmp_path / "s"]):
        p = run_cli(*cmd, "--seed", "-3", check=False)
        assert p.returncode == 2, (cmd, p.returncode, p.stderr)
        assert "--seed" in p.stderr and RANGE_TEXT in p.stderr and "-3" in p.stderr, p.stderr
        assert "18446744073709551613" not in p.stdout + p.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_cli_seed_beyond_json_safe_integers_is_refused(tmp_path):
    p = run_cli("run", DEFAULT, "--out", tmp_path / "o", "--seed", str(SEED_MAX + 1), "--quiet", check=False)
    assert p.returncode == 2 and RANGE_TEXT in p.stderr, p.stderr
    p = run_cli("run", DEFAULT, "--out", tmp_path / "o", "--seed", "abc", "--quiet", check=False)
    assert p.returncode == 2 and RANGE_TEXT in p.stderr, p.stderr


def test_cli_largest_seed_round_trips_through_summary_json(tmp_path):
    run_cli("run", DEFAULT, "--out", tmp_path / "o", "--seed", str(SEED_MAX), "--quiet", "--set", "run.duration_s=1")
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["seed"] == SEED_MAX


def test_scenario_seed_key_has_the_same_range():
    p = run_cli("validate", DEFAULT, "--set", f"seed={SEED_MAX + 1}", check=False)
    assert p.returncode == 2 and "seed" in p.stderr and RANGE_TEXT in p.stderr, p.stderr
    run_cli("validate", DEFAULT, "--set", f"seed={SEED_MAX}")
    schema = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert (schema["properties"]["seed"]["minimum"], schema["properties"]["seed"]["maximum"]) == (0, SEED_MAX)


@pytest.mark.parametrize("seed", [-1, SEED_MAX + 1, 2**64 + 5])
def test_python_seed_out_of_range_is_a_value_error_naming_the_range(seed):
    with pytest.raises(ValueError, match=r"seed.*" + RANGE_TEXT.replace("[", r"\[").replace("]", r"\]")):
        stacksim.Simulation(DEFAULT, seed=seed)
    with pytest.raises(ValueError, match="seed"):
        stacksim.run(DEFAULT, seed=seed)
    with pytest.raises(ValueError, match="seed"):
        stacksim.Scenario.from_yaml(DEFAULT).seed = seed


@pytest.mark.parametrize("seed", [1.5, "x", "3", True, [1]])
def test_python_seed_of_the_wrong_type_is_a_type_error(seed):
    with pytest.raises(TypeError) as e:
        stacksim.Simulation(DEFAULT, seed=seed)
    msg = str(e.value)
    assert "seed" in msg and "integer" in msg and "incompatible" not in msg, msg
    with pytest.raises(TypeError, match="seed"):
        stacksim.Scenario.from_yaml(DEFAULT).seed = seed


def test_python_numpy_integer_seed_is_accepted():
    a = stacksim.run(DEFAULT, seed=np.int64(7), set=["run.duration_s=2"])
    b = stacksim.run(DEFAULT, seed=7, set=["run.duration_s=2"])
    assert a.summary["seed"] == b.summary["seed"] == 7
    np.testing.assert_array_equal(a.series("stack.voltage_v"), b.series("stack.voltage_v"))


# --- set= : a single string is one override, never its characters ---

def test_set_as_a_single_string_is_one_override():
    r = stacksim.run(DEFAULT, set="run.duration_s=3")
    assert r.summary["duration_s"] == 3
    sim = stacksim.Simulation(DEFAULT, set="run.duration_s=4")
    assert sim.duration_s == 4
    sim = stacksim.Simulation(stacksim.Scenario.from_yaml(DEFAULT), set="run.duration_s=5")
    assert sim.duration_s == 5


@pytest.mark.parametrize("bad", [5, [1, 2], ["run.duration_s=5", None], b"run.duration_s=5"])
def test_set_of_the_wrong_type_is_a_clear_type_error(bad):
    with pytest.raises(TypeError, match=r"set.*dotted\.path=value"):
        stacksim.run(DEFAULT, set=bad)


# --- numpy values in scenarios ---

def test_numpy_scalars_and_arrays_in_from_dict_and_set():
    d = yaml_default()
    d["run"]["duration_s"] = np.int64(3)
    d["run"]["step_s"] = np.float64(0.1)
    d["stack"]["initial_soc_pct"] = np.float32(60.0)
    d["inverter"]["battery_power_w"] = {"points": np.array([[0.0, 0.0], [1.0, -1000.0]])}
    sc = stacksim.Scenario.from_dict(d, base_dir=str(DEFAULT.parent))
    sc.set("run.duration_s", np.int32(2)).set("stack.initial_soc_pct", np.float64(55.5))
    r = stacksim.run(sc)
    assert r.summary["duration_s"] == 2
    plain = yaml_default()
    plain["run"]["duration_s"] = 2
    plain["run"]["step_s"] = 0.1
    plain["stack"]["initial_soc_pct"] = 55.5
    plain["inverter"]["battery_power_w"] = {"points": [[0.0, 0.0], [1.0, -1000.0]]}
    ref = stacksim.run(stacksim.Scenario.from_dict(plain, base_dir=str(DEFAULT.parent)))
    np.testing.assert_array_equal(r.series("stack.voltage_v"), ref.series("stack.voltage_v"))


def yaml_default():
    import yaml

    return yaml.safe_load(DEFAULT.read_text())


# --- time arguments (checked by the C++ simulation API: CLI and Python alike) ---

def _python_in_subprocess(code, timeout=120):
    """Run code in a fresh interpreter (a hang must fail the test, not stall the suite)."""
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"), SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    try:
        p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                           env=env, timeout=timeout, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not return within {timeout} s:\n{code}")
    return p


def test_netlist_at_nan_or_inf_is_bad_input_not_a_hang(tmp_path):
    for at in ("nan", "inf", "-inf", "1e308", "-1"):
        try:
            p = subprocess.run([str(BUILD / "tools" / "cli" / "stacksim"), "netlist", str(DEFAULT), "--at", at,
                                "--out", str(tmp_path / "n.cir")], capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        except subprocess.TimeoutExpired:
            pytest.fail(f"netlist --at {at} hangs")
        assert p.returncode == 2, (at, p.returncode, p.stderr)
        assert "--at" in p.stderr and at.lstrip("-") in p.stderr.lower(), (at, p.stderr)
        assert not (tmp_path / "n.cir").exists()


@pytest.mark.parametrize("call,match", [
    ("sim.run_for(float('nan'))", "finite"),
    ("sim.run_for(float('inf'))", "finite"),
    ("sim.run_for(1e308)", "maximum"),
    ("sim.run_until(float('nan'))", "finite"),
    ("sim.run_until(float('-inf'))", "finite"),
    ("sim.run_until(1e308)", "maximum"),
    ("sim.run_for(-1.0)", "negative"),
    ("sim.run_until(1.0)", "past"),
])
def test_stepping_time_arguments_are_checked(call, match):
    p = _python_in_subprocess(f"""
        import stacksim
        sim = stacksim.Simulation("scenarios/default.yaml")
        sim.run_until(2.0)
        try:
            {call}
        except ValueError as e:
            print("ValueError:", e)
            assert sim.time_s == 2.0, sim.time_s
            sim.run_for(0.5)                      # still usable, at the same time
            print("after", sim.time_s)
        else:
            print("no error; time", sim.time_s)
        """)
    assert p.returncode == 0, p.stderr
    assert "ValueError:" in p.stdout and match in p.stdout, p.stdout
    assert "after 2.5" in p.stdout, p.stdout
