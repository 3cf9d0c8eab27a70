"""The example BMS firmware (models/firmware/example, C99 over stacksim_fw.h and the BQ76952) in
place of every module's BMS, master included, on the default scenario and three library
scenarios. Each run must pass the scenario's own expectations (exit 0), and its bus logs must
pass the checks the project applies to the built-in BMS's:

- can.log: every line candump -L; tools/candecode.py decodes every frame (exit 0); the master's
  Pylontech set, one of each per whole second after the first cycle; 0x351 within the limits the
  parameters allow (CVL 16 x 3.55 V, DVL 16 x 2.90 V, DCL at most the table cap for 0x359's count);
- rs485.log: every frame decoded here by hand from docs/protocols/rs485-framing.md (CHKSUM,
  LCHKSUM, LENID), lasting exactly its character time at 9600 8N1, requests from the master only,
  and every answer's INFO of the exact layout of the request it answers (0x42 with 16 cells and
  4 NTCs = 140 characters, 0x92, 0x44, the join)."""

import json
import math
import struct
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pytest

from conftest import ROOT, run_cli
from test_default_scenario import MASTER_SET, read_can, read_timeseries

CANDECODE = ROOT / "tools" / "candecode.py"
FIRMWARE = ["--set", "stack.firmware.default=example"]
SCENARIOS = {
    "default": ROOT / "scenarios" / "default.yaml",
    "oc_sub_dropout": ROOT / "scenarios" / "library" / "oc_sub_dropout.yaml",
    "cold_morning": ROOT / "scenarios" / "library" / "cold_morning.yaml",
    "rs485_chain_broken": ROOT / "scenarios" / "library" / "rs485_chain_broken.yaml",
}
CAPS = [0, 100, 189, 252, 294, 367.5]  # master.max_dcl_a_by_count (module_4k4pro.yaml)


_RUNS = {}


@pytest.fixture(scope="module")
def fw_output(tmp_path_factory):
    """fw_output(name) -> (name, out, proc): one firmware run per scenario, shared by the tests."""
    def get(name):
        if name not in _RUNS:
            out = tmp_path_factory.mktemp(f"fw_{name}")
            _RUNS[name] = (name, out, run_cli("run", SCENARIOS[name], "--out", out, "--quiet", *FIRMWARE, check=False))
        return _RUNS[name]
    return get


@pytest.fixture(params=sorted(SCENARIOS))
def fw_run(request, fw_output):
    return fw_output(request.param)


def events(out):
    return [json.loads(line) for line in (out / "events.jsonl").open()]


def details(e):
    """An event's details; a firmware's JSON message (the ABI's log text) is read as its fields."""
    d = dict(e["details"])
    if isinstance(d.get("message"), str):
        try:
            d.update(json.loads(d["message"]))
        except ValueError:
            pass
    return d


def test_the_scenario_passes_its_expectations(fw_run):
    name, out, proc = fw_run
    assert proc.returncode == 0, f"{name}: exit {proc.returncode}\n{proc.stderr}"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is True
    failed = [e for e in summary.get("expectations", []) if not e["passed"]]
    assert failed == [], failed


def test_the_bms_events_come_from_the_firmware(fw_run):
    """No built-in BMS ran: no firmware reported a configuration or AFE problem, and every
    module's switch closed through its precharge path at start-up."""
    name, out, _ = fw_run
    ev = events(out)
    bad = [e for e in ev if e["kind"] in ("config_missing", "afe_error", "firmware_halted", "rs485_overrun")]
    assert bad == [], bad
    modules = 3 if name in ("default", "rs485_chain_broken") else 2
    closed = {e["source"] for e in ev if e["kind"] == "switch" and e["t_s"] < 5.0 and details(e).get("closed") is True}
    assert closed == {f"top.stack.m{m}.bms" for m in range(modules)}, closed


def test_can_log_passes_the_project_checks(fw_run):
    name, out, _ = fw_run
    proc = subprocess.run([sys.executable, str(CANDECODE), "--json", str(out / "can.log")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    recs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert recs and not [r for r in recs if "malformed" in json.dumps(r)]
    duration = int(json.loads((out / "summary.json").read_text())["duration_s"])
    per_second = defaultdict(lambda: defaultdict(int))
    for t, can_id, _ in read_can(out / "can.log"):
        per_second[can_id][int(math.floor(t))] += 1
    for can_id in MASTER_SET:
        for second in range(1, duration):
            assert per_second[can_id].get(second, 0) == 1, f"0x{can_id:03X} in [{second}, {second + 1}) s"
    # 0x351 by hand (Pylontech V1.2: u16 CVL 0.1 V, s16 CCL, s16 DCL 0.1 A, u16 DVL 0.1 V) against
    # the module count of the 0x359 of the same cycle; no module counted: all limits 0.
    cycle = defaultdict(dict)
    for t, can_id, data in read_can(out / "can.log"):
        cycle[int(math.floor(t))][can_id] = data
    checked = 0
    for second, frames in cycle.items():
        if 0x351 not in frames:
            continue
        cvl, ccl, dcl, dvl = struct.unpack("<HhhH", frames[0x351])
        count = frames[0x359][4]
        if count == 0:
            assert (ccl, dcl) == (0, 0), (second, frames[0x351].hex())
            continue
        assert cvl == 568 and dvl == 464, (second, frames[0x351].hex())
        assert 0 <= ccl <= 500 * count and 0 <= dcl <= CAPS[count] * 10, (second, count, frames[0x351].hex())
        checked += 1
    assert checked > 50


def decode_rs485(frame):
    """(ver, adr, cid1, cid2, info) of a frame without its CR, checked from rs485-framing.md."""
    assert frame[0] == "~", frame
    body = frame[1:]
    assert len(body) % 2 == 0 and len(body) >= 16, frame
    total = sum(ord(c) for c in body[:-4])
    assert int(body[-4:], 16) == (0x10000 - total % 0x10000) % 0x10000, f"CHKSUM: {frame}"
    length = int(body[8:12], 16)
    lenid = length & 0xFFF
    nibbles = (lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)
    assert length >> 12 == (16 - nibbles % 16) % 16, f"LCHKSUM: {frame}"
    assert lenid == len(body) - 16, f"LENID: {frame}"
    ver, adr, cid1, cid2 = (int(body[i:i + 2], 16) for i in (0, 2, 4, 6))
    return ver, adr, cid1, cid2, bytes.fromhex(body[12:-4])


def check_analog(info, adr):
    """0x42 answer: INFOFLAG, ADR, M cells (s16 mV), N temperatures (0.1 K + 2731), current,
    module mV, remaining mAh, item count, total mAh, cycles, [u24 remaining, u24 total]."""
    assert info[1] == adr
    m = info[2]
    assert m == 16
    cells = struct.unpack_from(">16h", info, 3)
    assert all(2000 <= c <= 3700 for c in cells), cells
    n = info[3 + 32]
    assert n == 4
    temps = [(t - 2731) / 10 for t in struct.unpack_from(">4H", info, 36)]
    assert all(-20 <= t <= 60 for t in temps), temps
    at = 36 + 8
    current, volts, rem16, count, tot16, cycles = struct.unpack_from(">hHHBHH", info, at)
    assert count in (2, 4)
    assert len(info) == at + 11 + (6 if count == 4 else 0)
    if count == 4:
        rem, tot = int.from_bytes(info[at + 11:at + 14], "big"), int.from_bytes(info[at + 14:at + 17], "big")
        assert tot == 100000 and 0 <= rem <= tot


def check_answer(request_cid2, request_info, info, adr):
    if request_cid2 == 0x42:
        check_analog(info, adr)
    elif request_cid2 == 0x92:
        assert len(info) == 10 and info[0] == adr
        cvl, dvl, ccl, dcl, status = struct.unpack(">HHhhB", info[1:])
        assert cvl == 56800 and dvl == 46400
        assert 0 <= ccl <= 500 and -1000 <= dcl <= 0
        assert status & 0x07 == 0
        assert bool(status & 0x80) == (ccl > 0) and bool(status & 0x40) == (dcl < 0)
    elif request_cid2 == 0x44:
        assert info[1] == adr and info[2] == 16 and info[3 + 16] == 4
        assert len(info) == 2 + 1 + 16 + 1 + 4 + 3 + 5
    elif request_cid2 == 0x99:
        assert request_info == bytes([adr, 1]) and info == b""
    else:
        pytest.fail(f"answer to an unexpected request 0x{request_cid2:02X}")


def test_rs485_log_passes_the_project_checks(fw_run):
    name, out, _ = fw_run
    last_request = {}  # hop -> (adr, cid2, info)
    answers = requests = 0
    for line in open(out / "rs485.log"):
        start, end, hop, sender, frame, *flags = line.split()
        assert flags == [], line
        chars = len(frame) + 1  # the log shows the frame without its CR
        assert float(end) - float(start) == pytest.approx(chars * 10 / 9600, abs=2e-9), line
        ver, adr, cid1, cid2, info = decode_rs485(frame)
        assert ver == 0x20 and cid1 == 0x46, line
        if sender == "m0":
            assert cid2 in (0x42, 0x44, 0x92, 0x99), line
            assert info[:1] == bytes([adr]), line
            last_request[hop] = (adr, cid2, info)
            requests += 1
        else:
            assert cid2 == 0x00, line
            assert sender == f"m{adr - 2}", line
            req = last_request.get(hop)
            assert req is not None and req[0] == adr, line
            check_answer(req[1], req[2], info, adr)
            answers += 1
    assert requests > 100 and answers > 100


def test_default_run_polls_every_sub_every_second_and_keeps_three_modules(fw_output):
    _, out, _ = fw_output("default")
    polls = defaultdict(set)
    for line in open(out / "rs485.log"):
        start, end, segment, sender, frame, *flags = line.split()
        if sender == "m0" and frame[7:9] == "42":
            polls[int(frame[3:5], 16)].add(int(float(start)))
    assert set(polls) == {3, 4}
    for adr, seconds in polls.items():
        assert set(range(1, 3599)) <= seconds, f"sub at ADR {adr} not polled every second"
    ts = read_timeseries(out / "timeseries.csv")
    t = ts["t_s"]
    assert np.all(ts["stack.modules_present"][t >= 5] == 3)
    assert ts["inverter.battery_current_a"].min() < -40
    assert ts["inverter.battery_current_a"].max() > 30


def test_python_state_of_a_firmware_stack(tmp_path):
    """The bindings read a firmware stack through the same view as the outputs: master_state gives
    what the example master publishes (3 modules present, the 3-module caps 252 A on a 60 % stack
    with 3 x 50 A CCL = 150 A), None for what only the builtin master keeps; rs485_stats and
    bms_state work for every module."""
    from stacksim import _core
    s = _core.Simulation(path=str(SCENARIOS["default"]), out=str(tmp_path),
                         set=["stack.firmware.default=example", "run.duration_s=20"])
    s.run_until(10.0)
    st = _core.master_state(s)
    assert st["modules_present"] == 3
    assert st["ccl_a"] == pytest.approx(150.0)
    assert st["dcl_a"] == pytest.approx(252.0)
    assert st["sub_lost"] is None and st["cluster_stop"] is None
    stats = _core.rs485_stats(s)
    assert stats["frames"] > 0 and stats["master_rejected"] is None
    assert [m["answered"] for m in stats["modules"]] == [None, None, None]
    for m in range(3):
        b = _core.bms_state(s, m)
        assert b["time_s"] > 9.0 and 55.0 < 100.0 * b["soc"] < 65.0
        assert b["ccl_a"] == pytest.approx(50.0) and b["dcl_a"] == pytest.approx(100.0)
        assert b["voltage_v"] is None and b["locked_out"] is None  # kept by the builtin BMS only
