"""The inverter's site model in the full system (PV, load, efficiency) and its scenario checks."""

import numpy as np
import pytest

SITE = """
name: site
run: {duration_s: 120, record_cells: false}
stack: {modules: 2, initial_soc_pct: 50}
inverter:
  protocol: sma
  pv_w: {interpolation: step, points: [[0, 0], [20, 3000], [70, 500]]}
  load_w: 1000
  efficiency: {power_w: [0, 1000, 3000], efficiency: [0.90, 0.94, 0.96], source: "test values"}
"""


def test_site_model_battery_power_follows_pv_minus_load():
    from stacksim import _core

    s = _core.Simulation(yaml_text=SITE)
    s.run()
    t = s.t_s
    p_dc = s.series("inverter.dc_power_w")
    ac = s.series("inverter.ac_power_w")
    grid = s.series("inverter.grid_power_w")
    # 20..70 s: surplus 2000 W AC -> 2000 x 0.95 = 1900 W DC into the battery (eta linear 0.94..0.96)
    w = (t > 25) & (t < 70)
    assert np.all(np.abs(p_dc[w] - 1900.0) < 1900.0 * 0.01)
    assert np.all(np.abs(ac[w] - 2000.0) < 2000.0 * 0.01)
    assert np.all(np.abs(grid[w]) < 20.0)
    # 70.. s: deficit 500 W AC -> 500 / 0.92 = 543.5 W DC out of the battery (eta(500) = 0.92)
    w = t > 75
    assert np.all(np.abs(p_dc[w] + 500.0 / 0.92) < 543.5 * 0.01)
    assert np.all(np.abs(grid[w]) < 10.0)


@pytest.mark.parametrize(
    "bad, message",
    [
        ("  battery_power_w: 100\n  load_w: 500\n", "either battery_power_w"),
        ("  load_w: 500\n  efficiency: {power_w: [0, 1000], efficiency: [0.9], source: x}\n", "one per power_w"),
        ("  battery_power_w: 100\n  battery_side: {message_set: canopen}\n", "pylontech_v12"),
        ("  battery_power_w: 100\n  battery_side: {manufacturer: TOOLONGNAME}\n", "1 to 8 ASCII"),
    ],
)
def test_bad_inverter_sections_are_refused(bad, message):
    from stacksim import _core

    text = "name: bad\nstack: {modules: 1}\ninverter:\n" + bad
    with pytest.raises(_core.InputError, match=message):
        _core.Simulation(yaml_text=text)
