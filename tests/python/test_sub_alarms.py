"""A sub's protection reaches the inverter: the master polls every sub's alarm info (0x44) and ORs
the conditions into 0x359 (master.poll_alarms, docs/protocols/rs485.md). Checked from can.log
(python-can) against the sub's own protection event in events.jsonl."""

import json

import can
import pytest

from conftest import run_cli

SCENARIO = """\
name: hot_sub
seed: 1
run: {duration_s: 20, step_s: 0.1, record_every: 10, record_cells: false, vcd: false}
stack:
  modules: 3
  initial_soc_pct: 60
  initial_temp_c: 25
  module:
    m2: {initial_temp_c: 62}   # above the 60 degC discharge over-temperature protection
inverter: {protocol: pylontech, battery_power_w: -1000}
"""
OVER_TEMP = 0x08  # 0x359 byte 0 (protection 1) bit 3: cell over-temperature (protocols.md §1.3)


def run(tmp_path, *sets):
    path = tmp_path / "hot_sub.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / ("out" + str(len(sets)))
    args = ["run", path, "--out", out, "--quiet"]
    for s in sets:
        args += ["--set", s]
    run_cli(*args)
    frames = [(m.timestamp, bytes(m.data)) for m in can.CanutilsLogReader(str(out / "can.log"))
              if m.arbitration_id == 0x359]
    events = [json.loads(l) for l in (out / "events.jsonl").read_text().splitlines()]
    return frames, events


def test_a_sub_in_over_temperature_protection_shows_in_0x359(tmp_path):
    frames, events = run(tmp_path)
    trips = [e for e in events if e["source"] == "top.stack.m2.bms" and e["kind"] == "protection"
             and e["details"]["channel"] == "discharge_ot" and e["details"]["state"] == "trip"]
    assert len(trips) == 1
    t_trip = trips[0]["t_s"]
    assert 2.0 <= t_trip <= 3.0  # its 2 s delay after the first measurement
    flagged = [t for t, d in frames if d[0] & OVER_TEMP]
    assert flagged, "the sub's protection never reached 0x359"
    assert all(t > t_trip for t in flagged)
    # Next poll of m2's 0x44 (1 s cycle) and the next CAN cycle after it (1 s).
    assert flagged[0] <= t_trip + 2.1
    # Once set it stays (the module stays hot): every later frame carries it.
    assert all(d[0] & OVER_TEMP for t, d in frames if t >= flagged[0])
    # The master and m1 are fine: nothing else in byte 0.
    assert all(d[0] & ~OVER_TEMP == 0 for _, d in frames)


def test_without_the_alarm_poll_the_inverter_never_hears_of_it(tmp_path):
    frames, events = run(tmp_path, "parameters.module.master.poll_alarms=0")
    assert any(e["kind"] == "protection" and e["source"] == "top.stack.m2.bms" for e in events)
    assert frames and not any(d[0] & OVER_TEMP for _, d in frames)
