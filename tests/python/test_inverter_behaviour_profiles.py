"""Inverter behaviour profiles in the whole installation (docs/models/inverter.md#behaviour-profiles):

- each library scenario built on a misbehaving profile fails, with the expectation it was built
  to show, when the profile is mutated back to well_behaved (exit code 3);
- `stacksim sweep --vary inverter.profile=...` and Python `sweep()` run a scenario against every
  shipped profile, each variant the same as its run alone;
- the Pylontech-RS485 inverter polls a 3-module stack from the master's free port A: its frames
  and the master's answers pass an RS485 client written from the protocol text (framing, LENGTH,
  CHKSUM; tests/python/test_cosim_rs485.py) and the UART timing at 9600 8N1, and the inverter
  honours the limits those answers carry.
"""

import csv
import json

import pytest
import yaml

import stacksim
from conftest import ROOT, run_cli
from test_cosim_rs485 import decode_0x92, parse, rs485_log

LIB = ROOT / "scenarios" / "library"
PROFILES = ["deye_lv", "solis_lv", "sma_sbs", "victron_dvcc", "well_behaved"]

# scenario -> the expectation whose failure shows what the misbehaving profile causes.
MUTATIONS = {
    "deye_ignores_zero_charge_limit": "m0's cell over-voltage protection opens its switch",
    "solis_discharges_past_dvl": "a module opens on cell under-voltage",
    "latching_inverter_heartbeat_loss": "the master reports the lost heartbeat",
    "sbs_identification_once": "the inverter never draws current",
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_scenario_passes_with_its_profile_and_fails_with_well_behaved(name, tmp_path):
    path = LIB / f"{name}.yaml"
    ok = run_cli("run", path, "--out", tmp_path / "ok", "--quiet", check=False)
    assert ok.returncode == 0, ok.stderr
    assert yaml.safe_load(path.read_text())["inverter"]["profile"] != "well_behaved"
    proc = run_cli("run", path, "--out", tmp_path / "wb", "--quiet", "--set", "inverter.profile=well_behaved",
                   check=False)
    assert proc.returncode == 3, proc.stderr
    assert f"expectation failed: {MUTATIONS[name]}" in proc.stderr
    summary = json.loads((tmp_path / "wb" / "summary.json").read_text())
    failed = [r["name"] for r in summary["expectations"] if not r["passed"]]
    assert MUTATIONS[name] in failed


def test_cli_sweep_runs_a_scenario_against_every_profile(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli("sweep", LIB / "sbs_identification_once.yaml", "--vary", "inverter.profile=" + ",".join(PROFILES),
                   "--out", out, "--jobs", "2", check=False)
    assert proc.returncode == 1  # some variants miss their expectations (exit 3 each)
    with open(out / "sweep.csv", newline="") as f:
        rows = {r["inverter.profile"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == sorted(PROFILES)
    # Only the SBS waits for an identification the battery sends once.
    passed = {p: rows[p]["expectations_passed"] == "1" for p in PROFILES}  # sweep.csv writes booleans as 1 / 0
    assert passed == {"deye_lv": False, "solis_lv": False, "sma_sbs": True, "victron_dvcc": False,
                      "well_behaved": False}
    assert {p: rows[p]["exit_code"] for p in PROFILES} == {p: "0" if passed[p] else "3" for p in PROFILES}
    # A variant is its run alone.
    alone = tmp_path / "alone"
    run_cli("run", LIB / "sbs_identification_once.yaml", "--set", "inverter.profile=victron_dvcc", "--out", alone,
            "--quiet", check=False)
    v = rows["victron_dvcc"]["dir"]
    for name in ["timeseries.csv", "can.log", "events.jsonl"]:
        assert (out / v.split("/")[-1] / name).read_bytes() == (alone / name).read_bytes(), name


def test_python_sweep_varies_the_profile():
    base = stacksim.Scenario.from_yaml(LIB / "latching_inverter_heartbeat_loss.yaml")
    results = stacksim.sweep(base, {"inverter.profile": ["deye_lv", "well_behaved"]}, workers=1,
                             columns=["inverter.battery_current_a"])
    by_profile = {r.variant["inverter.profile"]: r for r in results}
    deye, wb = by_profile["deye_lv"], by_profile["well_behaved"]
    assert deye.summary["expectations_passed"] is True
    assert wb.summary["expectations_passed"] is False
    # Latched: no current after the outage; well-behaved: the discharge resumes.
    t = deye.t_s
    assert max(abs(x) for x, s in zip(deye.series("inverter.battery_current_a"), t) if s >= 50) < 0.5
    assert min(x for x, s in zip(wb.series("inverter.battery_current_a"), wb.t_s) if s >= 50) < -30


@pytest.fixture(scope="module")
def rs485_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rs485_inverter") / "out"
    run_cli("run", LIB / "rs485_inverter_limits.yaml", "--out", out, "--quiet")
    return out


def test_rs485_inverter_frames_pass_the_rs485_checks(rs485_run):
    log = rs485_log(rs485_run)
    mine = [r for r in log if r[3] == "top.inverter_rs485" and r[2] == "hop0"]
    assert len(mine) >= 75  # 0x92 about once a second (waiting for a quiet line), 0x42 every fifth poll
    for start, end, hop, sender, frame, garbled in mine:
        if garbled:
            continue  # a collision: the log shows the characters as sampled
        # UART timing: characters (incl. CR) x 10 bits / 9600 baud, to the log's 1 ns.
        assert end - start == pytest.approx((len(frame) + 1) * 10 / 9600, abs=2e-9)
        adr, cid2, info = parse(frame.encode())  # framing, LENGTH, LCHKSUM and CHKSUM
        assert adr == 2 and cid2 in (0x92, 0x42) and info == b"\xff"
    clean = [r for r in mine if not r[5]]
    # Collisions with the master's polls are the exception (measured: 12 of 85 requests).
    assert len(clean) >= 0.8 * len(mine)


def test_rs485_inverter_honours_the_limits_the_master_answers(rs485_run):
    log = rs485_log(rs485_run)
    with open(rs485_run / "timeseries.csv", newline="") as f:
        rows = [{k: float(v) if v else None for k, v in r.items()} for r in csv.DictReader(f)]
    answers_92, answers_42 = [], []
    for i, (start, end, hop, sender, frame, garbled) in enumerate(log):
        if sender != "top.inverter_rs485" or hop != "hop0" or garbled:
            continue
        # The master's answer (ADR 2, RTN 0) is the next clean frame from m0 on hop 0.
        for s2, e2, h2, snd2, fr2, g2 in log[i + 1:i + 8]:
            if snd2 == "m0" and h2 == "hop0" and not g2:
                adr, rtn, info = parse(fr2.encode())
                if adr == 2 and rtn == 0:
                    (answers_92 if len(info) == 10 else answers_42).append((e2, info))
                break
    assert len(answers_92) >= 60 and len(answers_42) >= 10
    for t, info in answers_92:
        m = decode_0x92(info)
        assert m["adr"] == 0xFF  # the whole stack
        assert m["dcl_a"] == pytest.approx(120.0, abs=0.05) and m["charge_enable"] and m["discharge_enable"]
    for t, info in answers_42:
        n = info[1]
        assert n == 3  # the whole stack: INFOFLAG, 3 module blocks
    # The inverter's view is what it read, and its current stays within it.
    for r in rows:
        if r["t_s"] >= 3:
            assert r["inverter.dcl_a"] == pytest.approx(120.0, abs=0.05)
            assert r["inverter.battery_current_a"] >= -120.5
    assert min(r["inverter.battery_current_a"] for r in rows) < -119
    summary = json.loads((rs485_run / "summary.json").read_text())
    assert summary["expectations_passed"] is True
