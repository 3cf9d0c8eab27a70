"""First start ([4K4-family] U18, weco-stack.md "First start"): the stack discharges only after the
inverter has charged every module to 100 %. Runs scenarios/library/first_start_calibration.yaml
(3 modules, BMS SoCs mis-set, site model with request_charge_w) and checks the buses by hand:
can.log with python-can and struct (protocols.md §1.3: 0x351 DCL bytes 4-5 s16 0.1 A; 0x35C byte 0
b7 charge enable, b6 discharge enable, b3 full-charge request), rs485.log character by character
(protocols.md §2.7: the 0x92 answer's last INFO byte is the status, b3 full-charge request).

Independent expectations: every module's DCL is 100 A (module_4k4pro.yaml bms.limits.dcl_a) with no
taper at 25 degC and SoC >= 10 %, so the stack's normal DCL is min(3 x 100, max_dcl_a_by_count[3]);
the master polls every sub within its 1 s poll cycle and sends CAN every 1 s, so it knows of the
last calibration within 2 s."""

import json
import struct

import can  # Debian python3-can
import numpy as np
import pytest
import yaml

from conftest import ROOT, run_cli
from test_default_scenario import read_timeseries

SCENARIO = ROOT / "scenarios" / "library" / "first_start_calibration.yaml"
PARAMS = yaml.safe_load((ROOT / "models" / "params" / "module_4k4pro.yaml").read_text())
NORMAL_DCL_A = min(3 * PARAMS["bms"]["limits"]["dcl_a"]["value"], PARAMS["master"]["max_dcl_a_by_count"]["value"][3])
POLL_S = PARAMS["master"]["poll_period_s"]["value"]
CAN_S = PARAMS["master"]["can_period_s"]["value"]
LATENCY_S = PARAMS["bms"]["response_latency_s"]["value"]


def run(tmp_path, *sets, returncode=0):
    out = tmp_path / "out"
    args = ["run", SCENARIO, "--out", out, "--quiet"]
    for s in sets:
        args += ["--set", s]
    proc = run_cli(*args, check=False)
    assert proc.returncode == returncode, proc.stderr
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return out, events, list(can.CanutilsLogReader(str(out / "can.log")))


def frames(msgs, can_id):
    return [m for m in msgs if m.arbitration_id == can_id]


def dcl_a(m):
    return struct.unpack("<HhhH", bytes(m.data))[2] * 0.1


@pytest.fixture(scope="module")
def first_start_run(tmp_path_factory):
    return run(tmp_path_factory.mktemp("first_start"))


def test_dcl_zero_and_full_charge_request_until_the_last_module_calibrates(first_start_run):
    out, events, msgs = first_start_run
    cal = {e["source"]: e["t_s"] for e in events if e["kind"] == "first_start_calibrated"}
    assert sorted(cal) == [f"top.stack.m{k}.bms" for k in range(3)]
    (hold,) = [e for e in events if e["kind"] == "first_start_hold"]
    (done,) = [e for e in events if e["kind"] == "first_start_done"]
    assert done["details"]["reason"] == "all modules reached 100 %, normal operation"
    t_last, t_done = max(cal.values()), done["t_s"]
    assert t_last < t_done <= t_last + POLL_S + CAN_S + 0.01
    assert hold["t_s"] < 1.01  # the first CAN cycle (1 s, after the first measurement)

    f351, f35c = frames(msgs, 0x351), frames(msgs, 0x35C)
    assert len(f351) == len(f35c) > 2000
    # From the very first cycle until the master knows of the last calibration: DCL exactly 0,
    # discharge disabled, charge enabled, full-charge request set.
    held = [(a, c) for a, c in zip(f351, f35c) if a.timestamp < t_done]
    assert held[0][0] is f351[0] and len(held) >= int(t_done) - 1
    for a, c in held:
        assert abs(c.timestamp - a.timestamp) < 0.01  # the same cycle
        assert struct.unpack("<HhhH", bytes(a.data))[2] == 0, a.timestamp
        assert c.data[0] & 0x08 and c.data[0] & 0x80 and not c.data[0] & 0x40, (a.timestamp, c.data[0])
    # The cycle that ends the hold already carries the normal DCL and no request.
    a, c = next((a, c) for a, c in zip(f351, f35c) if a.timestamp > t_done)
    assert a.timestamp - t_done < CAN_S
    assert dcl_a(a) == pytest.approx(NORMAL_DCL_A, abs=0.05)
    assert c.data[0] & 0x40 and not c.data[0] & 0x08
    # ... and so do all later ones (the load's 14 A is far from any limit).
    for a, c in zip(f351, f35c):
        if a.timestamp > t_done:
            assert dcl_a(a) == pytest.approx(NORMAL_DCL_A, abs=0.05)
            assert not c.data[0] & 0x08

    # The battery never discharged while held, and does after.
    ts = read_timeseries(out / "timeseries.csv")
    t, i = ts["t_s"], ts["inverter.battery_current_a"]
    assert np.all(i[t <= t_done] >= 0.0)
    assert np.all(i[t >= t_done + 1] < -10.0)
    assert np.all(ts["stack.first_start_hold"][(t >= 2) & (t <= t_done)] == 1)
    assert np.all(ts["stack.first_start_hold"][t > t_done] == 0)
    # Every BMS reads 100 % at the end of the hold, however wrong its stored SoC was (70 / 100 %).
    row = int(np.searchsorted(t, t_done))
    for k in range(3):
        assert ts[f"stack.m{k}.soc_pct"][row] == pytest.approx(100.0, abs=0.01)


def test_rs485_0x92_b3_until_each_sub_calibrates(first_start_run):
    out, events, _ = first_start_run
    cal = {e["source"]: e["t_s"] for e in events if e["kind"] == "first_start_calibrated"}
    seen = {1: [0, 0], 2: [0, 0]}
    polled = None
    for line in (out / "rs485.log").read_text().splitlines():
        start, _end, segment, sender, chars = line.split()[:5]
        if segment != "hop0":  # every frame of the chain crosses hop0
            continue
        # "~" VER ADR CID1 CID2|RTN LENGTH INFO CHKSUM, two hex digits per byte
        if sender == "m0":
            polled = int(chars[3:5], 16) - 2 if chars[7:9] == "92" else None
            continue
        if polled is None or sender != f"m{polled}":
            continue
        lenid = int(chars[9:13], 16) & 0x0FFF
        assert lenid == 20  # command byte + 4 x u16 + status byte
        status = int(chars[13 : 13 + lenid][-2:], 16)
        # The answer is computed when the request arrives, LATENCY_S before it starts.
        asked = float(start) - LATENCY_S < cal[f"top.stack.m{polled}.bms"]
        assert bool(status & 0x08) == asked, (start, sender, hex(status))
        seen[polled][0 if asked else 1] += 1
        polled = None
    for k, (before, after) in seen.items():
        assert before > 1000 and after > 300, (k, before, after)


def test_without_first_start_nothing_is_held(tmp_path):
    # The scenario's own expectations fail then (exit code 3): no hold, no calibration.
    out, events, msgs = run(tmp_path, "stack.first_start=false", "run.duration_s=60", returncode=3)
    assert not [e for e in events if e["kind"].startswith("first_start") or e["kind"] == "charge_request"]
    f351, f35c = frames(msgs, 0x351), frames(msgs, 0x35C)
    assert len(f351) == len(f35c) >= 59
    for a, c in zip(f351, f35c):
        assert dcl_a(a) == pytest.approx(NORMAL_DCL_A, abs=0.05), a.timestamp
        assert c.data[0] & 0x40 and not c.data[0] & 0x08
    ts = read_timeseries(out / "timeseries.csv")
    held = ts["stack.first_start_hold"]  # missing (NaN) only before the master's first CAN cycle
    assert np.all(held[~np.isnan(held)] == 0) and not np.isnan(held[ts["t_s"] >= 2]).any()
    # The load discharges the stack from the first control period after the first limits.
    assert np.all(ts["inverter.battery_current_a"][ts["t_s"] >= 2] < -10.0)
    # The BMSs keep their stored SoCs (m2: 100 %, not capped).
    soc = ts["stack.m2.soc_pct"]
    # its first measurement (2 ms in: the stored 100 % less 2 ms of coulomb counting)
    assert soc[~np.isnan(soc)][0] == pytest.approx(100.0, abs=1e-4)


def test_request_charge_w_zero_ignores_the_request(tmp_path):
    out, events, msgs = run(tmp_path, "inverter.request_charge_w=0", "run.duration_s=60", returncode=3)
    assert [e["kind"] for e in events if e["kind"].startswith("first_start")] == ["first_start_hold"]
    assert not [e for e in events if e["kind"] == "charge_request"]
    assert all(c.data[0] & 0x08 for c in frames(msgs, 0x35C))  # asked, but not honoured
    ts = read_timeseries(out / "timeseries.csv")
    late = ts["t_s"] >= 2
    assert np.all(np.abs(ts["inverter.battery_current_a"][late]) < 1e-9)  # held: no discharge, no charge
    assert np.all(ts["inverter.grid_power_w"][late] == pytest.approx(800.0))  # the load from the grid


def test_python_state_shows_the_hold(tmp_path):
    from stacksim import _core

    text = """
name: first_start_api
run: {duration_s: 10, record_cells: false, vcd: false}
stack: {modules: 2, initial_soc_pct: 50, first_start: true}
inverter: {protocol: pylontech, battery_power_w: -1000}
"""
    s = _core.Simulation(yaml_text=text, out=str(tmp_path))
    s.run_until(5.0)
    m = _core.master_state(s)
    assert m["first_start_hold"] is True and m["modules_uncalibrated"] == 2
    assert m["dcl_a"] == 0.0 and m["ccl_a"] > 0
    assert [_core.bms_state(s, k)["calibrated"] for k in range(2)] == [False, False]
    # A 1 kW discharge request is refused while held (battery_power_w: the request is not honoured
    # as a charge either, the DC power mode ignores 0x35C requests).
    assert abs(s.series("inverter.battery_current_a")[-1]) < 1e-9
    s.finish()


@pytest.mark.parametrize(
    "old,new,key,expected",
    [
        ("first_start: true", "first_start: maybe", "stack.first_start", "expected"),
        ("request_charge_w: 8000", "request_charge_w: -5", "inverter.request_charge_w", "expected a number in"),
        ("load_w: 800\n  request_charge_w: 8000", "battery_power_w: 0\n  request_charge_w: 8000", "inverter",
         "either battery_power_w"),
    ],
    ids=["first_start_not_bool", "request_negative", "request_with_dc_power"],
)
def test_bad_first_start_keys_are_refused(tmp_path, old, new, key, expected):
    text = SCENARIO.read_text()
    assert old in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1))
    proc = run_cli("validate", path, check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"key '{key}'" in proc.stderr and expected in proc.stderr, proc.stderr
