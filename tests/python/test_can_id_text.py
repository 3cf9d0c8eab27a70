"""CAN identifiers in event text are hexadecimal, as every CAN tool writes them (candump, the
protocol tables of protocols.md §1). A scenario's `can_errors` event corrupts the next CAN frame on
the bus; which frame that is comes independently from can.log (read with python-can): the first
frame that ends after the event's instant is the one retransmitted. The BMS/inverter event must
name it as e.g. "0x351", never as its decimal value behind a 0x prefix ("0x849")."""

import json
import re

import can  # Debian python3-can

from conftest import ROOT, run_cli

SCENARIO = """\
name: can_error_text
run: {{duration_s: 6, step_s: 0.1, record_every: 10, record_cells: false}}
stack: {{modules: 2, initial_soc_pct: 50, initial_temp_c: 25, cell_params: {cell}, module_params: {module}}}
inverter: {{battery_power_w: 0}}
events:
  # The master sends its set ~2 ms after each whole second, the inverter's 0x305 first.
  - {{t_s: 3.001, action: can_errors, frames: 1}}
  - {{t_s: 4.5, action: can_errors, frames: 1}}
"""


def test_bit_error_events_name_the_frame_in_hex(tmp_path):
    scenario = tmp_path / "can_error_text.yaml"
    scenario.write_text(SCENARIO.format(cell=ROOT / "models" / "params" / "lfp_cell_100ah.yaml",
                                        module=ROOT / "models" / "params" / "module_4k4pro.yaml"))
    out = tmp_path / "out"
    run_cli("run", scenario, "--out", out, "--quiet")
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    msgs = list(can.CanutilsLogReader(str(out / "can.log")))
    scheduled = [e["t_s"] for e in events if e["kind"] == "scenario_event"]
    assert scheduled == [3.001, 4.5]
    # The frame each error hit: the first one logged after the event.
    hit = [next(m.arbitration_id for m in msgs if m.timestamp > t) for t in scheduled]
    assert hit == [0x351, 0x305]
    texts = [e["details"]["what"] for e in events if "bit error in frame" in e["details"].get("what", "")]
    assert len(texts) == 2, events
    for text, can_id in zip(texts, hit):
        assert f"bit error in frame 0x{can_id:03X} " in text, text
    # No identifier anywhere in the events is written as a decimal behind "0x".
    for e in events:
        for m in re.finditer(r"0x([0-9A-Fa-f]+)", json.dumps(e)):
            assert int(m.group(1), 16) <= 0x7FF, e
