"""Silence on the CAN bus, driven from Python with the bind_can hooks: the battery goes quiet
(SMA profile -> standby 60 s after the last 0x355), the inverter goes quiet (the master's heartbeat
supervision reacts at its configured timeout, with the configured reaction)."""

import json

import numpy as np
import pytest

import can  # Debian python3-can, installed by tools/setup/install-deps.sh


def scenario(protocol, battery_side=""):
    return f"""
name: silence
run: {{duration_s: 200, step_s: 0.1, record_every: 1, record_cells: false}}
stack: {{modules: 2, initial_soc_pct: 50}}
inverter:
  protocol: {protocol}
  battery_power_w: 1500
{battery_side}
"""


def events(out, kind):
    return [e for e in map(json.loads, open(out / "events.jsonl")) if e["kind"] == kind]


def test_sma_standby_60_s_after_battery_falls_silent(tmp_path):
    from stacksim import _core

    s = _core.Simulation(yaml_text=scenario("sma"), out=str(tmp_path))
    s.run_until(20.5)
    assert _core.inverter_view(s)["command_a"] > 20
    _core.battery_set_can_transmit(s, False)  # the master stops sending after the cycle at 20 s
    last_355 = _core.inverter_view(s)["last_355_s"]
    assert 20.0 < last_355 < 20.01
    s.run_until(79.0)
    assert not _core.inverter_view(s)["standby"]
    s.run_until(90.0)
    v = _core.inverter_view(s)
    assert v["standby"] and v["command_a"] == 0.0
    s.finish()
    t = s.t_s
    standby = s.series("inverter.standby")
    t_standby = t[np.argmax(standby > 0)]
    # at 60 s after the last 0x355, on the inverter's 0.1 s control grid
    assert last_355 + 60.0 <= t_standby + 1e-9 <= last_355 + 60.0 + 0.1 + 1e-9
    # the battery current follows: charging before, zero after
    i = s.series("inverter.battery_current_a")
    assert i[(t > 30) & (t < 80)].min() > 20
    assert np.all(i[t > t_standby + 0.05] == 0.0)
    (ev,) = events(tmp_path, "battery_silent")
    assert ev["details"]["last_frame_s"] == pytest.approx(last_355, abs=1e-9)
    # the SI reports it in 0x306: operating state 4 (failure), error 952 (F952 ExtBMSTimeout)
    st = [m for m in can.CanutilsLogReader(str(tmp_path / "can.log")) if m.arbitration_id == 0x306]
    late = [m for m in st if m.timestamp > t_standby]
    assert late and all(m.data[3] == 4 and (m.data[4] | m.data[5] << 8) == 952 for m in late)
    assert all(m.data[3] == 1 for m in st if m.timestamp < last_355 + 60)


def test_pylontech_profile_stays_with_a_silent_battery_until_its_timeout(tmp_path):
    from stacksim import _core

    s = _core.Simulation(yaml_text=scenario("pylontech"), out="")
    s.run_until(10.5)
    _core.can_set_online(s, "battery", False)  # disconnect the master's CAN node
    s.run_until(65.0)
    assert not _core.inverter_view(s)["standby"]
    s.run_until(75.0)
    assert _core.inverter_view(s)["standby"]
    _core.can_set_online(s, "battery", True)
    s.run_until(78.0)
    assert not _core.inverter_view(s)["standby"]
    assert _core.inverter_view(s)["command_a"] > 20


@pytest.mark.parametrize("reaction", ["event", "zero_limits"])
def test_heartbeat_supervision_reacts_at_its_timeout(tmp_path, reaction):
    from stacksim import _core

    side = f"  battery_side: {{heartbeat_timeout_s: 10, heartbeat_reaction: {reaction}}}"
    s = _core.Simulation(yaml_text=scenario("pylontech", side), out=str(tmp_path))
    s.run_until(30.5)
    assert not _core.battery_can_state(s)["heartbeat_lost"]
    _core.inverter_set_heartbeat(s, False)  # the inverter stops 0x305 but keeps listening
    last = _core.battery_can_state(s)["last_heartbeat_s"]
    assert 30.0 < last < 30.01
    s.run_until(60.0)
    st = _core.battery_can_state(s)
    assert st["heartbeat_lost"]
    s.finish()
    (ev,) = events(tmp_path, "heartbeat_lost")
    # exactly at the configured timeout after the last 0x305
    assert ev["t_s"] == pytest.approx(last + 10.0, abs=1e-6)
    assert ev["details"]["reaction"] == reaction
    msgs = list(can.CanutilsLogReader(str(tmp_path / "can.log")))
    assert max(m.timestamp for m in msgs if m.arbitration_id == 0x305) == pytest.approx(last, abs=1e-9)
    after = [m for m in msgs if m.arbitration_id == 0x351 and m.timestamp > last + 10.0 + 1.0]
    assert len(after) >= 15
    t = s.t_s
    i = s.series("inverter.battery_current_a")
    if reaction == "zero_limits":
        # CCL = DCL = 0 and both enable bits cleared from the next cycle on: the inverter stops
        for m in after:
            _cvl, ccl, dcl, _dvl = __import__("struct").unpack("<HhhH", bytes(m.data))
            assert ccl == 0 and dcl == 0
        assert np.all(i[t > last + 12.0] == 0.0)
        assert not st["charge_enable"] and not st["discharge_enable"]
    else:
        for m in after:
            assert __import__("struct").unpack_from("<h", bytes(m.data), 2)[0] > 0
        assert i[t > last + 12.0].min() > 20
    # the heartbeat comes back -> supervision clears
    # (run on a new simulation would be needed after finish(); covered by the C++ link logic)


def test_fault_hooks_corrupt_and_short(tmp_path):
    """corrupt_next: each corrupted frame is an error frame (TEC +8 for its sender, ISO 11898-1)
    and is retransmitted, so the inverter still gets every 0x351; a short silences the bus."""
    from stacksim import _core

    s = _core.Simulation(yaml_text=scenario("pylontech"), out=str(tmp_path))
    s.run_until(10.5)
    before = {n["name"]: n for n in _core.can_nodes(s)}
    _core.can_corrupt_next(s, 2)
    s.run_until(11.5)
    after = {n["name"]: n for n in _core.can_nodes(s)}
    inv, bat = "top.inverter", "top.stack.m0.can"
    # The first frame at 11 s is the inverter's 0x305; the second corrupted frame is its own
    # retransmission. TEC: +8 per error, -1 for the successful third attempt: 0 + 8 + 8 - 1 = 15.
    assert before[inv]["tec"] == 0
    assert after[inv]["tec"] == 15
    assert after[bat]["tec"] == before[bat]["tec"]
    assert after[inv]["errors"] == before[inv]["errors"] + 2
    assert _core.battery_can_state(s)["last_heartbeat_s"] > 11.0  # the 0x305 still arrived
    assert _core.inverter_view(s)["last_battery_frame_s"] > 11.0  # and the battery's set
    _core.can_set_shorted(s, True)
    s.run_until(15.5)
    last = _core.inverter_view(s)["last_battery_frame_s"]
    assert 11.0 < last < 12.0  # nothing after the short (t = 11.5)
    _core.can_set_shorted(s, False)
    s.run_until(20.5)
    assert _core.inverter_view(s)["last_battery_frame_s"] > 20.0
    assert 0.0 < _core.can_bus_load(s) < 0.01
