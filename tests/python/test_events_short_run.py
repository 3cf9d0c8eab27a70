"""Scenario events: an internal cell short and the RUN button (issue #7)."""

import csv
import json

from conftest import ROOT, run_cli

SCENARIO = ROOT / "scenarios" / "default.yaml"


def run(tmp_path, events):
    out = tmp_path / "out"
    run_cli("run", SCENARIO, "--out", out, "--quiet", "--set", "run.duration_s=60", "--set", f"events={events}")
    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    events = [json.loads(line) for line in (out / "events.jsonl").open()]
    return rows, events


def test_cell_short_drains_only_its_cell(tmp_path):
    rows, events = run(tmp_path, "[{t_s: 10, action: cell_short, module: 1, cell: 3, r_ohm: 0.05}]")
    applied = [e for e in events if e["kind"] == "scenario_event"]
    assert applied and applied[0]["t_s"] == 10 and applied[0]["details"]["r_ohm"] == 0.05
    before, after = rows[10], rows[-1]
    drop = {k: float(before[f"stack.m1.cell{k:02d}.soc_pct"]) - float(after[f"stack.m1.cell{k:02d}.soc_pct"])
            for k in (2, 3, 4)}
    # ~66 A (3.3 V / 0.05 Ohm) for 50 s out of ~102 Ah: about 0.9 % more than its neighbours
    assert drop[3] - drop[2] > 0.8
    assert abs(drop[2] - drop[4]) < 0.05


def test_run_button_five_seconds_switches_the_master_off_two_seconds_on(tmp_path):
    rows, events = run(tmp_path, "[{t_s: 15, action: run_button, module: 0, press_s: 5},"
                                 " {t_s: 30, action: run_button, module: 0, press_s: 1},"
                                 " {t_s: 40, action: run_button, module: 0, press_s: 2}]")
    effects = [e["details"]["effect"] for e in events if e["kind"] == "scenario_event"]
    assert effects == ["off", "ignored", "on"]
    m0 = [e for e in events if e["source"] == "top.stack.m0.bms" and e["kind"] == "switch"]
    off = next(e for e in m0 if not e["details"]["closed"])
    assert off["t_s"] == 15 and off["details"]["reason"] == "power_off"
    assert any(e["details"]["closed"] and e["t_s"] > 40 for e in m0)
    closed = {float(r["t_s"]): r["stack.m0.switch_closed"] for r in rows}
    assert closed[20.0] == "0" and closed[35.0] == "0"
