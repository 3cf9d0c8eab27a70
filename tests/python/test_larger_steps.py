"""Larger plant steps (run.max_step_s, docs/performance.md "Larger steps") against the fixed
0.1 s grid, on every recorded signal of the default scenario.

The BMSs measure and the inverter regulates once a second in all three runs, so the only
difference between them is how the plant steps between those instants: every 0.1 s (the fixed
grid), every 0.2 s, or once a second. The scheme is first order in the step, so with
D = max |x_0.2 - x_0.1| (Richardson) the stated bound is

    |x_1 - x_0.1| <= 1.25 (1 / 0.1 - 1) D + allowance

on every column; the allowance is zero for the plant and the inverter, and for what the BMSs
report it is the resolution that turns a small difference into a whole quantum (a reading that
rounds the other way). Discrete signals (switches, flags, limits) have D = 0, so they must be
identical."""

import csv
import json
import re

import numpy as np

from conftest import ROOT, run_cli

DEFAULT = ROOT / "scenarios" / "default.yaml"
SLOW_OBSERVERS = ["--set", "parameters.module.bms.measure_period_s=1", "--set", "inverter.control_period_s=1"]
STEP_S, DOUBLE_S, LARGE_S = 0.1, 0.2, 1.0
MODULES = 3
DURATION_S = 3600.0

# Resolutions, from the parameter file and the protocols (bus/protocol/pylon_rs485.h):
CURRENT_LSB_A = 0.01      # afe.current_lsb_a: the AFE's current reading
REPORT_CURRENT_A = 0.1    # a sub's current in its RS485 analog report (s16, 0.1 A)
CAPACITY_AH = 100.0       # cell capacity_ah: the BMS counts charge against it
# A coulomb count sums readings that each may round one LSB the other way: q t / capacity.
COUNT_PCT = 100.0 * CURRENT_LSB_A * DURATION_S / (3600.0 * CAPACITY_AH)
ALLOWANCE = {
    # the master's aggregate: its own reading plus each sub's 0.1 A report
    "stack.current_a": CURRENT_LSB_A + (MODULES - 1) * REPORT_CURRENT_A,
    # the master's stack SoC from its own count and the subs' reported counts
    "stack.soc_pct": COUNT_PCT * MODULES,
}
for m in range(MODULES):
    ALLOWANCE[f"stack.m{m}.soc_pct"] = COUNT_PCT  # each BMS's own coulomb count


def load(out):
    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    columns = rows[0]
    data = np.array([[float(x) if x != "" else np.nan for x in r] for r in rows[1:]])
    summary = json.loads((out / "summary.json").read_text())
    return columns, data, summary


def run(tmp_path, max_step_s):
    out = tmp_path / f"max_step_{max_step_s}"
    run_cli("run", DEFAULT, "--out", out, "--quiet", "--profile", *SLOW_OBSERVERS,
            "--set", f"run.max_step_s={max_step_s}")
    return load(out)


def test_larger_steps_stay_within_the_bound_on_every_recorded_signal(tmp_path):
    columns, fine, s_fine = run(tmp_path, STEP_S)
    columns_2, doubled, _ = run(tmp_path, DOUBLE_S)
    columns_l, large, s_large = run(tmp_path, LARGE_S)
    assert columns == columns_2 == columns_l
    assert fine.shape == doubled.shape == large.shape

    # The plant really took one step a second (plus the partial steps to the events' instants),
    # against ten on the fixed grid; the summary says which maximum step was used.
    steps_fine = s_fine["profile"]["counters"]["plant_steps"]
    steps_large = s_large["profile"]["counters"]["plant_steps"]
    assert steps_fine >= DURATION_S / STEP_S
    assert DURATION_S / LARGE_S <= steps_large <= DURATION_S / LARGE_S + 20
    assert "max_step_s" not in s_fine and s_large["max_step_s"] == LARGE_S

    # Missing values (before a first measurement) are missing in every run alike.
    np.testing.assert_array_equal(np.isnan(fine), np.isnan(large))
    np.testing.assert_array_equal(np.isnan(fine), np.isnan(doubled))
    ok = ~np.isnan(fine)

    factor = LARGE_S / STEP_S - 1.0
    changed = 0
    for k, name in enumerate(columns):
        rows = ok[:, k]
        d_2h = np.max(np.abs(doubled[rows, k] - fine[rows, k]), initial=0.0)
        e_large = np.max(np.abs(large[rows, k] - fine[rows, k]), initial=0.0)
        scale = np.max(np.abs(fine[rows, k]), initial=0.0)
        bound = 1.25 * factor * d_2h + ALLOWANCE.get(name, 0.0) + 1e-12 * max(1.0, scale)  # + rounding
        assert e_large <= bound, f"{name}: {e_large:.3e} from the 0.1 s grid, bound {bound:.3e} (D = {d_2h:.3e})"
        if e_large > 0:
            changed += 1
    # The larger steps did change the continuous signals (the comparison is not vacuous): every
    # cell's voltage, SoC and temperature among them.
    cell_columns = [c for c in columns if re.match(r"stack\.m\d\.cell\d\d\.", c)]
    assert len(cell_columns) == MODULES * 16 * 3
    assert changed >= len(cell_columns)
