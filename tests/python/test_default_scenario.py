"""The output contract of the default scenario, checked independently of the C++ code:
frames are decoded here by hand from the byte layouts in the Pylontech V1.2 CAN specification."""

import csv
import json
import math
import struct
from collections import defaultdict

import numpy as np
import pytest

MASTER_SET = [0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E]


def read_timeseries(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    data = np.array([[float(x) if x else np.nan for x in r] for r in rows[1:]])  # empty: missing
    return {name: data[:, i] for i, name in enumerate(header)}


def read_can(path):
    frames = []
    for line in open(path):
        ts, iface, body = line.split()
        assert iface == "can0"
        can_id, data = body.split("#")
        frames.append((float(ts.strip("()")), int(can_id, 16), bytes.fromhex(data)))
    return frames


def test_five_files_written(default_run):
    for name in ["timeseries.csv", "can.log", "rs485.log", "events.jsonl", "summary.json"]:
        assert (default_run / name).is_file(), name
    summary = json.loads((default_run / "summary.json").read_text())
    assert summary["completed"] is True
    assert summary["simulated_s"] == pytest.approx(3600.0)
    assert summary["seed"] == 1
    assert summary["wall_s"] > 0


def test_each_master_frame_and_heartbeat_once_per_second(default_run):
    frames = read_can(default_run / "can.log")
    duration = 3600
    per_second = defaultdict(lambda: defaultdict(int))
    for t, can_id, _ in frames:
        per_second[can_id][int(math.floor(t))] += 1
    for can_id in MASTER_SET + [0x305]:
        counts = per_second[can_id]
        # Every whole second after the first cycle carries exactly one of each.
        for second in range(1, duration):
            assert counts.get(second, 0) == 1, f"0x{can_id:03X} appears {counts.get(second, 0)} times in [{second}, {second + 1}) s"


def test_master_polls_every_sub(default_run):
    polls = defaultdict(set)
    for line in open(default_run / "rs485.log"):
        start, end, segment, sender, frame, *flags = line.split()
        assert float(end) > float(start)
        if sender == "m0" and frame[7:9] == "42":
            polls[int(frame[3:5], 16)].add(int(float(start)))
    assert set(polls) == {3, 4}
    for adr, seconds in polls.items():
        assert set(range(0, 3599)) <= seconds, f"sub at ADR {adr} not polled every second"


def test_module_currents_add_up_to_inverter_current(default_run):
    ts = read_timeseries(default_run / "timeseries.csv")
    total = ts["stack.m0.current_a"] + ts["stack.m1.current_a"] + ts["stack.m2.current_a"]
    assert np.max(np.abs(total - ts["inverter.battery_current_a"])) < 1e-9
    # and the stack really worked: it discharged and charged
    assert ts["inverter.battery_current_a"].min() < -40
    assert ts["inverter.battery_current_a"].max() > 30


def test_can_values_match_timeseries(default_run):
    ts = read_timeseries(default_run / "timeseries.csv")
    t = ts["t_s"]
    checked = 0
    for eof, can_id, data in read_can(default_run / "can.log"):
        # The master samples its module at the start of the CAN cycle (a whole second) and sends
        # the set right after: 0x356's voltage is the stack voltage of that instant's row.
        sampled = int(np.searchsorted(t, math.floor(eof)))
        # stack.soc_pct is the SoC the master reports; it shows from the first row after the frame.
        after = int(np.searchsorted(t, eof))
        assert t[sampled] == pytest.approx(math.floor(eof))
        if can_id == 0x356:
            volts = struct.unpack_from("<h", data, 0)[0] * 0.01
            assert abs(volts - ts["stack.voltage_v"][sampled]) <= 0.01, f"t={eof}"
            checked += 1
        elif can_id == 0x355 and after < len(t):
            soc = struct.unpack_from("<H", data, 0)[0]
            assert abs(soc - ts["stack.soc_pct"][after]) <= 1.0, f"t={eof}"
            checked += 1
    assert checked > 7000


def test_python_api_runs_default_scenario():
    import stacksim
    from conftest import ROOT

    r = stacksim.run(str(ROOT / "scenarios" / "default.yaml"), set=["run.duration_s=20"])
    i0 = r.series("stack.m0.current_a")
    assert len(i0) == len(r.t_s) == 21
    assert r.t_s[0] == 0.0 and r.t_s[-1] == pytest.approx(20.0)
    assert r.summary["simulated_s"] == pytest.approx(20.0)
