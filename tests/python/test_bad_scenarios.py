"""Malformed scenarios are refused before anything runs: the message names the file,
the line and the key path and says what was expected; exit code 2; nothing is written."""

import re

import pytest

from conftest import ROOT, run_cli

BASE = (ROOT / "scenarios" / "default.yaml").read_text()


def mutate(old, new):
    assert old in BASE, old
    return BASE.replace(old, new, 1)


CASES = [
    # (id, scenario text, expected key path or None, expected text)
    ("unknown_top_key", BASE + "colour: red\n", "colour", "unknown key"),
    ("modules_out_of_range", mutate("modules: 3", "modules: 40"), "stack.modules", "expected an integer in [1, 16]"),
    ("modules_wrong_type", mutate("modules: 3", "modules: three"), "stack.modules", "expected an integer"),
    ("duration_negative", mutate("duration_s: 3600", "duration_s: -5"), "run.duration_s", "expected a number in"),
    ("step_zero", mutate("step_s: 0.1", "step_s: 0"), "run.step_s", "expected a number in"),
    ("max_step_not_a_multiple", mutate("step_s: 0.1", "step_s: 0.1\n  max_step_s: 0.25"), "run.max_step_s",
     "expected a whole multiple of run.step_s (0.1 s)"),
    ("max_step_below_step", mutate("step_s: 0.1", "step_s: 0.1\n  max_step_s: 0.05"), "run.max_step_s",
     "expected a number in [0.1, 3600]"),
    ("record_every_zero", mutate("record_every: 10", "record_every: 0"), "run.record_every", "expected an integer in"),
    ("run_key_typo", mutate("duration_s: 3600", "duraton_s: 3600"), "run.duraton_s", "unknown key"),
    ("soc_out_of_range", mutate("initial_soc_pct: 60", "initial_soc_pct: 120"), "stack.initial_soc_pct",
     "expected a number in [0, 100]"),
    ("missing_cell_file", mutate("modules: 3", "modules: 3\n  cell_params: no/such/file.yaml"), "stack.cell_params",
     "does not exist"),
    ("missing_inverter", BASE.split("inverter:")[0] + "environment:\n  ambient_c: 25\n", "inverter",
     "missing required key"),
    ("unknown_protocol", mutate("protocol: pylontech", "protocol: tesla"), "inverter.protocol", "expected one of"),
    ("profile_time_goes_back", mutate("[1205, 0]", "[3, 0]"), "inverter.battery_power_w.points[2][0]",
     "expected a time after the previous point's 5"),
    ("profile_point_not_a_pair", mutate("[0, 0], [5, -3000]", "[0], [5, -3000]"), "inverter.battery_power_w.points[0]",
     "expected a point [t_s, value]"),
    ("ambient_out_of_range", mutate("ambient_c: 25", "ambient_c: 200"), "environment.ambient_c", "expected a number in"),
    ("can_bitrate_not_standard", BASE + "buses:\n  can_bitrate_bps: 300000\n", "buses.can_bitrate_bps",
     "one of 125000, 250000, 500000, 1000000"),
    ("unknown_topology", BASE + "wiring:\n  topology: ring\n", "wiring.topology", "expected one of"),
    ("negative_torque", BASE + "wiring:\n  contacts:\n    contact.m1.pos.m0: {torque_nm: -1}\n",
     "wiring.contacts.contact.m1.pos.m0.torque_nm", "expected a number in"),
    ("module_name_out_of_stack", mutate("initial_temp_c: 25", "initial_temp_c: 25\n  module:\n    m7: {initial_soc_pct: 50}"),
     "stack.module.m7", "expected a module name m0..m2"),
    ("missing_name", mutate("name: default\n", ""), "name", "missing required key"),
    ("seed_negative", mutate("seed: 1", "seed: -1"), "seed", "expected an integer in"),
    ("rs485_bridge_unknown_stream", BASE + "rs485:\n  bridge: serial:/dev/ttyUSB0\n", "rs485.bridge",
     "expected pty:PATH[@link|@m0] or tcp:[HOST:]PORT[@link|@m0], got 'serial:/dev/ttyUSB0': unknown stream"),
    ("rs485_bridge_unknown_position", BASE + "rs485:\n  bridge: tcp:5000@m1\n", "rs485.bridge",
     "unknown RS485 bridge position 'm1', expected one of: link, m0"),
    ("rs485_bridge_port_out_of_range", BASE + "rs485:\n  bridge: tcp:127.0.0.1:70000@link\n", "rs485.bridge",
     "bad [HOST:]PORT '127.0.0.1:70000' (PORT 0..65535)"),
    ("rs485_bridge_no_path", BASE + "rs485:\n  bridge: pty:@m0\n", "rs485.bridge", "no PATH after pty:"),
    ("rs485_bridge_not_a_string", BASE + "rs485:\n  bridge: [tcp, 5000]\n", "rs485.bridge", "expected"),
    ("rs485_bridge_without_realtime", BASE + "rs485:\n  bridge: tcp:0@m0\n", "rs485.bridge",
     "run.realtime (or --realtime) with rs485.bridge: host devices need wall-clock pacing"),
    ("rs485_key_typo", BASE + "rs485:\n  brigde: tcp:5000\n", "rs485.brigde", "unknown key"),
    ("yaml_syntax", BASE + "broken: [1, 2\n", None, "YAML syntax error"),
    ("unknown_cable_name", BASE + "wiring:\n  cables:\n    cable.pos.m7_m8: {length_m: 2}\n", None,
     "matches no cable"),
    # stack.firmware (docs/firmware.md)
    ("firmware_key_typo", mutate("modules: 3", "modules: 3\n  firmware: {isolaton: process}"),
     "stack.firmware.isolaton", "unknown key, expected one of: default, isolation, watchdog_s, i2c_hz, nv_dir"),
    ("firmware_module_out_of_stack", mutate("modules: 3", "modules: 3\n  firmware: {m7: builtin}"),
     "stack.firmware.m7", "expected a module name m0..m2"),
    ("firmware_missing_library", mutate("modules: 3", "modules: 3\n  firmware: {m1: no/such/libfw.so}"),
     "stack.firmware.m1", "does not exist"),
    ("firmware_i2c_rate", mutate("modules: 3", "modules: 3\n  firmware: {i2c_hz: 300000}"),
     "stack.firmware.i2c_hz", "100000 or 400000"),
    ("firmware_isolation", mutate("modules: 3", "modules: 3\n  firmware: {isolation: thread}"),
     "stack.firmware.isolation", "expected one of"),
    ("firmware_config_for_builtin",
     mutate("modules: 3", "modules: 3\n  firmware: {m1: {path: builtin, config: {k: 1}}}"),
     "stack.firmware.m1.path", "config goes to a firmware"),
    ("firmware_not_a_library", mutate("modules: 3", "modules: 3\n  firmware: {m1: models/params/module_4k4pro.yaml}"),
     None, "m1 firmware (stack.firmware)"),
]


@pytest.mark.parametrize("case_id,text,key,expected", CASES, ids=[c[0] for c in CASES])
def test_bad_scenario_is_refused_with_a_clear_message(tmp_path, case_id, text, key, expected):
    path = tmp_path / f"{case_id}.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert proc.returncode == 2, proc.stderr
    msg = proc.stderr
    assert expected in msg, msg
    assert str(path) in msg, msg
    if key is not None:
        assert f"key '{key}'" in msg, msg
        assert re.search(re.escape(str(path)) + r":\d+", msg), msg  # file:line
    assert not out.exists(), "nothing may be written for a bad scenario"


# --------------------------------------------------------------------------------------------
# Duplicate keys: a YAML map takes each key once. Editors and PyYAML keep the last of two, older
# stacksim kept the first: either way one of the two values was silently dropped. Refused instead,
# at the second occurrence, in scenarios, parameter files and overrides.

def line_of(text, needle, occurrence=2):
    """1-based line of the n-th line of text that starts (after indentation) with needle."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if line.lstrip().startswith(needle)]
    return hits[occurrence - 1]


def assert_refused(proc, out, file, line, key, expected):
    assert proc.returncode == 2, proc.stderr
    where = f"{file}:{line}: key '{key}'" if line else f"{file}: key '{key}'"
    assert where in proc.stderr, proc.stderr
    assert expected in proc.stderr, proc.stderr
    assert not out.exists(), "nothing may be written for a bad scenario"


def test_duplicate_scenario_key_is_refused(tmp_path):
    text = mutate("  duration_s: 3600\n", "  duration_s: 60\n  duration_s: 120\n")
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert_refused(proc, out, path, line_of(text, "duration_s:"), "run.duration_s",
                   f"duplicate key (first at line {line_of(text, 'duration_s:', 1)})")


def test_duplicate_key_in_a_flow_map_is_refused(tmp_path):
    text = BASE + "buses: {rs485_baud: 9600, rs485_baud: 19200}\n"
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert_refused(proc, out, path, line_of(text, "buses:", 1), "buses.rs485_baud", "duplicate key")


def test_duplicate_key_in_a_parameter_file_is_refused(tmp_path):
    params = (ROOT / "models" / "params" / "module_4k4pro.yaml").read_text()
    ccl = next(line for line in params.splitlines() if line.lstrip().startswith("ccl_a:"))
    bad = params.replace(ccl, ccl + "\n" + ccl.replace("50.0", "80.0"), 1)
    pfile = tmp_path / "module_dup.yaml"
    pfile.write_text(bad)
    path = tmp_path / "s.yaml"
    path.write_text(mutate("modules: 3", f"modules: 3\n  module_params: {pfile}"))
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert_refused(proc, out, pfile, line_of(bad, "ccl_a:"), "bms.limits.ccl_a", "duplicate key")


def test_duplicate_key_in_the_parameters_block_is_refused(tmp_path):
    text = BASE + "parameters:\n  module:\n    bms.limits.ccl_a: 40\n    bms.limits.ccl_a: 30\n"
    path = tmp_path / "s.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert_refused(proc, out, path, line_of(text, "bms.limits.ccl_a:"), "parameters.module.bms.limits.ccl_a",
                   "duplicate key")


def test_one_parameter_overridden_twice_in_two_spellings_is_refused(tmp_path):
    # Dotted and nested forms name the same entry (docs/scenarios.md, "Parameter overrides").
    text = BASE + "parameters:\n  module:\n    bms.limits.ccl_a: 40\n    bms:\n      limits:\n        ccl_a: 30\n"
    path = tmp_path / "s.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert_refused(proc, out, path, line_of(text, "ccl_a:", 1), "parameters.module.bms.limits.ccl_a",
                   f"'bms.limits.ccl_a' is overridden twice (also at line {line_of(text, 'bms.limits.ccl_a:', 1)})")


def test_a_later_set_of_the_same_path_wins():
    # Not a duplicate key: command-line options apply in order (a script's defaults first, the
    # caller's choices after), unlike two keys of one YAML map, which no reader orders the same way.
    proc = run_cli("validate", ROOT / "scenarios" / "default.yaml", "--set", "run.duration_s=60",
                   "--set", "run.duration_s=120")
    assert "valid (3 modules, 120 s)" in proc.stdout, proc.stdout


def test_duplicate_key_inside_a_set_value_is_refused(tmp_path):
    out = tmp_path / "out"
    path = ROOT / "scenarios" / "default.yaml"
    proc = run_cli("run", path, "--out", out, "--quiet", "--set", "run={duration_s: 60, duration_s: 120}", check=False)
    assert_refused(proc, out, f"{path} (--set run)", 0, "run.duration_s", "duplicate key")


def test_python_edits_of_one_path_keep_the_last():
    # Scenario.set is an edit API: a path set again replaces the earlier edit (one override per
    # path, as the command line's later --set wins).
    import stacksim

    sc = stacksim.Scenario.from_yaml(ROOT / "scenarios" / "default.yaml")
    sc.set("run.duration_s", 60).set("stack.modules", 2).set("run.duration_s", 2)
    assert sc.overrides() == ["stack.modules=2", "run.duration_s=2"]
    sim = stacksim.Simulation(sc)
    assert sim.duration_s == 2
