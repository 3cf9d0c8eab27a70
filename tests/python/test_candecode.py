"""tools/candecode.py on hand-made candump -L lines; every expected value is worked out by hand
in the comments from the field tables (docs/protocols/can-messages.md, protocols.md §1)."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "candecode.py"


def run(lines, *args):
    proc = subprocess.run([sys.executable, str(TOOL), *args, "-"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True)
    return proc


def records(lines, *args):
    proc = run(lines, "--json", *args)
    return [json.loads(x) for x in proc.stdout.splitlines()], proc


def values(line, *args):
    recs, proc = records([line], *args)
    assert proc.returncode == 0, proc.stderr
    assert len(recs) == 1
    return recs[0]


def test_351_limits_with_dvl():
    # 0x020E = 526 -> 52.6 V; 0x03E8 = 1000 -> 100.0 A (CCL and DCL); 0x01C0 = 448 -> 44.8 V.
    r = values("(1700000000.123456) can0 351#0E02E803E803C001")
    assert r["t_us"] == 1700000000123456
    assert r["values"] == {"cvl_v": 52.6, "ccl_a": 100.0, "dcl_a": 100.0, "dvl_v": 44.8}


def test_351_short_form_has_no_dvl():
    # DLC 6: 0x0238 = 568 -> 56.8 V, 0x0172 = 370 -> 37.0 A, 0x02E4 = 740 -> 74.0 A.
    r = values("(1.000000) can0 351#38027201E402")
    assert r["values"] == {"cvl_v": 56.8, "ccl_a": 37.0, "dcl_a": 74.0}


def test_355_pylon_and_sma_forms():
    # 0x0032 = 50 %, 0x0064 = 100 %.
    assert values("(1.000000) can0 355#32006400")["values"] == {"soc_pct": 50, "soh_pct": 100}
    # + hi-res 0x13A1 = 5025 -> 50.25 %.
    r = values("(1.000000) can0 355#32006400A1130000")
    assert r["values"]["soc_hires_pct"] == pytest.approx(50.25)


def test_356_negative_current_means_discharge():
    # 0x134E = 4942 -> 49.42 V; 0xFF9C = -100 -> -10.0 A; 0x00FA = 250 -> 25.0 degC.
    r = values("(1.000000) can0 356#4E139CFFFA00")
    assert r["values"]["voltage_v"] == pytest.approx(49.42)
    assert r["values"]["current_a"] == pytest.approx(-10.0)
    assert r["values"]["temp_c"] == pytest.approx(25.0)


def test_359_flags():
    # byte 0 = 0x88: discharge over-current (0x80) + cell over-temperature (0x08);
    # byte 1 = 0x08: system error; byte 2 = 0x04: low voltage; byte 3 = 0x01: charge high current;
    # 3 modules; "PN".
    v = values("(1.000000) can0 359#8808040103504E")["values"]
    assert v["protection"] == ["discharge over-current", "cell over-temperature", "system error"]
    assert v["alarm"] == ["cell/module low voltage", "charge high current"]
    assert v["module_count"] == 3
    assert v["tag"] == "PN"
    # Hobby-emitter "system error" in byte 1 bit 7 is not in the map: reported as undefined.
    v = values("(1.000000) can0 359#0080000001504E")["values"]
    assert v["protection"] == [] and v["undefined_bits"] == ["byte1:0x80"]


def test_35a_pairs():
    # All 0xAA: every pair 10b = OK.
    v = values("(1.000000) can0 35A#AAAAAAAAAAAAAAAA")["values"]
    assert v == {"alarm": [], "warning": [], "unsupported": 0}
    # Byte 0 = 0xA6: pair bits 2-3 = 01b -> high-voltage alarm. Byte 6 = 0xA9: bits 0-1 = 01b ->
    # warning event 8 (high charge current).
    v = values("(1.000000) can0 35A#A6AAAAAAAAAAA9AA")["values"]
    assert v["alarm"] == ["high voltage"]
    assert v["warning"] == ["high charge current"]
    # Byte 3 = 0x0A: pairs 2 and 3 are 00b (not supported), pairs 0 and 1 are OK.
    assert values("(1.000000) can0 35A#AAAAAA0AAAAAAAAA")["values"]["unsupported"] == 2


def test_35c_35e_35f():
    # 0xD0 = charge enable + discharge enable + force charge II.
    assert values("(1.000000) can0 35C#D000")["values"]["flags"] == [
        "charge enable", "discharge enable", "force charge II"]
    # "PYLON   " keeps its spaces; "BYD" + NULs loses the NULs.
    assert values("(1.000000) can0 35E#50594C4F4E202020")["values"]["manufacturer"] == "PYLON   "
    assert values("(1.000000) can0 35E#4259440000000000")["values"]["manufacturer"] == "BYD"
    # "LF", version 1.2, 0x0064 = 100 Ah.
    assert values("(1.000000) can0 35F#4C46010264000000")["values"] == {
        "chemistry": "LF", "bms_version": "1.2", "capacity_ah": 100}


def test_victron_extras():
    # 0x373: 0x0CD1 = 3281 mV, 0x0D06 = 3334 mV, 0x0127 = 295 K, 0x012C = 300 K.
    v = values("(1.000000) can0 373#D10C060D27012C01")["values"]
    assert v == {"min_cell_v": 3.281, "max_cell_v": 3.334, "min_cell_temp_k": 295, "max_cell_temp_k": 300}
    # 0x378: 0x3039 = 12345 -> 1234.5 kWh, 0x2AF9 = 11001 -> 1100.1 kWh.
    v = values("(1.000000) can0 378#39300000F92A0000")["values"]
    assert v["charged_kwh"] == pytest.approx(1234.5) and v["discharged_kwh"] == pytest.approx(1100.1)


def test_305_per_profile():
    line = "(5.000000) can0 305#120238FFD7005503"
    # pylon profile: any 0x305 is a heartbeat.
    r = values(line, "--variant", "pylon")
    assert r["name"] == "inverter heartbeat" and r["values"]["all_zero"] is False
    assert values("(5.000000) can0 305#0000000000000000")["values"]["all_zero"] is True
    # sma profile: 0x0212 = 530 -> 53.0 V; 0xFF38 = -200 -> -20.0 A on the wire = charging at
    # +20.0 A in the battery convention; 0x00D7 = 215 -> 21.5 degC; 0x0355 = 853 -> 85.3 %.
    v = values(line, "--variant", "sma")["values"]
    assert v["voltage_v"] == pytest.approx(53.0)
    assert v["battery_current_a"] == pytest.approx(20.0)
    assert v["temp_c"] == pytest.approx(21.5)
    assert v["soc_pct"] == pytest.approx(85.3)
    # 0x306: SoH 0x62 = 98, procedure 10, state 1, error 0x1234, set point 0x0228 = 552 -> 55.2 V.
    v = values("(5.000000) can0 306#62000A0134122802", "--variant", "sma")["values"]
    assert v == {"soh_pct": 98, "charge_procedure": 10, "operating_state": 1, "active_error": 0x1234,
                 "charge_voltage_setpoint_v": 55.2}
    assert values("(5.000000) can0 307#0301")["values"] == {"relay_state": "0x0103"}


def test_unknown_extended_remote_and_short_frames_are_raw():
    recs, proc = records(["(1.000000) can0 123#DEADBEEF", "(1.000001) can0 18FF50E5#0102",
                          "(1.000002) can0 351#R", "(1.000003) can0 356#4E13"])
    assert proc.returncode == 0
    assert [r.get("name") for r in recs] == [None, None, None, None]
    assert recs[0]["raw"] == "DEADBEEF"
    assert recs[1]["ext"] is True and recs[1]["id"] == 0x18FF50E5
    assert recs[2]["rtr"] is True
    assert recs[3]["error"] == "DLC 2 < 6"


def test_malformed_lines_reported_with_line_numbers_and_status_1():
    proc = run(["(1.000000) can0 351#0E02E803E8030000", "garbage", "(1.5) can0 351#00", "",
                "(2.000000) can0 800#00", "(2.000000) can0 351#0"])
    assert proc.returncode == 1
    err = proc.stderr.splitlines()
    assert [e.split(":")[0] for e in err] == ["line 2", "line 3", "line 5", "line 6"]
    assert "exceeds 0x7FF" in err[2]
    assert "even number of hex digits" in err[3]
    # The good line is still decoded.
    assert "limits: cvl_v=52.6 ccl_a=100 dcl_a=100 dvl_v=0" in proc.stdout


def test_text_output_keeps_exact_timestamp():
    proc = run(["(1700000000.999999) vcan0 35E#50594C4F4E202020"])
    assert proc.returncode == 0
    assert proc.stdout.startswith("1700000000.999999 vcan0 35E [8] 50594C4F4E202020  manufacturer:")
