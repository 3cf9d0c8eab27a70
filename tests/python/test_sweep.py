"""Sweeps: 24 variants (cable cross-section x length x torque) of the manual's
wiring, in parallel processes (workers=2) and on a local Dask cluster; each variant's results
are identical to running it alone, and the variations act in the physical direction."""

import numpy as np
import pytest

from conftest import ROOT

import stacksim

MANUAL = ROOT / "scenarios" / "cable_loss" / "manual_cables.yaml"
JUMPER = "wiring.cables.cable.pos.m2_m3"
LUG = "wiring.contacts.contact.m2.pos.m1"
VARIATIONS = {
    f"{JUMPER}.cross_section_mm2": [16, 25, 35],
    f"{JUMPER}.length_m": [1.0, 4.0],
    f"{LUG}.torque_nm": [2.0, 5.0, 9.0, 14.0],
}
COLUMNS = ["inverter.battery_current_a", "stack.m3.current_a", "stack.network_loss_w",
           "stack.cable.pos.m2_m3.temp_c", "stack.contact.m2.pos.m1.loss_w"]
# Shortened: 55 s of the 8 kW discharge.
BASE_EDITS = {"run.duration_s": 60}


def base():
    return stacksim.Scenario.from_yaml(MANUAL).update(BASE_EDITS)


def same(a, b):
    assert a.variant == b.variant
    np.testing.assert_array_equal(a.t_s, b.t_s)
    assert a.columns == b.columns
    for c in a.columns:
        np.testing.assert_array_equal(a.series(c), b.series(c), err_msg=f"{a.variant} {c}")
    strip = lambda s: {k: v for k, v in s.items() if k not in ("wall_s", "realtime_factor")}  # noqa: E731
    assert strip(a.summary) == strip(b.summary)


@pytest.fixture(scope="module")
def alone():
    """Every variant run alone, one after the other, in this process."""
    return [_alone(v) for v in _variants()]


def _variants():
    from stacksim import expand

    return expand(VARIATIONS)


def _alone(edits):
    from stacksim import run_variant

    return run_variant(base(), edits, COLUMNS)


@pytest.fixture(scope="module")
def processes():
    return stacksim.sweep(base(), VARIATIONS, workers=2, columns=COLUMNS)


def test_grid_has_24_variants_in_order():
    v = _variants()
    assert len(v) == 24
    assert v[0] == {f"{JUMPER}.cross_section_mm2": 16, f"{JUMPER}.length_m": 1.0, f"{LUG}.torque_nm": 2.0}
    assert v[-1] == {f"{JUMPER}.cross_section_mm2": 35, f"{JUMPER}.length_m": 4.0, f"{LUG}.torque_nm": 14.0}
    assert len({tuple(x.values()) for x in v}) == 24


def test_process_sweep_identical_to_each_variant_alone(processes, alone):
    assert len(processes) == 24
    for a, b in zip(processes, alone):
        same(a, b)


def test_dask_local_cluster_sweep_identical(processes):
    import distributed  # Debian python3-distributed, installed by tools/setup/install-deps.sh
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = stacksim.sweep(base(), VARIATIONS, client=client, columns=COLUMNS)
    assert len(on_dask) == 24
    for a, b in zip(on_dask, processes):
        same(a, b)


def test_variations_act_in_the_physical_direction(processes):
    t = processes.table()
    assert len(t) == 24
    xs, ln, tq = (f"{JUMPER}.cross_section_mm2", f"{JUMPER}.length_m", f"{LUG}.torque_nm")
    for (l_m, t_nm), g in t.groupby([ln, tq]):
        # Thinner jumper: more resistance, more loss (same everything else).
        loss = g.sort_values(xs)["network_loss_wh"].to_numpy()
        assert np.all(np.diff(loss) < 0), (l_m, t_nm, loss)
    for (x_mm2, t_nm), g in t.groupby([xs, tq]):
        loss = g.sort_values(ln)["network_loss_wh"].to_numpy()
        assert np.all(np.diff(loss) > 0), (x_mm2, t_nm, loss)
    for (x_mm2, l_m), g in t.groupby([xs, ln]):
        # A tighter lug has a lower contact resistance: less loss in it.
        rs = sorted(processes, key=lambda r: r.variant[tq])
        rs = [r for r in rs if r.variant[xs] == x_mm2 and r.variant[ln] == l_m]
        lug_wh = [np.sum(r.series("stack.contact.m2.pos.m1.loss_w")) for r in rs]
        assert np.all(np.diff(lug_wh) < 0), (x_mm2, l_m, lug_wh)
    # Every variant delivers the same port energy to within the loss differences (< 1 %).
    assert np.ptp(t["port_energy_wh"]) < 0.01 * np.abs(t["port_energy_wh"]).max()


def test_bad_variant_fails_before_running():
    with pytest.raises(ValueError, match="cross_section_mm2"):
        stacksim.sweep(base(), {f"{JUMPER}.cross_section_mm2": [16, -1]}, workers=2)
