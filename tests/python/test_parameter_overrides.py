"""A scenario's `parameters:` section and `--set parameters.<file>.<path>=value` override
entries of the parameter files (module, cell, wiring). The value takes effect, `describe` shows where
it came from, and a wrong path or value is refused with the override's file, line and key path."""

import json
import re

import pytest

from conftest import ROOT, run_cli

BASE = (ROOT / "scenarios" / "default.yaml").read_text()
OC = ROOT / "scenarios" / "library" / "oc_sub_dropout.yaml"


def describe(path, *sets):
    args = ["describe", path]
    for s in sets:
        args += ["--set", s]
    rows = {}
    for line in run_cli(*args).stdout.splitlines():
        parts = line.split(None, 2)
        rows.setdefault(parts[0], (parts[1], parts[2] if len(parts) > 2 else ""))
    return rows


def test_set_reaches_the_module_file_and_says_so():
    plain = describe(ROOT / "scenarios" / "default.yaml")
    assert plain["bms.limits.ccl_a"][0] == "50.0"
    over = describe(ROOT / "scenarios" / "default.yaml", "parameters.module.bms.limits.ccl_a=40")
    value, source = over["bms.limits.ccl_a"]
    assert value == "40"
    assert source.startswith("override at " + str(ROOT / "scenarios" / "default.yaml") +
                             " (--set parameters.module.bms.limits.ccl_a); file value 50.0: ")
    assert plain["bms.limits.ccl_a"][1] in source  # the file's own source is kept for the record


def test_nested_and_dotted_forms_are_the_same(tmp_path):
    nested = tmp_path / "nested.yaml"
    nested.write_text(BASE + "parameters:\n  module:\n    bms:\n      limits:\n        ccl_a: 30\n"
                             "  cell:\n    module_thermal:\n      case_to_ambient_w_per_k: {value: 7.5, source: \"my lab, 2026\"}\n")
    dotted = tmp_path / "dotted.yaml"
    dotted.write_text(BASE + "parameters:\n  module: {bms.limits.ccl_a: 30}\n"
                             "  cell: {module_thermal.case_to_ambient_w_per_k: {value: 7.5, source: \"my lab, 2026\"}}\n")
    a, b = describe(nested), describe(dotted)
    assert a["bms.limits.ccl_a"][0] == b["bms.limits.ccl_a"][0] == "30"
    assert a["module_thermal.case_to_ambient_w_per_k"] == b["module_thermal.case_to_ambient_w_per_k"] == ("7.5", "my lab, 2026")
    assert re.match(r"override at .*nested\.yaml:\d+; file value 50\.0", a["bms.limits.ccl_a"][1])


def test_lower_ccl_reaches_the_can_bus(tmp_path):
    # The BMS CCL per module (50 A in the file) capped at 20 A: the master sums 3 modules = 60 A.
    run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", tmp_path / "o", "--quiet",
            "--set", "run.duration_s=30", "--set", "parameters.module.bms.limits.ccl_a=20")
    header, *rows = (tmp_path / "o" / "timeseries.csv").read_text().splitlines()
    col = header.split(",").index("stack.ccl_a")
    ccl = [float(r.split(",")[col]) for r in rows if r.split(",")[col]]  # empty before the first CAN cycle
    assert max(ccl) == pytest.approx(60.0, abs=1e-9)


def test_set_mutation_makes_the_overcurrent_expectation_fail(tmp_path):
    # The same mutation as test_scenario_library's file copy, as a one-line override.
    proc = run_cli("run", OC, "--out", tmp_path / "o", "--quiet",
                   "--set", "parameters.module.bms.protection.discharge_oc.protection=[110.0, 1.0, 9999.0, 30.0]",
                   check=False)
    assert proc.returncode == 3, proc.stderr
    assert "expectation failed: m0 trips on discharge over-current within 2.5 s" in proc.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["completed"] is True and summary["expectations_passed"] is False


BAD = [
    # (id, appended YAML, expected key path, expected text)
    ("unknown_parameter", "parameters:\n  module:\n    bms.limits.ccl_x: 40\n", "parameters.module.bms.limits.ccl_x",
     "it has no 'bms.limits.ccl_x'"),
    ("unknown_file", "parameters:\n  battery:\n    x: 1\n", "parameters.battery", "unknown key, expected one of: module, cell, wiring"),
    ("out_of_range", "parameters:\n  module:\n    bms.limits.ccl_a: -4\n", "parameters.module.bms.limits.ccl_a",
     "expected a number in [0, 10000], got -4 (overrides 'bms.limits.ccl_a' of"),
    ("wrong_type", "parameters:\n  cell:\n    module_thermal:\n      case_to_ambient_w_per_k: warm\n", "parameters.cell.module_thermal.case_to_ambient_w_per_k",
     "expected a number"),
    ("table_replaced_by_number", "parameters:\n  module:\n    bms.protection.cell_ov: 3.7\n",
     "parameters.module.bms.protection.cell_ov", "it is a table; override one of its keys"),
    ("empty_path_part", "parameters:\n  module:\n    bms..ccl_a: 4\n", "parameters.module.bms..ccl_a",
     "without empty parts"),
]


@pytest.mark.parametrize("case_id,extra,key,expected", BAD, ids=[c[0] for c in BAD])
def test_bad_override_is_refused_at_the_override(tmp_path, case_id, extra, key, expected):
    path = tmp_path / f"{case_id}.yaml"
    path.write_text(BASE + extra)
    out = tmp_path / "out"
    proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert proc.returncode == 2, proc.stderr
    msg = proc.stderr
    assert expected in msg, msg
    line = BASE.count("\n") + extra.split("\n").index(next(l for l in extra.split("\n") if key.split(".")[-1] in l)) + 1
    assert f"{path}:{line}: key '{key}'" in msg, msg
    assert not out.exists()


def test_bad_set_value_names_the_option(tmp_path):
    proc = run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", tmp_path / "o", "--quiet",
                   "--set", "parameters.module.bms.limits.ccl_a=-4", check=False)
    assert proc.returncode == 2
    assert (f"stacksim: {ROOT / 'scenarios' / 'default.yaml'} (--set parameters.module.bms.limits.ccl_a): "
            "key 'parameters.module.bms.limits.ccl_a': expected a number in [0, 10000], got -4") in proc.stderr
    assert not (tmp_path / "o").exists()
