"""CC/CV charging of the full system: the inverter's regulator holds the DC voltage at the CVL the
master sends (16 x 3.55 V = 56.8 V, module_4k4pro.yaml) within 0.1 V while the current tapers."""

import numpy as np
import pytest

# 3600 s: the cells' CV tail is diffusion-limited (docs/models/cell.md, capacity against
# temperature): from 85 % the CV phase starts near 2235 s and the current passes 1 A near 3300 s.
SCENARIO = """
name: cc_cv
run: {duration_s: 3600, step_s: 0.1, record_every: 10, record_cells: false}
stack: {modules: 3, initial_soc_pct: 85}
inverter:
  protocol: pylontech
  battery_power_w: 8000
"""


@pytest.fixture(scope="module")
def cc_cv_run():
    from stacksim import _core

    s = _core.Simulation(yaml_text=SCENARIO)
    s.run()
    yield {c: s.series(c) for c in s.columns} | {"t_s": s.t_s}


def test_holds_cvl_within_0_1_v(cc_cv_run):
    r = cc_cv_run
    cvl = 16 * 3.55
    assert r["inverter.cvl_v"][-1] == pytest.approx(cvl, abs=0.05)
    v = r["inverter.dc_voltage_v"]
    # never above CVL + 0.1 V, from the first instant to the end
    assert v.max() <= cvl + 0.1
    cv = np.nonzero(r["inverter.in_cv"] > 0)[0]
    assert len(cv) > 100, "the run never reached CV"
    first = cv[0]
    # from the start of CV on: the terminal and the stack voltage stay within 0.1 V of CVL
    assert np.all(np.abs(v[first:] - cvl) <= 0.1)
    assert np.all(np.abs(r["stack.voltage_v"][first:] - cvl) <= 0.1)
    # and the current tapers: below 1 A at the end, far below the CC phase (> 100 A)
    i = r["inverter.battery_current_a"]
    assert i[: first].max() > 100
    assert 0 < i[-1] < 1.0


def test_cc_phase_honours_ccl(cc_cv_run):
    r = cc_cv_run
    # the command never exceeds what the inverter last received as CCL (0.1 A resolution)
    # (and commands nothing before it has received one: its CCL is missing then)
    cmd, ccl = r["inverter.command_a"], r["inverter.ccl_a"]
    known = ~np.isnan(ccl)
    assert known.any() and np.all(cmd[known] <= ccl[known] + 1e-9)
    assert np.all(cmd[~known] == 0.0)
