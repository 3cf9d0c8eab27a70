"""Timed scenario events (applied at their exact instant, logged in events.jsonl) and
expectations (max/min, reaches-before, share, event/no_event), checked against values computed
here independently from timeseries.csv and events.jsonl."""

import json
import textwrap

import pandas as pd
import pytest

from conftest import run_cli

BASE = """\
name: exp_test
seed: 1
run: {duration_s: 60, step_s: 0.1, record_every: 1, record_cells: false}
stack: {modules: 2, initial_soc_pct: 60, initial_temp_c: 25}
inverter:
  protocol: pylontech
  battery_power_w: {interpolation: step, points: [[0, 0], [5, -2000], [60, 0]]}
"""


def write(tmp_path, extra, name="s.yaml", base=BASE):
    p = tmp_path / name
    p.write_text(base + textwrap.dedent(extra))
    return p


def run(tmp_path, extra, base=BASE):
    p = write(tmp_path, extra, base=base)
    out = tmp_path / "out"
    proc = run_cli("run", p, "--out", out, "--quiet", check=False)
    return proc, out


def results(out):
    return {r["name"]: r for r in json.loads((out / "summary.json").read_text())["expectations"]}


def events(out):
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def test_override_event_applies_at_its_instant(tmp_path):
    proc, out = run(tmp_path, """\
        events:
          - {t_s: 20.05, action: inverter_power_w, value: 1500}
          - {t_s: 40, action: inverter_power_w, value: profile}
        """)
    assert proc.returncode == 0, proc.stderr
    ev = [e for e in events(out) if e["source"] == "scenario"]
    assert [e["t_s"] for e in ev] == [20.05, 40.0]  # exact instants, off the 0.1 s grid too
    assert ev[0]["kind"] == "scenario_event" and ev[0]["details"]["action"] == "inverter_power_w"
    assert ev[0]["details"]["power_w"] == 1500 and ev[1]["details"]["power_w"] == "profile"
    ts = pd.read_csv(out / "timeseries.csv")
    i = ts["inverter.battery_current_a"]
    # profile: -2000 W discharging before 20.05 s; 1500 W charging between; the profile again after 40 s
    assert (i[(ts.t_s > 10) & (ts.t_s < 20.0)] < -30).all()
    v = ts["inverter.dc_voltage_v"]
    window = (ts.t_s > 22) & (ts.t_s < 39.9)
    assert (i[window] * v[window]).mean() == pytest.approx(1500, rel=0.03)
    assert (i[(ts.t_s > 42)] < -30).all()


def test_max_min_report_the_first_violation(tmp_path):
    proc, out = run(tmp_path, """\
        expectations:
          - {name: current never below -30 A, min: inverter.battery_current_a, at_least: -30}
          - {name: module voltages at most 60 V, max: "stack.m*.voltage_v", at_most: 60}
          - {name: module voltages at most 52.6 V after 10 s, max: "stack.m?.voltage_v", at_most: 52.6, from_s: 10}
        """)
    assert proc.returncode == 3
    ts = pd.read_csv(out / "timeseries.csv")
    r = results(out)
    first = ts.t_s[ts["inverter.battery_current_a"] < -30].iloc[0]  # independent: first row below -30 A
    assert r["current never below -30 A"]["passed"] is False
    assert r["current never below -30 A"]["t_s"] == pytest.approx(first, abs=1e-9)
    assert f"at t = {first:.3f} s" in r["current never below -30 A"]["message"]
    assert "current never below -30 A" in proc.stderr and "inverter.battery_current_a" in proc.stderr
    assert r["module voltages at most 60 V"]["passed"] is True
    vmax = ts.loc[ts.t_s >= 10, ["stack.m0.voltage_v", "stack.m1.voltage_v"]].max().max()
    assert r["module voltages at most 52.6 V after 10 s"]["passed"] == bool(vmax <= 52.6)


def test_missing_values_neither_pass_nor_fail_an_expectation(tmp_path):
    # The master's and the inverter's values are missing (empty, NaN) until the first CAN cycle
    # at 1 s (docs/outputs.md): max / min judge the rows that have a value; a window without
    # any value fails, naming the reason, since nothing was checked; a missing value never
    # "reaches" a limit and never satisfies a `while:`.
    proc, out = run(tmp_path, """\
        expectations:
          - {name: soc reported above 50, min: stack.soc_pct, at_least: 50}
          - {name: dcl at most 1000, max: "*.dcl_a", at_most: 1000}
          - {name: soc before the first frame, min: stack.soc_pct, at_least: 50, until_s: 0.5}
          - {name: soc reaches 0, reaches: {column: stack.soc_pct, at_most: 0}}
          - {name: current while no limit, max: inverter.battery_current_a, at_most: 1000,
             while: {column: inverter.dcl_a, at_most: 0}}
        """)
    ts = pd.read_csv(out / "timeseries.csv")
    soc = ts["stack.soc_pct"]
    assert soc.isna().iloc[0] and soc.notna().any()
    assert (soc.dropna() >= 50).all()  # independent: every reported value is above 50 %
    r = results(out)
    assert r["soc reported above 50"]["passed"] is True, r["soc reported above 50"]["message"]
    assert f"{soc.notna().sum()} rows" in r["soc reported above 50"]["message"]
    assert r["dcl at most 1000"]["passed"] is True, r["dcl at most 1000"]["message"]
    assert r["soc before the first frame"]["passed"] is False
    assert "no value" in r["soc before the first frame"]["message"]
    assert r["soc reaches 0"]["passed"] is False
    assert r["current while no limit"]["passed"] is False
    assert "no recorded row" in r["current while no limit"]["message"]
    assert proc.returncode == 3


def test_reaches_before_order(tmp_path):
    proc, out = run(tmp_path, """\
        expectations:
          - name: discharge starts before the override
            reaches: {column: inverter.battery_current_a, at_most: -10}
            before: {column: inverter.battery_current_a, at_least: 10}
          - name: charging before discharging (wrong)
            reaches: {column: inverter.battery_current_a, at_least: 10}
            before: {column: inverter.battery_current_a, at_most: -10}
          - name: never reaches 1000 A
            reaches: {column: inverter.battery_current_a, at_most: -1000}
        events:
          - {t_s: 30, action: inverter_power_w, value: 1500}
        """)
    assert proc.returncode == 3
    ts = pd.read_csv(out / "timeseries.csv")
    i = ts["inverter.battery_current_a"]
    t_dis, t_chg = ts.t_s[i <= -10].iloc[0], ts.t_s[i >= 10].iloc[0]
    assert 5 < t_dis < 7 and 30 < t_chg < 32
    r = results(out)
    assert r["discharge starts before the override"]["passed"] is True
    assert r["discharge starts before the override"]["t_s"] == pytest.approx(t_dis)
    bad = r["charging before discharging (wrong)"]
    assert bad["passed"] is False and f"at t = {t_chg:.3f} s, not before" in bad["message"]
    assert r["never reaches 1000 A"]["passed"] is False
    assert "never happened" in r["never reaches 1000 A"]["message"]


def test_while_restricts_the_rows_checked(tmp_path):
    # Discharging at 2 kW from 5 s, then charging at 1.5 kW from 30 s (override): "no charge current
    # while discharging is requested" holds only if `while` keeps the rows of the other phase out.
    proc, out = run(tmp_path, """\
        expectations:
          - name: no charge while the command discharges
            max: inverter.battery_current_a
            at_most: 0.5
            while: {column: inverter.command_a, at_most: -1}
          - name: no charge at all (wrong)
            max: inverter.battery_current_a
            at_most: 0.5
          - name: discharge while charging is commanded
            reaches: {column: inverter.battery_current_a, at_most: -1}
            while: {column: inverter.command_a, at_least: 1}
          - name: a condition that never holds checks nothing and fails
            min: inverter.battery_current_a
            at_least: 0
            while: {column: inverter.command_a, at_least: 1000}
        events:
          - {t_s: 30, action: inverter_power_w, value: 1500}
        """)
    assert proc.returncode == 3
    ts = pd.read_csv(out / "timeseries.csv")
    r = results(out)
    rows = ts[ts["inverter.command_a"] <= -1]  # independent: the rows the condition selects
    assert len(rows) > 100 and rows["inverter.battery_current_a"].max() <= 0.5
    ok = r["no charge while the command discharges"]
    assert ok["passed"] is True and f"{len(rows)} rows" in ok["message"]
    assert "while inverter.command_a <= -1" in ok["message"]
    assert r["no charge at all (wrong)"]["passed"] is False
    # `reaches` with `while`: the first row where both hold, as pandas finds it. The row at the
    # override's instant has the new command and the last step's (discharge) current.
    both = ts[(ts["inverter.command_a"] >= 1) & (ts["inverter.battery_current_a"] <= -1)]
    reach = r["discharge while charging is commanded"]
    assert reach["passed"] is (len(both) > 0)
    if len(both):
        assert reach["t_s"] == pytest.approx(both.t_s.iloc[0], abs=1e-9)
    never = r["a condition that never holds checks nothing and fails"]
    assert never["passed"] is False and "no recorded row in the window while" in never["message"]


def test_share_matches_a_hand_computation(tmp_path):
    base = BASE.replace("stack: {modules: 2, initial_soc_pct: 60, initial_temp_c: 25}",
                        "stack: {modules: 3, initial_soc_pct: 60, initial_temp_c: 25, module: {m2: {initial_soc_pct: 61}}}")
    proc, out = run(tmp_path, """\
        expectations:
          - {name: m2 within 50 %, share: {module: 2, within_pct: 50}, from_s: 10}
          - {name: m2 within 0.001 %, share: {module: 2, within_pct: 0.001}, from_s: 10}
        """, base=base)
    ts = pd.read_csv(out / "timeseries.csv")
    w = ts[ts.t_s >= 10]
    cur = w[[f"stack.m{m}.current_a" for m in range(3)]]
    mean = cur.mean(axis=1)
    keep = mean.abs() >= 1.0
    dev = (100 * (cur["stack.m2.current_a"] - mean).abs() / mean.abs())[keep]
    r = results(out)
    assert r["m2 within 50 %"]["passed"] == bool(dev.max() <= 50)
    assert r["m2 within 0.001 %"]["passed"] == bool(dev.max() <= 0.001)
    assert r["m2 within 0.001 %"]["passed"] is False  # different SoC: unequal currents
    assert proc.returncode == 3


def test_event_expectations_and_faults(tmp_path):
    base = BASE.replace("record_every: 1,", "record_every: 10,")
    proc, out = run(tmp_path, """\
        events:
          - {t_s: 10, action: rs485_noise, frames: 2}
          - {t_s: 12, action: can_errors, frames: 3}
          - {t_s: 15, action: ntc_drift, module: 1, sensor: 0, k_per_s: 0.5}
          - {t_s: 15.5, action: ntc_stuck, module: 1, sensor: 2}
          - {t_s: 16, action: open_wire, module: 1, cell: 5}
          - {t_s: 50, action: contact_loosening, contact: contact.m1.pos.m0, loosening_time_s: 86400}
          - {t_s: 55, action: contact_torque, contact: contact.m1.pos.m0, torque_nm: 14}
        expectations:
          - name: seven scenario events
            event: {source: scenario, kind: scenario_event, count: 7}
          - name: the open sense wire trips m1's sensor protection
            event: {source: top.stack.m1.bms, kind: protection, contains: sensor}
            from_s: 16
          - name: m0 never protects
            no_event: {source: top.stack.m0.bms, kind: protection}
          - name: an RS485 frame was garbled
            event: {source: top.stack.m0.master, kind: rs485_rejected}
            from_s: 10
            until_s: 14
          - name: no scenario event before 10 s
            no_event: {source: scenario}
            until_s: 9.99
          - name: eight scenario events (wrong)
            event: {source: scenario, kind: scenario_event, count: 8}
        """, base=base)
    ev = events(out)
    sc = [e for e in ev if e["source"] == "scenario"]
    assert [e["details"]["action"] for e in sc] == ["rs485_noise", "can_errors", "ntc_drift", "ntc_stuck",
                                                   "open_wire", "contact_loosening", "contact_torque"]
    assert [e["t_s"] for e in sc] == [10, 12, 15, 15.5, 16, 50, 55]
    r = results(out)
    for name in ("seven scenario events", "the open sense wire trips m1's sensor protection", "m0 never protects",
                 "no scenario event before 10 s"):
        assert r[name]["passed"] is True, r[name]["message"]
    assert r["eight scenario events (wrong)"]["passed"] is False
    assert "seen 7 times, expected at least 8" in r["eight scenario events (wrong)"]["message"]
    trip = [e for e in ev if e["source"] == "top.stack.m1.bms" and e["kind"] == "protection"
            and e["details"].get("channel") == "sensor"]
    assert trip and r["the open sense wire trips m1's sensor protection"]["t_s"] == pytest.approx(trip[0]["t_s"])
    garbled = [e for e in ev if e["kind"] == "rs485_rejected" and 10 <= e["t_s"] <= 14]
    assert r["an RS485 frame was garbled"]["passed"] == bool(garbled)
    assert summary_ok(out) is False and proc.returncode == 3


def summary_ok(out):
    return json.loads((out / "summary.json").read_text())["expectations_passed"]


BAD = [
    ("""\
     expectations:
       - {name: x, event: {kind: switch}, while: {column: stack.dcl_a, at_most: 0}}
     """, "expectations[0].while", "no 'while' with event / no_event"),
    ("""\
     expectations:
       - {name: x, max: stack.dcl_a, at_most: 1, while: {column: stack.nothing, at_most: 0}}
     """, "expectations[0]", "'stack.nothing' matches none"),
    ("events:\n  - {t_s: 10, action: explode}\n", "events[0].action", "one of"),
    ("events:\n  - {t_s: 100, action: can_errors, frames: 1}\n", "events[0].t_s", "[1e-09, 60]"),
    ("events:\n  - {t_s: 0, action: can_errors, frames: 1}\n", "events[0].t_s", "expected a number"),
    ("events:\n  - {t_s: 5, action: can_errors}\n", "events[0].frames", "missing required key"),
    ("events:\n  - {t_s: 5, action: can_errors, frames: 1, hop: 2}\n", "events[0].hop", "unknown key"),
    ("events:\n  - {t_s: 5, action: rs485_hop_cut, hop: 1}\n", "events[0].hop", "[0, 0]"),
    ("events:\n  - {t_s: 5, action: open_wire, module: 2, cell: 1}\n", "events[0].module", "[0, 1]"),
    ("events:\n  - {t_s: 5, action: open_wire, module: 1, cell: 16}\n", "events[0].cell", "[0, 15]"),
    ("events:\n  - {t_s: 5, action: can_node, node: bms, online: false}\n", "events[0].node", "battery"),
    ("events:\n  - {t_s: 5, action: contact_torque, contact: contact.m9.pos, torque_nm: 2}\n",
     "events[0].contact", "a contact of the stack's wiring"),
    ("events:\n  - {t_s: 5, action: cable_change, cable: cable.pos.m7_m8, cross_section_mm2: 16}\n",
     "events[0].cable", "a cable of the stack's wiring"),
    ("events:\n  - {t_s: 5, action: cable_change, cable: cable.pos.m0_m1}\n", "events[0]",
     "at least one of length_m, cross_section_mm2"),
    ("events:\n  - {t_s: 5, action: cable_change, cable: cable.pos.m0_m1, length_m: 0}\n", "events[0].length_m",
     "expected a number in [0.001, 1000]"),
    ("events:\n  - {t_s: 5, action: cable_change, cable: cable.pos.m0_m1, cross_section_mm2: 5000}\n",
     "events[0].cross_section_mm2", "expected a number in [0.1, 1000]"),
    ("events:\n  - {t_s: 5, action: cable_change, cable: cable.neg.inv_m1, length_m: 2, cross_section_mm2: 20}\n",
     "events[0].cross_section_mm2", "not in the IEC 60228 class5 table"),
    ("events:\n  - {t_s: 5, action: cable_change, contact: contact.m0.pos.m1, length_m: 2}\n", "events[0].contact",
     "unknown key"),
    ("expectations:\n  - {name: x, max: stack.nothing_v, at_most: 1}\n", "expectations[0]", "matches none"),
    ("expectations:\n  - {name: x, max: stack.voltage_v}\n", "expectations[0].at_most", "missing required key"),
    ("expectations:\n  - {name: x, max: stack.voltage_v, min: stack.voltage_v, at_most: 1}\n", "expectations[0]",
     "exactly one of"),
    ("expectations:\n  - {name: x, max: stack.voltage_v, at_least: 1, at_most: 2}\n", "expectations[0].at_least",
     "no 'at_least' with max"),
    ("expectations:\n  - {name: x, reaches: {column: stack.voltage_v}}\n", "expectations[0].reaches",
     "exactly one of at_most, at_least"),
    ("expectations:\n  - {name: x, share: {module: 5, within_pct: 5}}\n", "expectations[0].share.module",
     "a module of the stack"),
    ("expectations:\n  - {max: stack.voltage_v, at_most: 1}\n", "expectations[0].name", "missing required key"),
    ("expectations:\n  - {name: x, event: {sorce: a}}\n", "expectations[0].event.sorce", "unknown key"),
    ("expectations:\n  - {name: x, max: stack.voltage_v, at_most: 1, from_s: 10, until_s: 5}\n",
     "expectations[0].until_s", "expected a number"),
]


@pytest.mark.parametrize("extra,key,expected", BAD, ids=range(len(BAD)))
def test_bad_events_and_expectations_are_refused(tmp_path, extra, key, expected):
    p = write(tmp_path, extra, "bad.yaml")
    out = tmp_path / "out"
    proc = run_cli("run", p, "--out", out, "--quiet", check=False)
    assert proc.returncode == 2, proc.stderr
    assert str(p) in proc.stderr and f"key '{key}'" in proc.stderr, proc.stderr
    assert expected in proc.stderr, proc.stderr
    assert not out.exists()  # nothing written
    assert run_cli("validate", p, check=False).returncode == 2
