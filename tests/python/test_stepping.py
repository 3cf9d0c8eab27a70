"""Python what-if API: Scenario.from_yaml/from_dict with programmatic edits, and a
Simulation driven step by step from Python (stop every 10 s, read state, change the set-point)."""

import math

import numpy as np
import pytest
import yaml

from conftest import ROOT, run_cli

import stacksim

DEFAULT = ROOT / "scenarios" / "default.yaml"
MANUAL = ROOT / "scenarios" / "cable_loss" / "manual_cables.yaml"
UNDERSIZED = ROOT / "scenarios" / "cable_loss" / "undersized_cable.yaml"


def test_python_controller_changes_setpoint_every_10_s():
    sc = stacksim.Scenario.from_yaml(DEFAULT).set("run.duration_s", 80)
    sim = stacksim.Simulation(sc)
    assert sim.module_count == 3
    # A controller: from t = 10 s on, alternate +1500 W (charge) and -1500 W (discharge) every
    # 10 simulated seconds (the file's profile would discharge at 3 kW all along).
    setpoints = {}
    for k in range(1, 8):
        sim.run_until(10.0 * k)
        st = sim.state()
        assert st["time_s"] == pytest.approx(10.0 * k, abs=1e-12)
        assert 40.0 < st["stack_voltage_v"] < 58.4  # 16 LFP cells in series, 2.5..3.65 V
        # Kirchhoff at the stack bus: the port current is the sum of the module currents.
        assert st["inverter_current_a"] == pytest.approx(sum(st["module_current_a"]), abs=1e-6)
        p_w = 1500.0 if k % 2 else -1500.0
        sim.set_inverter_power_w(p_w)
        setpoints[k] = (p_w, st["stack_voltage_v"])
    sim.run_until(80.0)
    r = sim.result()
    t = r.t_s
    i = r.series("inverter.battery_current_a")
    for k, (p_w, v) in setpoints.items():
        # The last 5 s of each 10 s window, after the inverter's control loop has settled:
        # I = P / V at the stack voltage (hand check, within 10 % for the cable drop and the
        # voltage moving with the current).
        w = (t > 10.0 * k + 5.0) & (t <= 10.0 * k + 10.0)
        assert w.sum() == 5  # one row per second (record_every 10 x 0.1 s)
        expected_a = p_w / v
        assert np.all(np.sign(i[w]) == math.copysign(1.0, p_w)), (k, i[w])
        assert np.mean(i[w]) == pytest.approx(expected_a, rel=0.10)
    # Before the first change the file's profile held: -3000 W from t = 5 s.
    w0 = (t > 7.0) & (t <= 10.0)
    assert np.all(i[w0] < -3000.0 / 58.4)


def test_return_to_profile_after_override():
    sim = stacksim.Simulation(stacksim.Scenario.from_yaml(DEFAULT).set("run.duration_s", 40))
    sim.run_until(10.0)
    sim.set_inverter_power_w(2000.0)
    sim.run_until(20.0)
    assert sim.inverter_current_a() > 0
    sim.set_inverter_power_w(None)
    sim.run_until(30.0)
    assert sim.inverter_current_a() < -3000.0 / 58.4


def test_dotted_cable_edit_equals_the_undersized_scenario_file():
    """The manual's wiring edited from Python into undersized_cable.yaml's jumper gives the
    very same time series as that file (cable names contain dots)."""
    edited = (stacksim.Scenario.from_yaml(MANUAL)
              .set("wiring.cables.cable.pos.m2_m3.cross_section_mm2", 16)
              .set("wiring.cables.cable.pos.m2_m3.length_m", 4.0)
              .set("run.duration_s", 60))
    a = stacksim.run(edited)
    b = stacksim.run(stacksim.Scenario.from_yaml(UNDERSIZED).set("run.duration_s", 60))
    plain = stacksim.run(stacksim.Scenario.from_yaml(MANUAL).set("run.duration_s", 60))
    assert a.columns == b.columns
    np.testing.assert_array_equal(a.t_s, b.t_s)
    for c in a.columns:
        np.testing.assert_array_equal(a.series(c), b.series(c), err_msg=c)
    # ... and the edit took effect: m3 carries less than with the manual's cables.
    w = a.t_s > 10
    assert np.mean(np.abs(a.series("stack.m3.current_a")[w])) < np.mean(np.abs(plain.series("stack.m3.current_a")[w]))


def test_from_dict_runs_like_the_file():
    with open(DEFAULT, encoding="utf-8") as f:
        d = yaml.safe_load(f)
    d["run"]["duration_s"] = 30
    a = stacksim.run(stacksim.Scenario.from_dict(d))
    b = stacksim.run(stacksim.Scenario.from_yaml(DEFAULT).set("run.duration_s", 30))
    assert a.columns == b.columns
    for c in a.columns:
        np.testing.assert_array_equal(a.series(c), b.series(c), err_msg=c)
    assert stacksim.Scenario.from_dict(d).to_dict()["run"]["duration_s"] == 30


@pytest.mark.parametrize("path, value", [("run.step_s", -1), ("stack.modules", "three"),
                                         ("wiring.cables.cable.pos.m2_m3.bogus", 1),
                                         ("run.no_such_key", 1)])
def test_errors_are_python_exceptions_with_the_cli_message(path, value, tmp_path):
    sc = stacksim.Scenario.from_yaml(MANUAL).set(path, value)
    with pytest.raises(ValueError) as e:
        stacksim.Simulation(sc)
    assert isinstance(e.value, stacksim.InputError)
    # The command line, given the same overrides, refuses with the same message.
    out = tmp_path / "out"
    args = ["run", MANUAL, "--quiet", "--out", out]
    for o in sc.overrides():
        args += ["--set", o]
    proc = run_cli(*args, check=False)
    assert proc.returncode == 2
    assert not out.exists()
    assert proc.stderr.strip() == f"stacksim: {e.value}"
    assert path.split(".")[-1] in str(e.value)
    assert str(MANUAL) in str(e.value)


def test_events_injected_from_python_act_at_their_instant(tmp_path):
    # A what-if from a Python controller: at 20 s, as the stack discharges at 3 kW, a lug is found
    # loose (torque 1 Nm now) and the RS485 hop m1-m2 is cut 5 s later (injected ahead of time).
    out = tmp_path / "out"
    sim = stacksim.Simulation(stacksim.Scenario.from_yaml(DEFAULT).set("run.duration_s", 40), out=out)
    sim.run_until(20.0)
    contact = "contact.m1.pos.m0"
    sim.inject({"action": "contact_torque", "contact": contact, "torque_nm": 1})
    sim.inject("{t_s: 25, action: rs485_hop_cut, hop: 1}")
    # Bad input is refused with the scenario format's message, and the run goes on.
    with pytest.raises(stacksim.InputError) as e:
        sim.inject({"action": "contact_torque", "contact": "contact.m9.pos.m0", "torque_nm": 1}, origin="my controller")
    assert "my controller" in str(e.value) and "contact" in str(e.value)
    with pytest.raises(stacksim.InputError) as e:
        sim.inject({"t_s": 10, "action": "rs485_hop_cut", "hop": 1})
    assert "not before now" in str(e.value)
    with pytest.raises(stacksim.InputError):
        sim.inject({"action": "explode"})
    sim.run_until(40.0)
    r = sim.result()
    import json
    applied = [json.loads(l) for l in (out / "events.jsonl").read_text().splitlines() if '"scenario_event"' in l]
    assert [(a["t_s"], a["details"]["action"]) for a in applied] == [(20.0, "contact_torque"), (25.0, "rs485_hop_cut")]
    assert applied[0]["details"]["torque_nm"] == 1 and applied[1]["details"]["hop"] == 1
    # The contact's loss jumps right after 20 s (its resistance at 1 Nm, same current order).
    t = r.t_s
    loss = r.series(f"stack.{contact}.loss_w")
    before, after = loss[(t > 15) & (t <= 20)].mean(), loss[(t > 20.05) & (t < 25)].mean()
    assert after > 5 * before > 0
    # The hop cut shows on the chain: nothing from m2 on hop 1 after 25 s.
    tail = [l.split() for l in (out / "rs485.log").read_text().splitlines()]
    assert any(float(f[0]) < 25 and f[2] == "hop1" for f in tail)
    assert not any(float(f[0]) > 25 and f[2] == "hop1" for f in tail)
