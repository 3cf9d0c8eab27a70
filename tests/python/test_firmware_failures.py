"""A firmware that fails ends the whole run cleanly: the tiny firmwares of tests/firmware
(fw_fail.c: NULL dereference, endless loop, abort) as module m1 of the default scenario, from the
command line. Expected, from docs/firmware.md "Failures":

- exit status 1 and one message on stderr naming the module, the simulated time and the last host
  call;
- in process isolation (the default) the outputs up to then are complete: summary.json with
  completed false, every time-series row whole, the event log valid JSON lines ending with the
  firmware_failure event; in-process mode a hang still ends the run with status 1 and the message.
"""

import csv
import json
import re
import time

import pytest

from conftest import BUILD, ROOT, run_cli

FIRMWARES = BUILD / "tests" / "firmware"
SCENARIO = ROOT / "scenarios" / "default.yaml"
MESSAGE = re.compile(r"m1 firmware (crashed \(SIGSEGV\)|hung \(no return within 0\.5 s of wall time\)|aborted \(SIGABRT\))"
                     r" at t = (\d+\.\d{3}) s during (\S.*?); last host call: (\S+)")


def run_with(tmp_path, lib, *extra):
    out = tmp_path / "out"
    t0 = time.monotonic()
    proc = run_cli("run", SCENARIO, "--out", out, "--quiet", "--set", f"stack.firmware.m1.path={lib}",
                   "--set", "stack.firmware.m1.config.fail_after_ms=12345",
                   "--set", "stack.firmware.watchdog_s=0.5", "--set", "run.duration_s=60", *extra, check=False)
    return proc, out, time.monotonic() - t0


@pytest.mark.parametrize("name,what", [("fw_crash", "crashed (SIGSEGV)"), ("fw_hang", "hung"),
                                       ("fw_abort", "aborted (SIGABRT)")])
def test_a_failing_firmware_ends_the_run_with_its_message_and_complete_outputs(tmp_path, name, what):
    lib = FIRMWARES / f"{name}.so"
    assert lib.exists(), lib
    proc, out, wall_s = run_with(tmp_path, lib)
    print(f"\n{name}: exit {proc.returncode} after {wall_s:.2f} s wall; stderr: {proc.stderr.strip()}")
    assert proc.returncode == 1, proc.stderr
    m = MESSAGE.search(proc.stderr)
    assert m and what in m.group(1), proc.stderr
    t_fail = float(m.group(2))
    assert t_fail == 12.345  # the firmware's timer: fail_after_ms after power-on at t = 0

    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is False
    assert summary["simulated_s"] == pytest.approx(t_fail, abs=1e-3)

    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert len(body) == 13, "one row per simulated second, 0 to 12 s, before the failure"
    assert all(len(r) == len(header) for r in body)
    assert float(body[-1][0]) <= t_fail + 1e-9

    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    last = events[-1]
    assert last["source"] == "top.stack.m1.bms" and last["kind"] == "firmware_failure"
    assert last["details"]["message"] == m.group(0)
    assert last["t_s"] == pytest.approx(t_fail, abs=1e-3)


def test_inprocess_hang_ends_the_run_with_status_1_and_the_message(tmp_path):
    proc, _, wall_s = run_with(tmp_path, FIRMWARES / "fw_hang.so", "--set", "stack.firmware.isolation=inprocess")
    print(f"\ninprocess hang: exit {proc.returncode} after {wall_s:.2f} s wall; stderr: {proc.stderr.strip()}")
    assert proc.returncode == 1
    assert re.search(r"stacksim: m1 firmware hung \(no return within 0\.5 s of wall time; in-process mode cannot "
                     r"stop it, the run ends here\) at t = 12\.345 s during on_timer\(0\); last host call: "
                     r"i2c_write_read", proc.stderr), proc.stderr
