"""No placeholder values (docs/outputs.md, "Missing values"): a column whose value comes from a
message or a measurement is empty in timeseries.csv (NaN in timeseries.h5, in pandas / numpy
reading and in the Python API) until that message or measurement exists, and numeric from then
on. The instants are checked against can.log, read with python-can's candump reader."""

import csv
import math

import can
import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

import stacksim
from conftest import ROOT, run_cli

MODULES = 3
# The master's stack view (stack_master aggregate): exists from its first CAN cycle.
MASTER = ["stack.soc_pct", "stack.current_a", "stack.cvl_v", "stack.ccl_a", "stack.dcl_a", "stack.modules_present",
          "stack.first_start_hold"]
# What the inverter decoded from 0x351 (limits).
INVERTER_351 = ["inverter.cvl_v", "inverter.ccl_a", "inverter.dcl_a"]
# Each BMS's own report: exists from its first measurement.
BMS = [f"stack.m{m}.{q}" for m in range(MODULES)
       for q in ("soc_pct", "ccl_a", "dcl_a", "protection_bits", "warning_bits", "balance_mask", "soh_pct")]
# A 70 ms grid: no recorded row coincides with the master's CAN cycle (every 1 s from 1 s), so
# whether a value exists at a row does not depend on the order of processes at one instant.
SETS = ["run.duration_s=3", "run.step_s=0.07", "run.record_every=1", "run.hdf5=true"]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("missing")
    args = ["run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet"]
    for s in SETS:
        args += ["--set", s]
    run_cli(*args)
    return out


def can_frames(out):
    with can.CanutilsLogReader(str(out / "can.log")) as reader:
        return [(m.timestamp, m.arbitration_id) for m in reader]


def first_measurement_s():
    params = yaml.safe_load((ROOT / "models" / "params" / "module_4k4pro.yaml").read_text())
    return params["afe"]["conversion_time_s"]["value"]


def test_values_are_missing_until_their_message_or_measurement_exists(short_run):
    frames = can_frames(short_run)
    first_frame_s = frames[0][0]  # the master's first frame (end of frame)
    first_351_s = next(t for t, i in frames if i == 0x351)
    df = pd.read_csv(short_run / "timeseries.csv")
    t = df["t_s"].to_numpy()
    # No row falls inside the first frame (its start is < 1 ms before its end), so "from the
    # first frame on" is one row boundary for the master's columns and the inverter's alike.
    assert not np.any((t > first_frame_s - 1e-3) & (t < first_frame_s))
    since = {c: first_frame_s for c in MASTER}
    since.update({c: first_351_s for c in INVERTER_351})
    since.update({c: first_measurement_s() for c in BMS})
    for column, t0 in since.items():
        values = df[column].to_numpy()
        before = t < t0
        assert before.any(), f"{column}: no row before {t0} s"
        assert np.isnan(values[before]).all(), f"{column}: a value before it exists ({t0} s): {values[before]}"
        assert np.isfinite(values[~before]).all(), f"{column}: missing after {t0} s"
    # Everything else is numeric in every row: truth and state columns have a value from t = 0.
    others = [c for c in df.columns if c not in since]
    assert len(others) > 50
    bad = [c for c in others if not np.isfinite(df[c].to_numpy()).all()]
    assert not bad, f"missing values in {bad}"


def test_missing_is_an_empty_field_in_csv_and_nan_in_hdf5_and_python(short_run):
    with open(short_run / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, first = rows[0], rows[1]
    row0 = dict(zip(header, first))
    for c in MASTER + INVERTER_351 + BMS:
        assert row0[c] == "", f"{c} at t = 0: {row0[c]!r}"
    assert "nan" not in (short_run / "timeseries.csv").read_text().lower()
    # numpy reads an empty field as NaN
    data = np.genfromtxt(short_run / "timeseries.csv", delimiter=",", skip_header=1)
    csv_df = pd.read_csv(short_run / "timeseries.csv", float_precision="round_trip")
    np.testing.assert_array_equal(data, csv_df.to_numpy())
    # timeseries.h5: the same values, NaN where the CSV field is empty
    with h5py.File(short_run / "timeseries.h5", "r") as f:
        names = list(f["columns"].asstr()[:])
        values = f["timeseries"][:]
    assert names == list(csv_df.columns)
    np.testing.assert_array_equal(values, csv_df.to_numpy())  # NaN == NaN for this assertion
    assert np.isnan(values[0, names.index("stack.soc_pct")])
    # Python API: the series and the DataFrame have NaN there too
    result = stacksim.run(str(ROOT / "scenarios" / "default.yaml"), set=SETS[:3])
    for c in MASTER + INVERTER_351 + BMS:
        assert math.isnan(result.series(c)[0]), c
    np.testing.assert_array_equal(result.series("stack.soc_pct"), csv_df["stack.soc_pct"].to_numpy())
    assert result.to_dataframe()["inverter.dcl_a"].isna().iloc[0]
    h5 = stacksim.Result.from_hdf5(short_run / "timeseries.h5")
    assert math.isnan(h5.series("stack.cvl_v")[0])
    from_csv = stacksim.Result.from_csv(short_run / "timeseries.csv")
    assert from_csv.columns == h5.columns
    for c in h5.columns:
        np.testing.assert_array_equal(from_csv.series(c), h5.series(c))


def test_python_state_dicts_say_none_before_a_value_exists():
    """bms_state / master_state follow the outputs' missing-value rule: a BMS's measured values
    and the master's stack view are None until the first measurement / CAN cycle, then numbers."""
    from stacksim import _core

    text = """
name: state-before-first-measurement
run: {duration_s: 5, step_s: 0.1, record_every: 1, record_cells: false}
stack: {modules: 2, initial_soc_pct: 50}
inverter: {protocol: pylontech, battery_power_w: 0}
"""
    s = _core.Simulation(yaml_text=text)
    b, m = _core.bms_state(s, 1), _core.master_state(s)
    measured = ("soc", "voltage_v", "stack_v", "current_a", "cvl_v", "ccl_a", "dcl_a",
                "protection_bits", "warning_bits")
    assert all(b[k] is None for k in measured), {k: b[k] for k in measured}
    assert all(m[k] is None for k in ("ccl_a", "dcl_a", "cvl_v", "modules_present")), m
    s.run_for(3.0)
    b, m = _core.bms_state(s, 1), _core.master_state(s)
    assert all(isinstance(b[k], (int, float)) for k in measured), b
    assert 0.49 < b["soc"] < 0.51 and 50.0 < b["stack_v"] < 56.0  # soc as a fraction
    assert m["modules_present"] == 2 and m["ccl_a"] > 0 and m["dcl_a"] > 0
