"""Scenario events: an internal cell short, the RUN button and a cable change."""

import csv
import json

from conftest import ROOT, run_cli

SCENARIO = ROOT / "scenarios" / "default.yaml"


def run(tmp_path, events, *sets):
    out = tmp_path / "out"
    extra = [a for s in sets for a in ("--set", s)]
    run_cli("run", SCENARIO, "--out", out, "--quiet", "--set", "run.duration_s=60", "--set", f"events={events}", *extra)
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


# IEC 60228 class 5 at 20 degC (docs/models/network.md), alpha of copper
CLASS5_OHM_PER_M = {16: 1.21e-3, 25: 0.780e-3}
ALPHA_PER_K = 0.00393


def test_cable_change_to_a_thin_cable_mid_run(tmp_path):
    """The + jumper m0-m1 (1 m, the manual's 25 mm2) becomes 16 mm2 at t = 30 s, on the grid, during
    the 3 kW discharge. Its loss / current^2 is R = r(A) L (1 + alpha (T - 20 degC)) with T the
    cable's temperature at the start of each 0.1 s step (the previous row): the 25 mm2 law up to
    the row at 30 s, the 16 mm2 law from the next row on."""
    cable = "stack.cable.pos.m0_m1"
    rows, events = run(tmp_path, "[{t_s: 30, action: cable_change, cable: cable.pos.m0_m1, cross_section_mm2: 16}]",
                       "run.duration_s=40", "run.record_every=1", "run.record_cells=false")
    applied = [e for e in events if e["kind"] == "scenario_event"]
    assert len(applied) == 1 and applied[0]["t_s"] == 30
    d = applied[0]["details"]
    assert d["action"] == "cable_change" and d["cable"] == "cable.pos.m0_m1"
    assert (d["old_length_m"], d["old_cross_section_mm2"]) == (1.0, 25.0)
    assert (d["length_m"], d["cross_section_mm2"]) == (1.0, 16.0)
    heat = 1.0 + ALPHA_PER_K * (d["temp_c"] - 20.0)
    assert abs(d["old_r_ohm"] / (CLASS5_OHM_PER_M[25] * heat) - 1.0) < 1e-4  # R(T) of the step before
    assert abs(d["r_ohm"] / (CLASS5_OHM_PER_M[16] * heat) - 1.0) < 1e-12

    t = [float(r["t_s"]) for r in rows]
    at = min(range(len(t)), key=lambda k: abs(t[k] - 30.0))
    assert abs(t[at] - 30.0) < 1e-9 and abs(t[at + 1] - 30.1) < 1e-9
    current = [float(r[f"{cable}.current_a"]) for r in rows]
    assert min(abs(i) for i in current[at - 50:at + 50]) > 30.0  # the discharge is on
    for k in range(at - 50, at + 50):
        r_ohm = float(rows[k][f"{cable}.loss_w"]) / current[k] ** 2
        temp_c = float(rows[k - 1][f"{cable}.temp_c"])
        size = 25 if k <= at else 16
        expected = CLASS5_OHM_PER_M[size] * 1.0 * (1.0 + ALPHA_PER_K * (temp_c - 20.0))
        assert abs(r_ohm / expected - 1.0) < 1e-9, (t[k], r_ohm, expected)
    # the loss jumps by about the resistance ratio 1.21 / 0.780 = 1.55 (the thin cable also takes a
    # little less current: the rest goes round through the other paths)
    loss_jump = float(rows[at + 1][f"{cable}.loss_w"]) / float(rows[at][f"{cable}.loss_w"])
    current_ratio = current[at + 1] / current[at]
    assert 0.9 < current_ratio < 1.0
    assert abs(loss_jump / (1.21 / 0.780 * current_ratio ** 2) - 1.0) < 1e-3

    # m0 (where the inverter's + lands) takes more of the current at once, m1 behind the thin
    # jumper less; before the event the shares only drift
    share = {m: [float(r[f"stack.m{m}.share_pct"]) for r in rows] for m in range(3)}
    drift = max(abs(share[m][k + 1] - share[m][k]) for m in range(3) for k in range(at - 50, at))
    assert share[0][at + 1] - share[0][at] > 1.0 > 100 * drift
    assert share[1][at + 1] < share[1][at] - 0.5
    assert abs(sum(share[m][at + 1] for m in range(3)) - 100.0) < 1e-9
