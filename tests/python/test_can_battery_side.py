"""The master's side of the CAN link: the SMA/Victron message set and the 0x35C request flags
(force charge I/II by SoC thresholds, full-charge request), checked on can.log with python-can.
Thresholds from models/params/module_4k4pro.yaml (protocols.md §1.3): FC I set <= 5 %, cleared
>= 10 %; FC II set <= 9 %, cleared >= 13 %; full charge after 30 days below 97 %."""

import pathlib
import re
import struct

import numpy as np
import pytest

import can  # Debian python3-can, installed by tools/setup/install-deps.sh

from conftest import ROOT


def run(tmp_path, text, until):
    from stacksim import _core

    s = _core.Simulation(yaml_text=text, out=str(tmp_path))
    s.run_until(until)
    s.finish()
    return s, list(can.CanutilsLogReader(str(tmp_path / "can.log")))


@pytest.mark.parametrize("message_set", ["sma", "sma_victron"])
def test_sma_victron_message_set(tmp_path, message_set):
    text = f"""
name: sma_set
run: {{duration_s: 30, record_cells: false}}
stack: {{modules: 3, initial_soc_pct: 62.5}}
inverter:
  protocol: victron
  battery_power_w: 0
  battery_side: {{message_set: {message_set}}}
"""
    s, msgs = run(tmp_path, text, 10.5)
    battery = [m for m in msgs if m.arbitration_id not in (0x305, 0x306, 0x307)]
    ids = sorted({m.arbitration_id for m in battery})
    expected = [0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F]
    if message_set == "sma_victron":
        expected += [0x372, 0x379]
    assert ids == expected
    # every frame padded to 8 bytes (Victron minimum DLCs, S33, are all met)
    assert all(m.dlc == 8 for m in battery)
    for m in battery:
        d = bytes(m.data)
        if m.arbitration_id == 0x35A:
            assert d == b"\xAA" * 8  # every alarm and warning pair "OK" (10b)
        elif m.arbitration_id == 0x355:
            soc, soh, soc_hi = struct.unpack_from("<HHH", d)
            assert soc_hi == pytest.approx(62.5 * 100, abs=30)  # 0.01 % resolution, ~62.5 %
            assert abs(soc - soc_hi / 100) <= 0.5
        elif m.arbitration_id == 0x35F:
            assert d[0:2] == b"LF"
            assert struct.unpack_from("<H", d, 4)[0] == 300  # 3 x 100 Ah
        elif m.arbitration_id == 0x35E:
            assert d == b"STACKSIM"
        elif m.arbitration_id == 0x372:
            if m.timestamp > 3.0:  # once the master has heard both subs over RS485
                assert struct.unpack_from("<H", d, 0)[0] == 3  # modules OK
        elif m.arbitration_id == 0x379:
            assert struct.unpack_from("<H", d, 0)[0] == 300
    # Victron inverter: 0x307 identification each second
    ident = [bytes(m.data) for m in msgs if m.arbitration_id == 0x307]
    assert ident and all(x == bytes([0x12, 0x34, 0x56, 0x78, 0x56, 0x49, 0x43, 0x00]) for x in ident)


def test_force_charge_flags_follow_soc_with_hysteresis(tmp_path):
    text = """
name: force_charge
run: {duration_s: 1200, record_cells: false}
stack: {modules: 3, initial_soc_pct: 4}
inverter:
  protocol: pylontech
  battery_power_w: {interpolation: step, points: [[0, 0], [20, 8000]]}
"""
    s, msgs = run(tmp_path, text, 1200)
    t = s.t_s
    soc = s.series("stack.soc_pct")
    checked = 0
    fc1 = fc2 = None
    for m in msgs:
        if m.arbitration_id != 0x35C:
            continue
        # the SoC the master used: the row at the start of this cycle (whole second)
        k = int(np.searchsorted(t, np.floor(m.timestamp)))
        x = soc[k + 1] if k + 1 < len(t) else soc[-1]
        b = m.data[0]
        # expected flags by hand, with hysteresis from the previous frame's flags
        e1 = True if x <= 5 else False if x >= 10 else fc1
        e2 = True if x <= 9 else False if x >= 13 else fc2
        if e1 is not None:
            assert bool(b & 0x20) == e1, (m.timestamp, x)
        if e2 is not None:
            assert bool(b & 0x10) == e2, (m.timestamp, x)
        fc1, fc2 = bool(b & 0x20), bool(b & 0x10)
        assert not b & 0x08  # no full-charge request within the first 30 days
        checked += 1
    assert checked > 1000
    first = next(m for m in msgs if m.arbitration_id == 0x35C)
    assert first.data[0] & 0x30 == 0x30  # both set at 4 %
    assert fc1 is False and fc2 is False and soc[-1] > 13  # both cleared after charging


def test_full_charge_request_after_the_configured_time_below_97(tmp_path):
    # A copy of the module parameters with 0.001 day (86.4 s) instead of 30 days.
    src = (ROOT / "models" / "params" / "module_4k4pro.yaml").read_text()
    src2, n = re.subn(r"full_charge_after_days: \{value: [0-9.]+", "full_charge_after_days: {value: 0.001", src)
    assert n == 1
    params = tmp_path / "module.yaml"
    params.write_text(src2)
    text = f"""
name: full_charge
run: {{duration_s: 120, record_cells: false}}
stack: {{modules: 2, initial_soc_pct: 50, module_params: {params}}}
inverter:
  protocol: pylontech
  battery_power_w: 0
"""
    s, msgs = run(tmp_path, text, 120)
    flags = [(m.timestamp, m.data[0]) for m in msgs if m.arbitration_id == 0x35C]
    set_at = [t for t, b in flags if b & 0x08]
    clear = [t for t, b in flags if not b & 0x08]
    # SoC 50 % < 97 % since t = 0: the request appears at the first cycle after 86.4 s (87 s)
    assert min(set_at) == pytest.approx(87.0, abs=0.01)
    assert max(clear) < 87.0
