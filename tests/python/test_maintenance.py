"""The manual's 3-month terminal check (scenarios/library/three_month_check.yaml): with an
inspection every 90 days the contacts stay within their limits and every inspection logs what it
found; with none (`maintenance.inspect_every_days=never`) named expectations fail with exit 3 and
the event log says when the worst contact crossed its limits. The 90-day run itself is checked by
test_scenario_library.py; here its events are read."""

import json

import pytest

from conftest import ROOT, run_cli, shared_run_group

SCENARIO = ROOT / "scenarios" / "library" / "three_month_check.yaml"


def events(out):
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def run_90(scenario_run):
    """The library run, shared with test_scenario_library.py (its users carry the same xdist_group)."""
    proc, out = scenario_run(SCENARIO)
    assert proc.returncode == 0, proc.stderr
    return out


@shared_run_group(SCENARIO)
def test_inspections_re_torque_every_contact_and_log_it(run_90):
    ev = events(run_90)
    insp = [e for e in ev if e["source"] == "maintenance" and e["kind"] == "inspection"]
    assert [round(e["details"]["life_days"], 9) for e in insp] == [90.0 * k for k in range(1, 9)]
    for e in insp:
        contacts = e["details"]["contacts"]
        assert len(contacts) == 8  # busbar wiring, one module: 4 terminal and 4 bus-bar lugs
        for c in contacts:
            target = 14.0 if c["location"] == "terminal" else 40.0
            assert c["torque_after_nm"] == pytest.approx(target, abs=1e-12)
            assert 0.0 <= c["torque_before_nm"] < target  # it had loosened
            assert c["torque_before_nm"] == pytest.approx(target * c["preload_pct"] / 100.0, rel=1e-9)
            assert c["r_after_uohm"] < c["r_before_uohm"]
            # the finding threshold: 80 % of the re-torque value
            assert c["found_loose"] == (c["torque_before_nm"] < 0.8 * target)
        loose = [f for f in ev if f["kind"] == "found_loose" and f["details"]["life_days"] == e["details"]["life_days"]]
        assert len(loose) == e["details"]["found_loose"] == sum(c["found_loose"] for c in contacts)
    # the columns of the loosening exist and stay within the limits
    header = (run_90 / "timeseries.csv").open().readline().strip().split(",")
    assert "stack.contact.m0.pos.bus.preload_pct" in header and "stack.contact.bus.pos.m0.torque_nm" in header


def test_never_inspected_fails_named_expectations_with_exit_3(tmp_path):
    out = tmp_path / "never"
    proc = run_cli("run", SCENARIO, "--out", out, "--quiet", "--set", "maintenance.inspect_every_days=never",
                   check=False)
    assert proc.returncode == 3, proc.stderr
    assert "expectation failed: no contact above its 90 degC rating" in proc.stderr
    assert "expectation failed: no contact crosses its resistance limit" in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    failed = {r["name"] for r in summary["expectations"] if not r["passed"]}
    assert {"no contact above its 90 degC rating", "no contact crosses its resistance limit",
            "eight inspections in two years"} <= failed
    ev = events(out)
    assert not [e for e in ev if e["source"] == "maintenance"]
    # When: the resistance limit is crossed inside the first jump, logged with its life day (to a
    # day), well before the year's end; the 90 degC rating in the second year's simulated day.
    r_lim = [e for e in ev if e["kind"] == "resistance_limit"]
    assert r_lim and all(e["source"].startswith("top.stack.contact.") for e in r_lim)
    first_day = min(e["details"]["life_days"] for e in r_lim)
    assert 90.0 < first_day < 365.0
    hot = [e for e in ev if e["kind"] == "over_temperature" and ".contact." in e["source"]]
    assert hot and min(e["t_s"] for e in hot) > 86400.0


def test_python_sweep_varies_the_interval_and_jumps_give_the_closed_form():
    """stacksim.sweep() over maintenance.inspect_every_days: one simulated hour (ambient rising,
    no temperature cycle) and a 200-day jump. Only embedding and creep act, so the preload at the
    end is the closed form of docs/models/network.md: never re-torqued
    p = 1 - 0.10 (1 - e^-200) - 0.03 log10(1 + 200 x 24); re-torqued every 30 days (last at day
    180) p = 1 - 0.10 (e^-180 - e^-200) - 0.03 log10(1 + 20 x 24)."""
    import math

    import stacksim

    base = stacksim.Scenario.from_yaml(SCENARIO).update(
        {"run.duration_s": 3600, "aging.window_s": 3600, "aging.span_days": 200, "run.record_every": 1800})
    rs = stacksim.sweep(base, {"maintenance.inspect_every_days": [30, "never"]}, workers=2,
                        columns=["stack.contact.m0.pos.bus.preload_pct", "stack.age_days"])
    assert [r.variant for r in rs] == [{"maintenance.inspect_every_days": 30},
                                       {"maintenance.inspect_every_days": "never"}]
    p30, pnever = (r["stack.contact.m0.pos.bus.preload_pct"][-1] / 100.0 for r in rs)
    assert rs[1]["stack.age_days"][-1] == pytest.approx(200.0, abs=1e-9)
    assert pnever == pytest.approx(1 - 0.10 * (1 - math.exp(-200)) - 0.03 * math.log10(1 + 200 * 24), abs=1e-9)
    assert p30 == pytest.approx(1 - 0.10 * (math.exp(-180) - math.exp(-200)) - 0.03 * math.log10(1 + 20 * 24),
                                abs=1e-9)


def test_study_script_runs_on_a_reduced_sweep(tmp_path):
    """tools/maintenance_study.py --quick (90 days and never, two simulated days): the table and
    the plot are written; 90 days keeps the limits, never crosses both."""
    import subprocess
    import sys

    png, table = tmp_path / "m.png", tmp_path / "t.md"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "maintenance_study.py"), "--quick", "--jobs", "2",
                           "--work", str(tmp_path / "work"), "--png", str(png), "--table", str(table)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert png.stat().st_size > 10000
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in table.read_text().splitlines() if line.startswith("| 90 days") or line.startswith("| never")}
    assert rows["90 days"][2] == "—" and rows["90 days"][3] == "—" and rows["90 days"][-1] == "pass"
    assert rows["never"][2] != "—" and rows["never"][3] != "—" and rows["never"][-1] == "fail"
    assert float(rows["never"][0]) > 90.0 > float(rows["90 days"][0])
