"""Switch sequencing: every module closes through its precharge path first."""

import json

import pytest

PRECHARGE_S = 0.2        # models/params/module_4k4pro.yaml, bms.precharge_time_s
MEASURE_PERIOD_S = 0.1   # bms.measure_period_s: the BMS acts on its measurement ticks


def test_each_module_precharges_then_closes(default_run):
    events = [json.loads(line) for line in (default_run / "events.jsonl").open()]
    for m in range(3):
        src = f"top.stack.m{m}.bms"
        mine = [e for e in events if e["source"] == src and e["kind"] in ("precharge", "switch")]
        assert mine[0]["kind"] == "precharge" and mine[0]["details"]["closed"] is True, mine[:2]
        closed = next(e for e in mine if e["kind"] == "switch" and e["details"]["closed"])
        dt = closed["t_s"] - mine[0]["t_s"]
        assert PRECHARGE_S - 1e-9 <= dt <= PRECHARGE_S + MEASURE_PERIOD_S + 1e-9
