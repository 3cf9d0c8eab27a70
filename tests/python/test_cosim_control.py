"""Wall-clock mode and the live control port (docs/cosim.md §1, §4), end to end through the CLI:
pacing against the wall clock, a fault injected over the control port applied at its arrival
and answered by the BMS as in the same scenario run as a batch, malformed lines answered and
counted while the run goes on, and SIGTERM / SIGINT leaving complete outputs.

The control client is written here from the protocol text (JSON lines), not with project code."""

import json
import math
import signal
import time

import pytest

from conftest import ROOT, run_cli
from cosim_util import ControlClient, RealtimeRun, free_port, wait_for

# These tests assert wall-clock timing: tools/check.sh runs them on their own, after the others,
# so that no parallel worker shares the CPU with them (conftest.py, marker `wallclock`).
pytestmark = pytest.mark.wallclock


@pytest.fixture
def controlled(tmp_path):
    port = free_port()
    run = RealtimeRun(tmp_path / "out", "--control", f"tcp:127.0.0.1:{port}", "--set", "run.duration_s=.inf")
    try:
        client = ControlClient(port)
        client.port = port
        yield run, client
        client.close()
    finally:
        run.kill()


def test_simulated_time_follows_the_wall_clock(controlled):
    run, client = controlled
    samples = []
    for _ in range(6):
        samples.append((time.monotonic(), client.state()["time_s"]))
        time.sleep(0.25)
    (w0, t0), (w1, t1) = samples[0], samples[-1]
    # 1 s of simulated time per wall second; each sample within a few ms of wall time (the
    # request's own round trip included).
    assert t1 - t0 == pytest.approx(w1 - w0, abs=0.02)
    assert run.stop() == 143
    s = run.summary()
    assert s["completed"] is False and s["duration_s"] is None  # .inf is JSON null
    lat = s["wallclock"]["lateness"]
    # Every kernel time point is one sample, and the 0.1 s grid alone is 10 time points per
    # simulated second (the buses add more), so at least 10 per simulated second.
    assert s["simulated_s"] > 1.0
    assert lat["samples"] >= 10 * math.floor(s["simulated_s"]) and lat["p99_ms"] <= lat["max_ms"]


def test_cell_short_over_the_control_port_acts_as_in_the_batch_scenario(controlled, tmp_path):
    run, client = controlled
    time.sleep(1.0)
    event = {"action": "cell_short", "module": 1, "cell": 4, "r_ohm": 0.05}
    reply = client.request(dict(event, id="short-1"))
    assert reply["ok"] is True and reply["id"] == "short-1", reply
    t_inject = reply["t_s"]
    assert 0.9 < t_inject < 5.0
    wait_for(lambda: client.state()["time_s"] > t_inject + 3.0, 10, "3 s after the short")
    assert run.stop() == 143
    rt_events = [e for e in run.events() if t_inject <= e["t_s"] <= t_inject + 3.0]
    injected = [e for e in rt_events if e["kind"] == "scenario_event" and e["details"]["action"] == "cell_short"]
    assert len(injected) == 1 and injected[0]["t_s"] == pytest.approx(t_inject, abs=1e-9)
    (request,) = [e for e in rt_events if e["kind"] == "host_request"]
    assert request["source"] == "control" and request["details"] == event and request["t_s"] == injected[0]["t_s"]

    # The same short in the scenario, at the same instant, run as a batch: the same reactions at
    # the same times (the wall-clock run differs only by when its input came).
    batch = tmp_path / "batch"
    yaml_event = json.dumps(dict(event, t_s=t_inject))
    scenario = (ROOT / "scenarios" / "default.yaml").read_text()
    assert "events:" not in scenario
    path = tmp_path / "with_short.yaml"
    path.write_text(scenario + f"\nevents:\n  - {yaml_event}\n")
    run_cli("run", path, "--out", batch, "--quiet", "--set", f"run.duration_s={t_inject + 3.0}")
    batch_events = [json.loads(x) for x in (batch / "events.jsonl").read_text().splitlines()]
    batch_events = [e for e in batch_events if t_inject <= e["t_s"] <= t_inject + 3.0]

    def key(e):
        return (round(e["t_s"], 6), e["source"], e["kind"])
    assert [key(e) for e in rt_events if not e["kind"].startswith("host_")] == [key(e) for e in batch_events]
    assert any(e["kind"] != "scenario_event" for e in batch_events), "the BMS must react to the short"


def test_malformed_lines_get_errors_and_the_run_goes_on(controlled):
    run, client = controlled
    client.send_raw(b"this is not json\n")
    assert client.read_line() == {"ok": False, "error": "not JSON: this is not json"}
    client.send_raw(b"[1, 2, 3]\n")
    assert client.read_line()["ok"] is False
    reply = client.request({"get": "voltage", "id": 9})
    assert reply["ok"] is False and reply["id"] == 9
    reply = client.request({"action": "no_such_fault"})
    assert reply["ok"] is False and "no_such_fault" in reply["error"]
    client.send_raw(b"x" * (64 * 1024 + 10) + b"\n")
    assert "longer than" in client.read_line()["error"]
    assert client.state()["time_s"] > 0  # still served
    assert run.stop() == 143
    s = run.summary()
    (control,) = [e for e in s["wallclock"]["endpoints"] if e["endpoint"].startswith("control")]
    assert control["malformed"] == 4  # the refused event is well-formed: the scenario reader refuses it
    kinds = [e["kind"] for e in run.events()]
    assert kinds.count("host_malformed") == 4


def test_a_client_that_leaves_can_come_back(controlled):
    run, client = controlled
    t = client.state()["time_s"]
    client.close()
    time.sleep(0.2)
    again = ControlClient(client.port)
    assert again.state()["time_s"] >= t
    again.close()
    assert run.stop() == 143
    (control,) = [e for e in run.summary()["wallclock"]["endpoints"] if e["endpoint"].startswith("control")]
    assert control["connects"] == 2
    kinds = [e["kind"] for e in run.events()]
    assert kinds.count("host_connected") == 2 and kinds.count("host_disconnected") >= 1


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_an_unbounded_run_with_complete_outputs(tmp_path, sig, code):
    run = RealtimeRun(tmp_path, "--set", "run.duration_s=.inf", factor=5)
    try:
        wait_for(lambda: (tmp_path / "timeseries.csv").exists() and
                 (tmp_path / "timeseries.csv").stat().st_size > 20000, 20, "a few rows")
    finally:
        rc = run.stop(sig)
    assert rc == code, run.stderr
    s = run.summary()
    assert s["completed"] is False and s["simulated_s"] > 1.0
    lines = (tmp_path / "timeseries.csv").read_text().split("\n")
    assert lines[-1] == "" and len(lines) - 2 == s["rows"]
    header = lines[0].split(",")
    assert all(len(r.split(",")) == len(header) for r in lines[1:-1])
    ev = (tmp_path / "events.jsonl").read_text()
    assert ev.endswith("\n") and len(ev.splitlines()) == s["events"]
    [json.loads(x) for x in ev.splitlines()]
    assert (tmp_path / "can.log").read_text().count("\n") == s["can"]["frames"]
    vcd = (tmp_path / "waveforms.vcd").read_text()
    assert "$enddefinitions" in vcd and vcd.endswith("\n")


def test_unbounded_duration_only_in_wall_clock_mode(tmp_path):
    p = run_cli("validate", "default", "--set", "run.duration_s=.inf", check=False)
    assert p.returncode == 2 and "run.duration_s" in p.stderr and "wall-clock" in p.stderr
    p = run_cli("validate", "default", "--set", "run.control=tcp:0", check=False)
    assert p.returncode == 2 and "run.realtime" in p.stderr


@pytest.mark.parametrize("option, key", [("--control", "run.control"), ("--can-bridge", "can.bridge")])
def test_a_port_in_use_is_bad_input_and_writes_nothing(tmp_path, option, key):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        spec = f"tcp:127.0.0.1:{port}" if option == "--control" else f"socketcand:127.0.0.1:{port}"
        p = run_cli("run", "default", "--realtime", option, spec, "--out", tmp_path / "out", check=False)
    assert p.returncode == 2, p.stderr
    assert key in p.stderr and str(port) in p.stderr
    assert not (tmp_path / "out").exists()
