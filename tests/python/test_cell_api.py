"""stacksim.cell.simulate: the stack's own cell core, driven from Python (issue #3)."""

import numpy as np
import pytest

import stacksim


def test_returns_numpy_arrays_per_sample():
    t = np.arange(0.0, 601.0, 1.0)
    r = stacksim.cell.simulate(None, t, np.full(t.shape, -50.0), ambient_c=25.0, dt_s=1.0)
    for key in ["t_s", "voltage_v", "ocv_v", "soc", "temp_c", "heat_w"]:
        assert isinstance(r[key], np.ndarray) and r[key].shape == t.shape, key
    # 0.5C for 600 s from full: 50 A * 600 s = 8.33 Ah of the 103.35 Ah table capacity, plus
    # self-discharge of 3 %/month (30 days) over 600 s (models/params/lfp_cell_100ah.yaml:
    # cell.table_capacity_ah, cell.self_discharge_pct_per_month; the single cell has no spread).
    table_capacity_ah = 103.35
    self_discharge = 0.03 * 600 / (30 * 86400)
    assert r["soc"][0] == pytest.approx(1.0)
    assert r["soc"][-1] == pytest.approx(1.0 - 50.0 * 600 / 3600 / table_capacity_ah - self_discharge, rel=1e-9)
    # Under discharge the terminal voltage sits below the OCV and the cell warms up.
    assert np.all(r["voltage_v"][1:] < r["ocv_v"][1:] + r["hysteresis_v"][1:])
    assert r["temp_c"][-1] > 25.0


def test_one_c_discharge_delivers_rated_capacity():
    # 1C (100 A) from full until the 2.5 V cut-off delivers the rated 100 Ah within 1 %.
    t = np.arange(0.0, 4000.0, 1.0)
    r = stacksim.cell.simulate(None, t, np.full(t.shape, -100.0), dt_s=1.0)
    below = np.nonzero(r["voltage_v"] < 2.5)[0]
    assert below.size > 0
    delivered_ah = 100.0 * r["t_s"][below[0]] / 3600.0
    assert delivered_ah == pytest.approx(100.0, rel=0.01)


def test_bad_parameter_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "cell.yaml"
    bad.write_text("cell:\n  capacity_ah: {value: -5, source: assumed}\n")
    with pytest.raises(ValueError, match=r"cell.yaml:\d+"):
        stacksim.cell.simulate(str(bad), [0.0, 1.0], [0.0, 0.0])
