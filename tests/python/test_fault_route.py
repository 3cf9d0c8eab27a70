"""One route for faults: a fault set from Python (the bind_bms / bind_can setters) is a scenario event applied
now. It is logged in events.jsonl exactly as the same event written in the scenario, and the
scenario's expectations see it. Reference: the run with the event in the scenario file."""

import json
import pathlib

import pytest

from stacksim import _core

T_FAULT_S = 16.0
BASE = """
name: fault-route
run: {duration_s: 40, step_s: 0.1, record_every: 10, record_cells: false, vcd: false}
stack:
  modules: 3
  initial_soc_pct: 50
inverter:
  protocol: pylontech
  battery_power_w: 0
expectations:
  - name: the fault is logged
    event: {source: scenario, kind: scenario_event, contains: "%(action)s"}
    from_s: 16
  - name: the model reacts
    event: {source: "%(source)s", kind: "%(kind)s"}
    from_s: 16
"""

# (Python setter, its arguments after the simulation, the same fault as a scenario event, what
# the model logs when it acts)
CASES = {
    "afe_set_open_wire": ((1, 5, True), "{action: open_wire, module: 1, cell: 5, open: true}",
                          "top.stack.m1.bms", "protection"),
    "bms_set_powered": ((2, False), "{action: module_power, module: 2, on: false}", "top.stack.m2.bms", "power"),
    "can_set_online": (("battery", False), "{action: can_node, node: battery, online: false}", "*", "can"),
}


def events(out):
    return [json.loads(line) for line in open(pathlib.Path(out) / "events.jsonl")]


def scenario_text(event_yaml, source, kind, in_file):
    action = event_yaml.split("action: ")[1].split(",")[0]
    text = BASE % {"action": action, "source": source, "kind": kind}
    if in_file:
        text += "events:\n  - " + event_yaml.replace("{", "{t_s: %g, " % T_FAULT_S, 1) + "\n"
    return text


@pytest.mark.parametrize("setter", sorted(CASES))
def test_a_fault_from_python_is_logged_and_expected_like_the_scenario_event(tmp_path, setter):
    args, event_yaml, source, kind = CASES[setter]
    ref_out, py_out = tmp_path / "scenario", tmp_path / "python"

    ref = _core.Simulation(yaml_text=scenario_text(event_yaml, source, kind, True), out=str(ref_out))
    ref.run()
    ref_summary = json.loads(ref.finish())

    sim = _core.Simulation(yaml_text=scenario_text(event_yaml, source, kind, False), out=str(py_out))
    sim.run_until(T_FAULT_S)
    getattr(_core, setter)(sim, *args)
    sim.run()
    py_summary = json.loads(sim.finish())

    logged = [e for e in events(py_out) if e["source"] == "scenario"]
    assert len(logged) == 1, logged
    assert logged == [e for e in events(ref_out) if e["source"] == "scenario"]
    assert logged[0]["t_s"] == T_FAULT_S
    # The whole log is the same: the fault acts at the same instant by the same route.
    assert events(py_out) == events(ref_out)
    for summary in (ref_summary, py_summary):
        assert summary["expectations_passed"] is True, summary["expectations"]
        assert [x["name"] for x in summary["expectations"]] == ["the fault is logged", "the model reacts"]
