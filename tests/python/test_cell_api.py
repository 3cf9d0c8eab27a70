"""stacksim.cell.simulate: the stack's own cell core, driven from Python."""

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


def _r0_discharge_at(soc, params_path):
    """R0 for discharge at SoC `soc` and the reference temperature, read from the parameter
    file itself (value x r0_soc_factor interpolated in SoC; the Arrhenius factor is 1 at
    reference_temp_k)."""
    import yaml

    with open(params_path, encoding="utf-8") as f:
        cell = yaml.safe_load(f)["cell"]
    factor = np.interp(soc, cell["r0_soc_factor"]["soc"], cell["r0_soc_factor"]["value"])
    return cell["r0_discharge_ohm"]["value"] * factor, cell["reference_temp_k"]["value"] - 273.15


def test_current_step_shows_the_ohmic_step_at_the_sample_of_the_step():
    """Sample k is the instant t_s[k] with current_a[k] flowing (the input's own alignment): a
    step in the input current at sample j moves the terminal voltage by R0 * dI at sample j,
    not one sample later."""
    params = stacksim._core.default_cell_params_path()
    soc0 = 0.5
    r0_ohm, ref_c = _r0_discharge_at(soc0, params)
    t = np.arange(0.0, 21.0, 1.0)
    j = 10
    i = np.where(np.arange(t.size) >= j, -100.0, 0.0)   # rest, then 1C discharge from t = 10 s
    r = stacksim.cell.simulate(None, t, i, ambient_c=ref_c, dt_s=1.0, initial_soc=soc0, initial_hysteresis=0.0)
    # The returned current is the input, sample for sample.
    np.testing.assert_array_equal(r["t_s"], t)
    np.testing.assert_array_equal(r["current_a"], i)
    v = r["voltage_v"]
    # At rest before the step the voltage does not move (relaxed cell; self-discharge only).
    assert abs(v[j - 1] - v[j - 2]) < 1e-6
    # The ohmic step (+ = charging: dV = R0 dI, dI = -100 A) at sample j itself ...
    assert v[j] - v[j - 1] == pytest.approx(r0_ohm * (i[j] - i[j - 1]), abs=2e-6)
    # ... then the RC branches relax towards the load: v keeps falling, by far less than R0 dI
    # per second (R1 (1 - exp(-1 s / tau1)) * 100 A = 2.4 mV for the first second).
    assert 0 < v[j] - v[j + 1] < 0.2 * r0_ohm * 100.0
    # The terminal voltage at every sample is the relaxed voltage plus the RC branches and R0 at
    # that sample's current: at rest before the step, exactly the relaxed voltage.
    np.testing.assert_allclose(v[:j], (r["ocv_v"] + r["hysteresis_v"])[:j], atol=1e-12)
