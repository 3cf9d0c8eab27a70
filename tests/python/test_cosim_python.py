"""Python's wall-clock mode (docs/cosim.md §4): Simulation(..., realtime=True) runs in the
background; state() and inject() act on the running simulation at the instant of the call, and
stop() ends it where it stands with complete outputs."""

import json
import math
import time

import pytest

import stacksim

# These tests assert wall-clock timing: tools/check.sh runs them on their own, after the others,
# so that no parallel worker shares the CPU with them (conftest.py, marker `wallclock`).
pytestmark = pytest.mark.wallclock


def test_a_background_run_follows_the_wall_clock_and_takes_faults(tmp_path):
    with stacksim.Simulation("default", realtime=True, out=tmp_path,
                             set="run.duration_s=.inf") as sim:
        assert sim.background_running
        w0, t0 = time.monotonic(), sim.state()["time_s"]
        time.sleep(0.5)
        w1, s1 = time.monotonic(), sim.state()
        assert s1["time_s"] - t0 == pytest.approx(w1 - w0, abs=0.02)
        assert len(s1["modules"]) == 3 and len(s1["module_current_a"]) == 3
        sim.inject({"action": "cell_short", "module": 1, "cell": 4, "r_ohm": 0.05})
        t_inject = sim.state()["time_s"]
        time.sleep(0.3)
        with pytest.raises(RuntimeError, match="background"):
            sim.run_for(1.0)  # time is the wall clock's now
        with pytest.raises(RuntimeError, match="state"):
            sim.module_current_a(0)
    s = sim.summary
    assert s["completed"] is False and s["wallclock"]["factor"] == 1.0
    events = [json.loads(x) for x in (tmp_path / "events.jsonl").read_text().splitlines()]
    (short,) = [e for e in events if e["kind"] == "scenario_event" and e["details"]["action"] == "cell_short"]
    assert short["t_s"] <= t_inject and t_inject - short["t_s"] < 0.05
    assert s["simulated_s"] >= t_inject + 0.25


def test_a_bounded_background_run_ends_by_itself(tmp_path):
    sim = stacksim.Simulation("default", realtime=20, out=tmp_path, set="run.duration_s=10")
    start = time.monotonic()
    sim.wait_background()
    took = time.monotonic() - start
    assert took == pytest.approx(0.5, abs=0.2)  # 10 s at 20x
    assert not sim.background_running
    assert sim.summary["completed"] is True


def test_realtime_needs_the_wall_clock_only_where_it_is_asked_for():
    sim = stacksim.Simulation("default", set="run.duration_s=2")
    with pytest.raises(RuntimeError, match="wall-clock"):
        sim.start_background()
    sim.run()
    assert sim.summary["completed"] is True and "wallclock" not in sim.summary
