"""Every scenario in scenarios/ (all folders) runs and its expectations pass; a mutated
copy (BMS discharge over-current delay made very long) fails with a clear expectation message
and exit code 3."""

import json
import re

import pytest

from conftest import ROOT, run_cli, shared_run_group

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))
# scenarios/bench/ holds the speed benchmarks' workloads (a simulated day each, run by
# tools/bench/); they are validated here but not run: they assert nothing and cost minutes.
RUNNABLE = [p for p in SCENARIOS if p.parent.name != "bench"]
LIBRARY = sorted((ROOT / "scenarios" / "library").glob("*.yaml"))
# Long runs that other test files read as well (test_fast_aging.py, test_maintenance.py): run
# once per test process through the shared `scenario_run` fixture.
SHARED = [p for p in LIBRARY if p.stem in ("year_of_aging", "three_month_check")]


def test_library_is_there():
    names = {p.stem for p in LIBRARY}
    for wanted in ("solar_day", "cold_morning", "oc_limit_1_modules", "oc_limit_2_modules", "oc_limit_4_modules",
                   "oc_sub_dropout", "loose_terminal", "rs485_chain_broken", "can_lost", "master_shutdown",
                   "mismatched_soc", "first_start_calibration", "year_of_aging", "welded_switch_short",
                   "deye_ignores_zero_charge_limit", "solis_discharges_past_dvl", "latching_inverter_heartbeat_loss",
                   "sbs_identification_once", "rs485_inverter_limits"):
        assert wanted in names
    for p in LIBRARY:
        text = p.read_text()
        assert "description:" in text and "expectations:" in text, p


@pytest.mark.parametrize("path", [pytest.param(p, marks=shared_run_group(p)) if p in SHARED else p for p in RUNNABLE],
                         ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_scenario_runs_and_meets_its_expectations(path, tmp_path, scenario_run):
    if path in SHARED:
        proc, out = scenario_run(path)
    else:
        out = tmp_path / "out"
        proc = run_cli("run", path, "--out", out, "--quiet", check=False)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is True
    assert summary["expectations_passed"] is True
    assert all(r["passed"] for r in summary["expectations"])
    if path in LIBRARY:
        n = path.read_text().count("- name:")
        assert len(summary["expectations"]) == n >= 3


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_scenario_validates(path):
    proc = run_cli("validate", path, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


def test_long_overcurrent_delay_fails_the_expectation(tmp_path):
    params = (ROOT / "models" / "params" / "module_4k4pro.yaml").read_text()
    original = "protection: {value: [110.0, 1.0, 1.0, 30.0]"
    assert params.count(original) == 1  # the discharge_oc protection: trip at 110 A after 1 s
    mutated = tmp_path / "module_slow_oc.yaml"
    mutated.write_text(params.replace(original, "protection: {value: [110.0, 1.0, 9999.0, 30.0]"))
    out = tmp_path / "out"
    proc = run_cli("run", ROOT / "scenarios" / "library" / "oc_sub_dropout.yaml", "--out", out, "--quiet",
                   "--set", f"stack.module_params={mutated}", check=False)
    assert proc.returncode == 3, proc.stderr
    msg = proc.stderr
    assert "expectation failed: m0 trips on discharge over-current within 2.5 s" in msg
    assert re.search(r"seen 0 times, expected at least 1 between t = 60\.000 and 62\.500 s", msg)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is True and summary["expectations_passed"] is False
    failed = [r["name"] for r in summary["expectations"] if not r["passed"]]
    assert "m0 trips on discharge over-current within 2.5 s" in failed
    # The unmutated scenario passes (same command without the mutation).
    assert run_cli("run", ROOT / "scenarios" / "library" / "oc_sub_dropout.yaml", "--out", tmp_path / "ok",
                   "--quiet", check=False).returncode == 0
