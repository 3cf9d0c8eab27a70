"""Simulation: one run with its own SystemC kernel, driven step by step from Python."""

from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, Iterable, Optional, Union

from . import _core
from .results import Result
from .scenario import Scenario, overrides_arg, yaml_text


class Simulation(_core.Simulation):
    """One simulation of a scenario, with its own SystemC kernel.

    Simulation(scenario) takes a Scenario, or a scenario file path or library name
    (stacksim.scenario_path); the keyword form
    Simulation(path=..., yaml_text=..., set=[...], seed=..., out=...) is the raw one.
    Drive time with run_for(seconds) / run_until(t_s); between calls read state (state(),
    series(), the stacksim._core functions) and change inputs (set_inverter_power_w, faults).
    out: directory for the output files ('' or None = in memory only).
    set: one "dotted.path=value" override or a list of them. seed: None or an integer in
    0 .. 2**53 - 1 (the scenario key's range).
    Ctrl-C during run_for/run_until/run raises KeyboardInterrupt (checked every ~50 ms): after
    run_for/run_until the simulation stands at the time reached and may go on; run() finishes
    the run first (summary.json with "completed": false, as the command line does).

    realtime: None (batch, the default), True (wall-clock pace) or a factor (simulated seconds
    per wall second); the run then starts at once in the background (docs/cosim.md) and goes to
    the scenario's duration (run.duration_s may be float("inf")), while state() and inject() act
    on it at the instant of the call; stop() (or leaving a `with` block) ends it where it stands.
    control: a live control port, "tcp:[HOST:]PORT" (run.control), in wall-clock mode.
    keep_series: keep every recorded signal in memory for t_s / series(). None (the default):
    only when there is no `out` (memory is then the only place the rows go); with `out` the rows
    go to its files as they come, memory stays bounded whatever the duration, the expectations
    are still judged, series() raises RuntimeError and result() reads timeseries.csv back once
    the run is finished. True or False: as asked.
    """

    def __init__(self, scenario: Union[Scenario, str, os.PathLike, None] = None, path: str = "",
                 yaml_text: str = "", set: Union[str, Iterable[str]] = (), seed: Optional[int] = None,
                 out: Optional[Union[str, os.PathLike]] = "", realtime: Union[bool, float, None] = None,
                 control: Optional[str] = None, keep_series: Optional[bool] = None):
        cosim = []
        if realtime is not None and realtime is not False:
            factor = 1.0 if realtime is True else float(realtime)
            cosim.append("run.realtime=%r" % factor)
        if control:
            cosim.append("run.control=%s" % control)
        set = overrides_arg(set) + cosim
        if isinstance(scenario, Scenario):
            args: Dict[str, Any] = scenario.core_args()
            args["set"] = list(args["set"]) + overrides_arg(set)
            if seed is not None:
                args["seed"] = seed
        else:
            if scenario is not None:
                from .locate import scenario_path

                path = scenario_path(scenario)
            args = {"path": path, "yaml_text": yaml_text, "set": overrides_arg(set), "seed": seed}
        self._out = os.fspath(out) if out else ""
        if keep_series is None:
            keep_series = not self._out
        self._keep_series = bool(keep_series)
        super().__init__(out=self._out, keep_series=self._keep_series, **args)
        self._summary: Optional[dict] = None
        if cosim and realtime not in (None, False):
            self.start_background()

    def state(self) -> Dict[str, Any]:
        """The present state as plain Python values (the control port's {"get": "state"} answer,
        docs/cosim.md): time, stack voltage, currents (+ = charging), each module's fuse (melting
        damage 0..1, blown), per-module BMS readings and protections, the master's CAN limits and
        the inverter. Safe while a wall-clock run goes on in the background."""
        return json.loads(self.state_json())

    def stop(self) -> str:
        """End a background (realtime) run where it stands; returns the summary as JSON text."""
        self.stop_background()
        return self.finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def run(self) -> bool:
        """Run to the scenario's duration. Ctrl-C: the run is finished where it stands (its
        outputs complete, summary.json "completed": false) and KeyboardInterrupt raised."""
        try:
            return super().run()
        except KeyboardInterrupt:
            self.finish()
            raise

    def finish(self) -> str:
        """Write summary.json (if writing files); returns the summary as JSON text. Idempotent."""
        text = super().finish()
        self._summary = json.loads(text)
        return text

    @property
    def summary(self) -> dict:
        """The summary (docs/outputs.md, summary.json); finishes the run if not yet done."""
        if self._summary is None:
            self.finish()
        return self._summary

    def result(self):
        """Finish the run and return its Result (numpy arrays, summary): from memory when the
        series were kept, else read back from out's timeseries.csv (the same doubles)."""
        summary = self.summary
        if self._keep_series or not self._out:
            return Result(self, summary)
        r = Result.from_csv(os.path.join(self._out, "timeseries.csv"))
        r.summary = summary
        return r

    def set_inverter_power_w(self, power_w: Optional[float]) -> None:
        """Replace the inverter's power profile from now on (W, + = charging); None returns to it."""
        super().set_inverter_power_w(math.nan if power_w is None else float(power_w))

    def inject(self, event: Union[Dict[str, Any], str], origin: str = "<injected event>") -> None:
        """Inject a fault or action now (or at event['t_s'] if later), between run_for/run_until calls.

        event: a scenario event as a dict, e.g. {"action": "contact_torque", "contact":
        "contact.m2.pos.m1", "torque_nm": 2} or {"action": "rs485_hop_cut", "hop": 1}
        (docs/scenarios.md, "Events"), or its YAML text. It is validated like a scenario's events
        (stacksim.InputError with the same messages) and logged in events.jsonl like them.
        """
        text = event if isinstance(event, str) else yaml_text(event)
        super().inject(text, origin)


def run(scenario, out: Optional[str] = None, seed: Optional[int] = None,
        set: Union[str, Iterable[str], None] = None) -> Result:
    """Run a scenario (a file path, a library name such as "default", or a Scenario) to its end
    and return its results.

    out: directory for the output files (None: keep everything in memory; with a directory the
    rows go only to its files while the run goes on, and the Result is read back from them).
    seed: override the scenario's seed (0 .. 2**53 - 1). set: "dotted.path=value" overrides, as
    `--set` (one string or a list). Ctrl-C: KeyboardInterrupt, the outputs so far complete.
    """
    sim = Simulation(scenario, set=set if set is not None else (), seed=seed, out=out or "")
    sim.run()
    return sim.result()
