"""Issue #7, Ctrl-C: a long `stacksim run` interrupted by SIGINT stops between chunks, exits
130 and leaves complete, parseable output files (docs/outputs.md)."""

import json
import re

from conftest import interrupt_run

CAN_LINE = re.compile(r"^\(\d{10}\.\d{6}\) can0 ([0-9A-F]{3}|[0-9A-F]{8})#(R|([0-9A-F]{2}){0,8})$")


def test_sigint_leaves_complete_parseable_outputs(tmp_path):
    out = tmp_path / "out"
    returncode, stderr = interrupt_run(out, [], once_csv_bytes=200_000)
    assert returncode == 130, stderr
    ts = out / "timeseries.csv"
    assert "interrupted" in stderr

    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is False
    assert 0 < summary["simulated_s"] < summary["duration_s"] == 36000

    # timeseries.csv: every row complete (as many numbers as header fields), times increasing,
    # as many rows as the summary says, the last one within a record period of the stop.
    lines = ts.read_text().split("\n")
    assert lines[-1] == "", "the file must end with a complete line"
    header = lines[0].split(",")
    # (an empty field is a value that does not exist yet: docs/outputs.md, "Missing values")
    rows = [[float(x) if x else float("nan") for x in line.split(",")] for line in lines[1:-1]]
    assert all(len(r) == len(header) for r in rows)
    assert len(rows) == summary["rows"]
    t = [r[0] for r in rows]
    assert all(b > a for a, b in zip(t, t[1:]))
    assert summary["simulated_s"] - 1.0 <= t[-1] <= summary["simulated_s"]

    # events.jsonl: every line a JSON object with the contract's keys.
    ev_text = (out / "events.jsonl").read_text()
    assert ev_text.endswith("\n")
    events = [json.loads(line) for line in ev_text.splitlines()]
    assert events and all({"t_s", "source", "kind", "details"} <= e.keys() for e in events)
    assert all(e["t_s"] <= summary["simulated_s"] for e in events)
    assert len(events) == summary["events"]

    # can.log (candump -L) and rs485.log: every line complete.
    can_text = (out / "can.log").read_text()
    assert can_text.endswith("\n")
    can_lines = can_text.splitlines()
    assert len(can_lines) == summary["can"]["frames"]
    assert all(CAN_LINE.match(line) for line in can_lines), [x for x in can_lines if not CAN_LINE.match(x)][:3]
    rs_text = (out / "rs485.log").read_text()
    assert rs_text.endswith("\n")
    for line in rs_text.splitlines():
        f = line.split()
        assert 5 <= len(f) <= 6 and float(f[0]) < float(f[1]) and f[4].startswith("~"), line
