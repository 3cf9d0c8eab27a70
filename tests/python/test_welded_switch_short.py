"""A welded main switch and a bus short (scenarios/library/welded_switch_short.yaml): the healthy
modules' AFEs open, m1 cannot, and m1's fuse blows at the time its pre-arcing curve gives for the
current it carried. The curve is read here from the parameter file and interpolated
independently (log-log, as the file's comment says)."""

import csv
import json
import math

import pytest
import yaml

from conftest import ROOT, run_cli

SCENARIO = ROOT / "scenarios" / "library" / "welded_switch_short.yaml"


def melt_time_s(current_a, curve):
    """Pre-arcing time from the (current_a, melt_time_s) table, linear in log-log; above the last
    point the last segment goes on; None below the first point (never melts)."""
    i = abs(current_a)
    xs, ys = curve["current_a"], curve["melt_time_s"]
    if i < xs[0]:
        return None
    k = len(xs) - 2
    for j in range(len(xs) - 1):
        if i <= xs[j + 1]:
            k = j
            break
    f = (math.log(i) - math.log(xs[k])) / (math.log(xs[k + 1]) - math.log(xs[k]))
    return math.exp(math.log(ys[k]) + f * (math.log(ys[k + 1]) - math.log(ys[k])))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("welded")
    proc = run_cli("run", SCENARIO, "--out", out, "--quiet", check=False)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    with open(out / "timeseries.csv") as f:
        rows = [{k: float(v) if v else float("nan") for k, v in r.items()} for r in csv.DictReader(f)]
    scenario = yaml.safe_load(SCENARIO.read_text())
    params = yaml.safe_load((ROOT / "models" / "params" / "wiring_default.yaml").read_text())
    summary = json.loads((out / "summary.json").read_text())
    return events, rows, scenario, params["module"]["fuse_curve"], summary


def test_only_m1s_fuse_blows_at_the_curves_time_for_its_current(run):
    events, rows, scenario, curve, _ = run
    step_s = scenario["run"]["step_s"]
    t_short = next(e["t_s"] for e in scenario["events"] if e["action"] == "bus_short")
    blown = [e for e in events if e["kind"] == "fuse_blown"]
    assert [e["source"] for e in blown] == ["top.stack.m1.fuse"]
    ev = blown[0]
    i_blow = ev["details"]["current_a"]
    assert abs(i_blow) > 2000.0  # m1 alone on a 5 mOhm short: kiloamperes
    # The event's melt time is the curve's, read independently from the parameter file.
    assert ev["details"]["melt_time_s"] == pytest.approx(melt_time_s(i_blow, curve), rel=1e-9)
    # The recorded current of m1 in the last row before the blow (the current it carried alone).
    before = [r for r in rows if t_short < r["t_s"] < ev["t_s"]]
    assert before, "no recorded row between the short and the blow"
    i_rec = before[-1]["stack.m1.current_a"]
    assert abs(i_rec) == pytest.approx(abs(i_blow), rel=0.01)
    t_melt = melt_time_s(i_rec, curve)
    # Blow time after the short = the curve's melt time at the measured current, within one step
    # (the first 200 us m1 shared the short with the others: a little less damage per second).
    assert abs((ev["t_s"] - t_short) - t_melt) <= step_s
    assert ev["details"]["overload_s"] == pytest.approx(ev["t_s"] - t_short, abs=1e-9)
    # Miner's rule on the recorded rows (each row holds the current of the interval ending there).
    damage = 0.0
    t_prev = t_short
    for r in rows:
        if r["t_s"] <= t_short:
            continue
        t_end = min(r["t_s"], ev["t_s"])
        tm = melt_time_s(r["stack.m1.current_a"], curve)
        if tm:
            damage += (t_end - t_prev) / tm
        t_prev = t_end
        if r["t_s"] >= ev["t_s"]:
            break
    # the row after the blow records the interval after it (no current): use the blow row's current
    assert damage == pytest.approx(1.0, abs=0.05)


def test_columns_show_the_blow_and_nothing_flows_afterwards(run):
    events, rows, scenario, curve, summary = run
    t_blow = next(e["t_s"] for e in events if e["kind"] == "fuse_blown")
    t_short = next(e["t_s"] for e in scenario["events"] if e["action"] == "bus_short")
    for r in rows:
        assert r["stack.m1.fuse_blown"] == (1.0 if r["t_s"] >= t_blow else 0.0), r["t_s"]
        assert r["stack.m0.fuse_blown"] == 0.0 and r["stack.m2.fuse_blown"] == 0.0
        assert 0.0 <= r["stack.m0.fuse_damage"] < 1.0 and 0.0 <= r["stack.m2.fuse_damage"] < 1.0
        if r["t_s"] <= t_short:
            assert r["stack.m1.fuse_damage"] == 0.0  # idle: far below the curve
        if r["t_s"] > t_blow:
            for m in range(3):
                assert abs(r[f"stack.m{m}.current_a"]) < 1e-6, r["t_s"]
            for k, v in r.items():
                if k.startswith("stack.cable.") and k.endswith(".current_a"):
                    assert abs(v) < 1e-6, (k, r["t_s"])
    last = rows[-1]
    assert last["stack.m1.fuse_damage"] == 1.0
    # m0 and m2 carried the short for their comparators' 200 us: damaged, far from blown.
    assert 0.0 < last["stack.m0.fuse_damage"] < 0.2
    # m1's switch stays closed (welded) after its BMS tried to open it.
    assert last["stack.m1.switch_closed"] == 1.0
    assert last["stack.m0.switch_closed"] == 0.0 and last["stack.m2.switch_closed"] == 0.0
    assert [m["fuse_blown"] for m in summary["stack"]["modules"]] == [False, True, False]
    # The short lasted milliseconds: no cable or contact came near its rating.
    assert not any(b["over_rating"] for b in summary["network"]["branches"])
    assert not [e for e in events if e["kind"] == "over_temperature"]


def test_afes_open_the_healthy_modules_and_m1_cannot(run):
    events, _, scenario, _, _ = run
    t_short = next(e["t_s"] for e in scenario["events"] if e["action"] == "bus_short")
    stuck = [e for e in events if e["kind"] == "switch_stuck"]
    assert [e["source"] for e in stuck] == ["top.stack.m1.switch"]
    # The AFE comparator acts sc_delay_s (200 us) after the short.
    assert stuck[0]["t_s"] == pytest.approx(t_short + 200e-6, abs=1e-9)
    assert abs(stuck[0]["details"]["current_a"]) > 500.0
    opened = {e["source"] for e in events if e["kind"] == "switch" and e["details"].get("by") == "afe_short_circuit"}
    assert opened == {"top.stack.m0.bms", "top.stack.m1.bms", "top.stack.m2.bms"}  # m1's BMS tries too


@pytest.mark.parametrize("event,key,expected", [
    ("{t_s: 1, action: switch_welded, module: 3}", "events[0].module", "expected an integer in [0, 2]"),
    ("{t_s: 1, action: switch_welded, module: 0, on: maybe}", "events[0].on", "true or false"),
    ("{t_s: 1, action: bus_short}", "events[0].r_ohm", "missing required key"),
    ("{t_s: 1, action: bus_short, r_ohm: 0}", "events[0].r_ohm", "expected a number in"),
    ("{t_s: 1, action: bus_short, r_ohm: 0.01, module: 1}", "events[0].module", "unknown key"),
])
def test_bad_fault_events_are_refused(tmp_path, event, key, expected):
    text = SCENARIO.read_text()
    head = text.split("events:")[0]
    p = tmp_path / "bad.yaml"
    p.write_text(head + "events:\n  - " + event + "\n")
    proc = run_cli("run", p, "--out", tmp_path / "out", "--quiet", check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"key '{key}'" in proc.stderr and expected in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_removed_short_and_a_released_weld(tmp_path):
    # The short removed after 100 us (before the comparators' 200 us): nothing opens, no fuse
    # blows; the weld released: m1 opens like the others on a later short.
    text = SCENARIO.read_text()
    head = text.split("events:")[0]
    p = tmp_path / "s.yaml"
    p.write_text(head + """events:
  - {t_s: 2, action: bus_short, r_ohm: 0.005}
  - {t_s: 2.0001, action: bus_short, on: false}
  - {t_s: 3, action: switch_welded, module: 1}
  - {t_s: 3.5, action: switch_welded, module: 1, on: false}
  - {t_s: 4, action: bus_short, r_ohm: 0.005}
""")
    out = tmp_path / "out"
    proc = run_cli("run", p, "--out", out, "--quiet", check=False)
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert not [e for e in events if e["kind"] in ("fuse_blown", "switch_stuck")]
    trips = [e for e in events if e["kind"] == "switch" and e["details"].get("by") == "afe_short_circuit"]
    assert {e["source"] for e in trips} == {"top.stack.m0.bms", "top.stack.m1.bms", "top.stack.m2.bms"}
    assert all(e["t_s"] > 4.0 for e in trips)


def test_python_reads_the_fuse_state_between_steps():
    # The same scenario stepped from Python: before the short no fuse is loaded; just after it
    # m1's fuse damage grows; after the blow m1 reads blown (damage 1) and the others did not.
    import stacksim

    sim = stacksim.Simulation(ROOT / "scenarios" / "library" / "welded_switch_short.yaml")
    sim.run_until(3.9)
    st = sim.state()
    assert st["fuse_damage"] == [0.0, 0.0, 0.0] and st["fuse_blown"] == [False, False, False]
    sim.run_until(4.004)
    mid = sim.state()
    assert 0.0 < mid["fuse_damage"][1] < 1.0 and not mid["fuse_blown"][1]
    sim.run_until(4.1)
    end = sim.state()
    assert end["fuse_blown"] == [False, True, False]
    assert end["fuse_damage"][1] >= 1.0
    assert all(d < 0.01 for m, d in enumerate(end["fuse_damage"]) if m != 1)
    assert abs(end["inverter_current_a"]) < 1e-6
    with pytest.raises(IndexError):
        sim.fuse_damage(3)


def test_short_circuit_event_value_is_the_current_the_comparator_tripped_on(run):
    """The value of a short_circuit protection event is the fault current's magnitude, latched by
    the AFE when its comparator tripped, not the current measured after the switch opened."""
    events, rows, scenario, _, _ = run
    threshold_a = yaml.safe_load((ROOT / "models" / "params" / "module_4k4pro.yaml").read_text())
    threshold_a = threshold_a["afe"]["sc_threshold_a"]["value"]
    t_short = next(e["t_s"] for e in scenario["events"] if e["action"] == "bus_short")
    trips = {e["source"]: e["details"]["value"] for e in events
             if e["kind"] == "protection" and e["details"]["channel"] == "short_circuit"
             and e["details"]["state"] == "trip"}
    assert sorted(trips) == ["top.stack.m0.bms", "top.stack.m1.bms", "top.stack.m2.bms"]
    # m1 alone on the short (its switch welded, the others opened): the current one module drives.
    alone_a = abs(next(r for r in rows if r["t_s"] > t_short)["stack.m1.current_a"])
    assert alone_a > 2000.0
    for source, value in trips.items():
        assert value >= threshold_a, (source, value)  # the comparator's threshold is a lower bound
        # While all three shared the short, each module carried less than one alone does.
        assert value < alone_a, (source, value, alone_a)
    # Three modules in parallel drive more current into the short than one alone.
    assert sum(trips.values()) > alone_a
