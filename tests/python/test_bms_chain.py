"""BMS and RS485-chain behaviour of a whole stack, driven from Python with the bind_bms hooks:
chain cut (lost subs, limits drop on CAN), master off (subs open within 60 s), start-up voltage
window, cluster rule. Expected values are hand computations from models/params/module_4k4pro.yaml:
per module CCL 50 A / DCL 100 A (no derating at 50 % SoC, 25 degC), stack caps by module count
[0, 100, 189, 252, 294] A, poll period 1 s, response timeout 0.5 s, 1 retry, lost after 3 misses,
sub master timeout 30 s, join window 1.5 V, cluster stop above 2 protected modules."""

import json
import pathlib

import numpy as np
import pytest

from stacksim import _core


def scenario(modules, extra_stack="", power_w=0, duration_s=200):
    return f"""
name: bms-chain
run: {{duration_s: {duration_s}, step_s: 0.1, record_every: 1, record_cells: false}}
stack:
  modules: {modules}
  initial_soc_pct: 50
{extra_stack}
inverter:
  protocol: pylontech
  battery_power_w: {power_w}
"""


def events(out, kind=None):
    evs = [json.loads(line) for line in open(pathlib.Path(out) / "events.jsonl")]
    return [e for e in evs if kind is None or e["kind"] == kind]


def can_351(out):
    """(end time, CCL A, DCL A) of every 0x351 in can.log."""
    rows = []
    for line in open(pathlib.Path(out) / "can.log"):
        t, _, frame = line.split()[:3]
        can_id, data = frame.split("#")
        if int(can_id, 16) == 0x351:
            b = bytes.fromhex(data)
            rows.append((float(t.strip("()")), int.from_bytes(b[2:4], "little", signed=True) * 0.1,
                         int.from_bytes(b[4:6], "little", signed=True) * 0.1))
    return rows


def test_chain_cut_between_sub1_and_sub2(tmp_path):
    s = _core.Simulation(yaml_text=scenario(4), out=str(tmp_path))
    s.run_until(10.0)
    st = _core.master_state(s)
    assert st["sub_joined"] == [True, True, True]
    assert st["modules_present"] == 4
    # 4 x 50 A = 200 A (cap 294 A); 4 x 100 A = 400 A -> cap 294 A
    assert st["ccl_a"] == pytest.approx(200.0)
    assert st["dcl_a"] == pytest.approx(294.0)
    t_cut = 10.0
    _core.rs485_set_hop_cut(s, 1, True)  # hop 1: m1 (Sub#1) port B -- m2 (Sub#2) port A
    s.run_until(60.0)
    st = _core.master_state(s)
    assert st["sub_lost"] == [False, True, True]
    assert st["modules_present"] == 2
    # surviving share: 2 x 50 = 100 A (cap 189 A); 2 x 100 A = 200 A -> cap 189 A
    assert st["ccl_a"] == pytest.approx(100.0)
    assert st["dcl_a"] == pytest.approx(189.0)
    s.finish()
    lost = {e["details"]["address"]: e["t_s"] for e in events(tmp_path, "sub_lost")}
    assert set(lost) == {4, 5}
    # Configured timeout: 3 missed cycles; a cycle with 2 silent subs lasts at most
    # poll 1 s + 2 subs x 2 attempts x (0.5 s timeout + 21 ms request at 9600 baud) = 3.08 s;
    # plus up to one cycle before the first miss starts.
    bound_s = 3 * (1.0 + 2 * 2 * (0.5 + 0.021)) + 1.0
    for adr, t in lost.items():
        assert t_cut < t <= t_cut + bound_s, f"ADR {adr} lost at {t:.3f} s"
    # The subs beyond the cut hear nothing from the master: they open after 30 s.
    opened = {e["source"]: e["t_s"] for e in events(tmp_path, "switch") if not e["details"]["closed"]}
    for m in ("m2", "m3"):
        t_open = opened[f"top.stack.{m}.bms"]
        assert t_cut + 30.0 - 1.0 <= t_open <= t_cut + 30.0 + 1.1
    assert "top.stack.m1.bms" not in opened
    # Visible on CAN: 0x351 carries the survivors' share once both are lost.
    t_lost = max(lost.values())
    rows = can_351(tmp_path)
    before = [r for r in rows if 2.0 < r[0] < t_cut]
    after = [r for r in rows if t_lost + 1.0 < r[0] < 60.0]
    assert before and after
    assert all(r[1] == pytest.approx(200.0) and r[2] == pytest.approx(294.0) for r in before)
    assert all(r[1] == pytest.approx(100.0) and r[2] == pytest.approx(189.0) for r in after)


def test_master_off_every_sub_opens_within_60_s(tmp_path):
    s = _core.Simulation(yaml_text=scenario(3), out=str(tmp_path))
    s.run_until(10.0)
    assert all(_core.bms_state(s, m)["switch_closed"] for m in range(3))
    _core.bms_set_powered(s, 0, False)
    s.run_until(75.0)
    assert not any(_core.bms_state(s, m)["switch_closed"] for m in range(3))
    s.finish()
    opened = {e["source"]: e for e in events(tmp_path, "switch") if not e["details"]["closed"]}
    assert opened["top.stack.m0.bms"]["details"]["reason"] == "power_off"
    for m in ("m1", "m2"):
        e = opened[f"top.stack.{m}.bms"]
        assert e["details"]["reason"] == "master_lost"
        assert 10.0 < e["t_s"] <= 10.0 + 60.0
    # and the plant: every switch open
    for m in range(3):
        assert s.series(f"stack.m{m}.switch_closed")[-1] == 0.0


def test_startup_module_outside_voltage_window_is_not_connected(tmp_path):
    extra = "  module:\n    m2: {initial_soc_pct: 1}"
    s = _core.Simulation(yaml_text=scenario(3, extra), out=str(tmp_path))
    s.run_until(10.0)
    st = _core.master_state(s)
    assert st["sub_joined"] == [True, False]
    assert not _core.bms_state(s, 2)["switch_closed"]
    assert _core.bms_state(s, 1)["switch_closed"]
    s.finish()
    refused = events(tmp_path, "sub_join_refused")
    assert len(refused) == 1
    d = refused[0]["details"]
    assert d["address"] == 4
    assert abs(d["difference_v"]) > d["window_v"] == 1.5
    assert "voltage" in d["reason"]
    assert np.all(s.series("stack.m2.switch_closed") == 0.0)
    joined = [e["details"]["address"] for e in events(tmp_path, "sub_join")]
    assert joined == [3]


def test_cluster_rule_more_than_two_protected_stops_the_stack(tmp_path):
    s = _core.Simulation(yaml_text=scenario(4), out=str(tmp_path))
    s.run_until(10.0)
    _core.afe_set_open_wire(s, 1, 3, True)  # sensor protection after 2 s on Sub#1 and Sub#2
    _core.afe_set_open_wire(s, 2, 3, True)
    s.run_until(20.0)
    st = _core.master_state(s)
    assert _core.bms_state(s, 1)["protections"] == ["sensor"]
    assert st["modules_protected"] == 2 and not st["cluster_stop"]
    assert st["ccl_a"] == pytest.approx(100.0)  # 2 healthy x 50 A
    _core.afe_set_open_wire(s, 3, 3, True)
    s.run_until(30.0)
    st = _core.master_state(s)
    assert st["modules_protected"] == 3 and st["cluster_stop"]
    assert st["ccl_a"] == 0.0 and st["dcl_a"] == 0.0
    s.finish()
    stops = events(tmp_path, "cluster_stop")
    assert [e["details"]["active"] for e in stops] == [True]
    t_stop = stops[0]["t_s"]
    assert all(r[1] == 0.0 and r[2] == 0.0 for r in can_351(tmp_path) if r[0] > t_stop + 1.1)
