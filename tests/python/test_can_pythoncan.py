"""can.log read with python-can's CanutilsLogReader (Debian python3-can), checked against
timeseries.csv: IDs, periods and decoded values (byte layouts from protocols.md §1.3, decoded
here by hand with struct, independently of the C++ codec)."""

import struct
from collections import defaultdict

import numpy as np
import pytest

import can  # Debian python3-can, installed by tools/setup/install-deps.sh

from test_default_scenario import MASTER_SET, read_timeseries


def read_messages(path):
    return list(can.CanutilsLogReader(str(path)))


def test_ids_and_periods(default_run):
    msgs = read_messages(default_run / "can.log")
    assert len(msgs) > 7 * 3500
    times = defaultdict(list)
    for m in msgs:
        assert not m.is_extended_id and not m.is_remote_frame
        assert m.channel == "can0"
        times[m.arbitration_id].append(m.timestamp)
    # Pylontech V1.2 set from the master + the inverter's 0x305, nothing else.
    assert set(times) == set(MASTER_SET) | {0x305}
    # DLCs of the Pylontech V1.2 set (protocols.md §1.3, S17): 8/4/6/7/2/8; 0x305 8 zero bytes.
    dlc = {m.arbitration_id: m.dlc for m in msgs}
    assert dlc == {0x351: 8, 0x355: 4, 0x356: 6, 0x359: 7, 0x35C: 2, 0x35E: 8, 0x305: 8}
    for can_id, ts in times.items():
        d = np.diff(ts)
        # 1 s cycle; the set goes out back to back after a fresh measurement, so each frame's
        # end-of-frame time repeats within a few ms.
        assert abs(np.median(d) - 1.0) < 1e-6, hex(can_id)
        assert np.all(np.abs(d - 1.0) < 0.005), hex(can_id)
    # 0x35E is "PYLON   " every time; 0x305 from a Pylontech-profile inverter is all zeros.
    for m in msgs:
        if m.arbitration_id == 0x35E:
            assert bytes(m.data) == b"PYLON   "
        if m.arbitration_id == 0x305:
            assert bytes(m.data) == bytes(8)


def test_decoded_values_match_timeseries(default_run):
    ts = read_timeseries(default_run / "timeseries.csv")
    t = ts["t_s"]
    checked = defaultdict(int)
    for m in read_messages(default_run / "can.log"):
        # The first row after the frame's end holds the state the frame carried (rows are whole
        # seconds, frames end a few ms after them).
        after = int(np.searchsorted(t, m.timestamp))
        if after >= len(t):
            continue
        data = bytes(m.data)
        if m.arbitration_id == 0x351:
            cvl, ccl, dcl, dvl = struct.unpack("<HhhH", data)
            # what the inverter decoded (its view), exactly
            assert cvl * 0.1 == pytest.approx(ts["inverter.cvl_v"][after], abs=1e-9)
            assert ccl * 0.1 == pytest.approx(ts["inverter.ccl_a"][after], abs=1e-9)
            assert dcl * 0.1 == pytest.approx(ts["inverter.dcl_a"][after], abs=1e-9)
            # what the master aggregated, to the field's resolution
            assert abs(cvl * 0.1 - ts["stack.cvl_v"][after]) <= 0.05 + 1e-9
            assert abs(ccl * 0.1 - ts["stack.ccl_a"][after]) <= 0.05 + 1e-9
            assert abs(dcl * 0.1 - ts["stack.dcl_a"][after]) <= 0.05 + 1e-9
            assert dvl * 0.1 == pytest.approx(46.4, abs=0.05)  # 16 x 2.90 V (module_4k4pro.yaml)
            checked[0x351] += 1
        elif m.arbitration_id == 0x356:
            v, i, _temp = struct.unpack("<hhh", data)
            assert abs(v * 0.01 - ts["stack.voltage_v"][after - 1]) <= 0.01 + 1e-9
            assert abs(i * 0.1 - ts["stack.current_a"][after]) <= 0.05 + 1e-9
            checked[0x356] += 1
        elif m.arbitration_id == 0x355:
            soc, soh = struct.unpack("<HH", data)
            assert abs(soc - ts["stack.soc_pct"][after]) <= 0.5 + 1e-9
            assert soh == 100
            checked[0x355] += 1
        elif m.arbitration_id == 0x359:
            assert data[4] == ts["stack.modules_present"][after]
            if m.timestamp > 3.0:  # once both subs have joined
                assert data[4] == 3
            assert data[5:7] == b"PN"
            checked[0x359] += 1
        elif m.arbitration_id == 0x35C:
            # charge + discharge enabled during the whole default run (no protection trips)
            assert data == bytes([0xC0, 0x00])
            checked[0x35C] += 1
    for can_id in (0x351, 0x355, 0x356, 0x359, 0x35C):
        assert checked[can_id] > 3500, hex(can_id)


def test_discharge_current_is_negative_on_the_wire(default_run):
    # Sign convention: + = charging. The default run discharges at 3 kW from t = 5 s to 1205 s.
    for m in read_messages(default_run / "can.log"):
        if m.arbitration_id == 0x356 and 100 < m.timestamp < 1200:
            assert struct.unpack_from("<h", bytes(m.data), 2)[0] < -400  # about -55 A
        if m.arbitration_id == 0x356 and 1600 < m.timestamp < 3000:
            assert struct.unpack_from("<h", bytes(m.data), 2)[0] > 300  # about +45 A
