"""BMS protections in whole-stack runs, read back from the run's own outputs (events.jsonl,
timeseries.csv) and from the CAN log decoded by tools/candecode.py:

- master_shutdown: the subs open behind a dead bus (0 V at their terminals) with healthy cells;
  no module-voltage protection may trip (the BMS judges its own cells, not the terminal).
- mismatch_within_window: a module paralleled 1.2 V low takes ~105 A, above its 60 A charge
  over-current protection; after three trips within 300 s it locks out (no more reclosing),
  the master reports the over-current on CAN 0x359 while it is locked, and the RUN button clears
  it."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_cli

CANDECODE = ROOT / "tools" / "candecode.py"


def run(tmp_path, rel, *extra):
    out = tmp_path / "out"
    run_cli("run", ROOT / "scenarios" / rel, "--out", out, "--quiet", *extra)
    events = [json.loads(line) for line in (out / "events.jsonl").open()]
    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    cols = {name: np.array([float(r[i]) if r[i] != "" else np.nan for r in rows[1:]]) for i, name in enumerate(rows[0])}
    return out, events, cols


def test_master_shutdown_subs_behind_a_dead_bus_trip_nothing(tmp_path):
    out, events, cols = run(tmp_path, "library/master_shutdown.yaml")
    lost = [e for e in events if e["kind"] == "master_lost"]
    assert {e["source"] for e in lost} == {"top.stack.m1.bms", "top.stack.m2.bms"}
    t = cols["t_s"]
    late = t > 65.0
    # After the subs opened, every terminal reads the dead bus ...
    for m in range(3):
        assert np.all(cols[f"stack.m{m}.switch_closed"][late] == 0.0)
    assert np.all(np.abs(cols["inverter.battery_current_a"][late]) < 1e-9)
    # ... while each module's cells stay healthy (60 % SoC, LFP plateau: 3.2..3.4 V per cell).
    for m in range(3):
        soc = cols[f"stack.m{m}.true_soc_pct"][late]
        assert np.all((soc > 55) & (soc < 65))
    trips = [e for e in events if e["kind"] in ("protection", "warning", "lockout")]
    assert trips == [], trips
    # (the bits do not exist before the BMS's first measurement: an empty field at t = 0 only)
    for m in range(3):
        for c in (f"stack.m{m}.protection_bits", f"stack.m{m}.warning_bits"):
            assert np.isfinite(cols[c][1:]).all(), c
            assert np.all(cols[c][np.isfinite(cols[c])] == 0.0), c


def can_359(out):
    """(t, protection flags) of every 0x359 frame, decoded by tools/candecode.py."""
    proc = subprocess.run([sys.executable, str(CANDECODE), "--json", str(out / "can.log")],
                          capture_output=True, text=True, check=True)
    frames = [json.loads(line) for line in proc.stdout.splitlines()]
    return [(f["t"], f["values"]["protection"]) for f in frames if f["id"] == 0x359]


def test_repeated_over_current_locks_out_until_the_run_button(tmp_path):
    out, events, cols = run(tmp_path, "cable_loss/mismatch_within_window.yaml")
    m1 = [e for e in events if e["source"] == "top.stack.m1.bms"]
    trips = [e["t_s"] for e in m1 if e["kind"] == "protection" and e["details"]["state"] == "trip"]
    lock = [e for e in m1 if e["kind"] == "lockout"]
    # Three charge over-current trips, each a 30 s recovery + 0.2 s precharge + 1 s delay apart.
    assert len(trips) == 3
    assert all(e["details"]["channel"] == "charge_oc" for e in m1 if e["kind"] == "protection")
    assert np.allclose(np.diff(trips), 31.2, atol=0.11)
    assert [e["details"]["state"] for e in lock] == ["set", "cleared"]
    assert lock[0]["t_s"] == trips[2] and lock[0]["details"]["trips"] == 3
    assert lock[0]["details"]["trip_times_s"] == pytest.approx(trips)
    assert lock[1]["details"]["reason"] == "run_button" and 900.0 <= lock[1]["t_s"] < 900.1
    # While locked: open, no current, and the stack reports the over-current on CAN 0x359.
    t = cols["t_s"]
    locked = (t > trips[2] + 0.1) & (t < 900.0)
    assert np.all(cols["stack.m1.switch_closed"][locked] == 0.0)
    assert np.all(cols["stack.m1.current_a"][locked] == 0.0)
    assert np.all(cols["stack.m1.protection_bits"][locked] == (1 << 13) | (1 << 4))  # lock-out + charge_oc
    flags = can_359(out)
    during = [p for (tc, p) in flags if trips[2] + 1.5 < tc < 900.0]
    after = [p for (tc, p) in flags if tc > 902.0]
    assert during and all("charge over-current" in p for p in during)
    assert after and all(p == [] for p in after)
    # After the RUN press m1 reconnects under the 8 kW discharge and stays, below its limits.
    late = t > 901.0
    assert np.all(cols["stack.m1.switch_closed"][late] == 1.0)
    assert np.max(cols["stack.m1.current_a"][late]) < 60.0
