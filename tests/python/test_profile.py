"""`stacksim run --profile` (docs/performance.md): the report's shares add up, its counters
agree with counts taken independently from the output files and the scenario, and a run
without the option writes the summary it always wrote (no "profile" key), with the same
outputs as a profiled run (the instrumentation observes, it does not change the simulation)."""

import json

import pytest

from conftest import ROOT, run_cli

DURATION_S = 60
STEP_S = 0.1
LAYERS = ["systemc_kernel", "plant", "cells", "network", "thermal", "afe_bms", "rs485", "can", "inverter",
          "out_timeseries", "out_vcd", "out_can_log", "out_rs485_log", "out_events"]


def run(out, *extra):
    return run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet",
                   "--set", f"run.duration_s={DURATION_S}", *extra)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    plain = tmp_path_factory.mktemp("plain")
    profiled = tmp_path_factory.mktemp("profiled")
    run(plain)
    proc = run(profiled, "--profile")
    return plain, profiled, proc.stdout


def lines(path):
    return [l for l in path.read_text().splitlines() if l.strip()]


def test_without_profile_the_summary_has_no_profile_key(runs):
    plain, profiled, _ = runs
    s_plain = json.loads((plain / "summary.json").read_text())
    s_prof = json.loads((profiled / "summary.json").read_text())
    assert "profile" not in s_plain
    assert "profile" in s_prof
    assert set(s_prof) - set(s_plain) == {"profile"}


def test_profiling_leaves_the_outputs_unchanged(runs):
    plain, profiled, _ = runs
    for name in ["timeseries.csv", "can.log", "rs485.log", "events.jsonl", "waveforms.vcd"]:
        assert (plain / name).read_bytes() == (profiled / name).read_bytes(), name
    s_plain = json.loads((plain / "summary.json").read_text())
    s_prof = json.loads((profiled / "summary.json").read_text())
    for key in set(s_plain) - {"wall_s", "realtime_factor"}:
        assert s_plain[key] == s_prof[key], key


def test_shares_add_up_to_the_measured_span(runs):
    _, profiled, _ = runs
    p = json.loads((profiled / "summary.json").read_text())["profile"]
    assert set(p["layers"]) == set(LAYERS)
    shares = [l["share_pct"] for l in p["layers"].values()]
    assert all(s >= 0 for s in shares)
    assert sum(shares) == pytest.approx(100.0, abs=0.01)
    assert sum(l["self_s"] for l in p["layers"].values()) == pytest.approx(p["accounted_s"], rel=1e-6)
    # The accounted span is the profiled part of the run: a little less than its wall time.
    assert 0 < p["accounted_s"] <= p["wall_s"] * 1.001
    assert p["accounted_s"] > 0.5 * p["wall_s"]
    assert sum(l["cpu_s"] for l in p["layers"].values()) == pytest.approx(p["cpu_s"], rel=1e-6)
    assert p["unbalanced_scopes"] == 0
    # Every layer the default scenario exercises was entered.
    for name in LAYERS[1:]:
        assert p["layers"][name]["calls"] > 0, name
    assert p["simulated_s"] == pytest.approx(DURATION_S)
    assert p["sim_per_wall"] == pytest.approx(DURATION_S / p["wall_s"], rel=1e-9)
    assert p["peak_rss_mib"] > 1


def test_counters_match_independent_counts(runs):
    _, profiled, _ = runs
    summary = json.loads((profiled / "summary.json").read_text())
    c = summary["profile"]["counters"]
    assert c["can_frames"] == len(lines(profiled / "can.log"))
    assert c["rs485_hops"] == len(lines(profiled / "rs485.log"))
    assert c["rs485_frames"] == summary["rs485"]["frames"]
    assert c["events"] == len(lines(profiled / "events.jsonl"))
    assert c["timeseries_rows"] == len(lines(profiled / "timeseries.csv")) - 1  # the header
    assert c["grid_steps"] == round(DURATION_S / STEP_S)
    # Plant steps: the grid's, plus the partial steps of syncs between grid instants (the inverter
    # setting its current at its own control instants).
    assert c["grid_steps"] <= c["plant_steps"] <= 2 * c["grid_steps"]
    # Every plant step is a simulated instant of its own; the kernel runs more (bus bits, AFE).
    assert c["time_points"] >= round(DURATION_S / STEP_S)
    assert c["delta_cycles"] >= c["time_points"]
    assert c["thread_switches"] is None


def test_the_report_is_printed(runs):
    _, profiled, stdout = runs
    p = json.loads((profiled / "summary.json").read_text())["profile"]
    assert "profile " in stdout
    for name in LAYERS:
        assert f" {name} " in stdout, name
    assert f"plant_steps {p['counters']['plant_steps']} " in stdout
    assert f"grid_steps {p['counters']['grid_steps']} " in stdout
