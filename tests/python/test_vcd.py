"""waveforms.vcd: main signals for GTKWave, consistent with timeseries.csv, reproducible."""

import csv

import pytest

from conftest import ROOT, run_cli


def parse_vcd(path):
    """{(scope path, name): [(time_ps, value), ...]} from a VCD with real variables (timescale 1 ps)."""
    ids, scope, values = {}, [], {}
    time_ps = 0
    in_header = True
    for line in open(path):
        tok = line.split()
        if not tok:
            continue
        if in_header:
            if tok[0] == "$scope":
                scope.append(tok[2])
            elif tok[0] == "$upscope":
                scope.pop()
            elif tok[0] == "$var":
                ids[tok[3]] = ".".join(scope[1:] + [tok[4]])  # drop the top "SystemC" scope
            elif tok[0] == "$enddefinitions":
                in_header = False
            continue
        if tok[0].startswith("#"):
            time_ps = int(tok[0][1:])
        elif tok[0].startswith("r") and len(tok) == 2:
            values.setdefault(ids[tok[1]], []).append((time_ps, float(tok[0][1:])))
    return values


def test_vcd_matches_timeseries_and_is_reproducible(tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet", "--set", "run.duration_s=30")
        outs.append(out)
    a = (outs[0] / "waveforms.vcd").read_bytes()
    assert a == (outs[1] / "waveforms.vcd").read_bytes()
    assert "1 ps" in a.decode().split("$timescale")[1].split("$end")[0]
    vcd = parse_vcd(outs[0] / "waveforms.vcd")
    for name in ["stack.voltage_v", "stack.m0.current_a", "stack.m1.switch_closed", "inverter.battery_current_a"]:
        assert name in vcd, name
    with open(outs[0] / "timeseries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    # the VCD holds the value of each recorded row from that row's time on
    for name in ["stack.voltage_v", "stack.m0.current_a"]:
        changes = vcd[name]
        for row in rows[1:]:
            t_ps = round(float(row["t_s"]) * 1e12)
            last = [v for (t, v) in changes if t <= t_ps][-1]
            assert last == pytest.approx(float(row[name]), rel=1e-12, abs=1e-15)
    # per-cell, cable and contact columns stay out of the waveform file
    assert not any(".cell" in n or "cable." in n or "contact." in n for n in vcd)
