"""A year of aging: the fast-aging run mode (docs/scenarios.md, "aging").

The capacity fade a run reports is checked against the published aging model (NREL BLAST-Lite
Lfp_Gr_250AhPrismatic, cell-and-cable-data.md §9.3) evaluated here, in Python, by hand: exactly for
a cell at rest, and from the recorded history of the library's year_of_aging scenario."""

import csv
import json
import math

import pytest
import yaml

from conftest import ROOT, run_cli, shared_run_group

DAY_S = 86400.0
# One year at 25 degC and 50 % SoC: k_cal * 365^0.526 (hand computation, tests/cell/test_cell_aging.cpp).
ONE_YEAR_CALENDAR_LOSS = 0.011016423572855863

REST = """
name: rest_year
seed: 1
run: {{duration_s: {duration}, step_s: 1, record_every: 60, record_cells: false, vcd: false, bus_logs: false}}
aging: {{window_s: {window}, span_days: 365}}
stack: {{modules: 2, initial_soc_pct: 50, initial_temp_c: 25}}
parameters:
  cell: {{cell.self_discharge_pct_per_month: 0}}   # keep the SoC at exactly 50 %
inverter: {{battery_power_w: 0}}
environment: {{ambient_c: 25}}
"""


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    header = rows[0]
    return header, [[float(x) if x else float("nan") for x in r] for r in rows[1:]]  # empty: missing


def run_rest(tmp_path, duration, window):
    path = tmp_path / f"rest_{window}.yaml"
    path.write_text(REST.format(duration=duration, window=window))
    out = tmp_path / f"out_{window}"
    run_cli("run", path, "--out", out, "--quiet")
    return out


def test_a_year_at_rest_loses_exactly_the_published_calendar_fade(tmp_path):
    out = run_rest(tmp_path, 7200, 3600)
    summary = json.loads((out / "summary.json").read_text())
    ag = summary["aging"]
    assert ag["windows"] == ag["windows_done"] == 2
    assert ag["jump_days"] == pytest.approx((365 * DAY_S - 7200) / 2 / DAY_S, rel=1e-12)
    assert ag["age_days"] == pytest.approx(365.0, rel=1e-9)
    for m in ag["modules"]:
        loss = 1.0 - m["capacity_pct"] / 100.0
        assert loss == pytest.approx(ONE_YEAR_CALENDAR_LOSS, rel=1e-6)
        assert m["efc"] < 1e-12  # no cycling at all
        assert m["resistance_pct"] > 100.0
    # The jumps are in the event log at the windows' ends, and the time series shows them: a row
    # at the window's end before the jump and one after it, at the same instant.
    jumps = [json.loads(l) for l in (out / "events.jsonl").read_text().splitlines() if '"aging_jump"' in l]
    assert [j["t_s"] for j in jumps] == [3600.0, 7200.0]
    header, rows = read_csv(out / "timeseries.csv")
    t, age, cap = header.index("t_s"), header.index("stack.age_days"), header.index("stack.m0.capacity_pct")
    at_end = [r for r in rows if r[t] == 3600.0]
    assert len(at_end) == 2
    assert at_end[0][age] == pytest.approx(3600 / DAY_S, rel=1e-9)
    assert at_end[1][age] == pytest.approx(182.5, rel=1e-9)
    assert at_end[1][cap] < at_end[0][cap]
    assert rows[-1][t] == 7200.0 and rows[-1][age] == pytest.approx(365.0, rel=1e-9)
    # Nothing was logged on the buses (bus_logs: false), as the summary says.
    assert summary["bus_logs"] is False
    assert (out / "can.log").read_text() == "" and (out / "rs485.log").read_text() == ""


def test_constant_stress_fade_does_not_depend_on_the_number_of_windows(tmp_path):
    # Virtual-time continuation is exact for constant stress: one window or two, the same year.
    one = json.loads((run_rest(tmp_path, 3600, 3600) / "summary.json").read_text())["aging"]
    two = json.loads((run_rest(tmp_path, 7200, 3600) / "summary.json").read_text())["aging"]
    for a, b in zip(one["modules"], two["modules"]):
        assert a["capacity_pct"] == pytest.approx(b["capacity_pct"], rel=1e-12, abs=1e-9)


# --- the library scenario against BLAST-Lite evaluated on its recorded history -----------------

def anode_potential_v(soc):
    """Graphite potential vs Li: Safari & Delacourt (2011) fit, lithiation Xa = 0.0085 + SoC (0.78 - 0.0085),
    as BLAST-Lite's BatteryDegradationModel._get_Ua writes it."""
    x = 0.0085 + soc * (0.78 - 0.0085)
    return (0.6379 + 0.5416 * math.exp(-305.5309 * x) + 0.044 * math.tanh(-(x - 0.1958) / 0.1088)
            - 0.1978 * math.tanh((x - 1.0571) / 0.0854) - 0.6875 * math.tanh((x + 0.0117) / 0.0529)
            - 0.0175 * math.tanh((x - 0.5692) / 0.0875))


def continue_power_law(y0, dx, k, p):
    """y = k x^p continued from y0 by dx in virtual time (stress changes between windows)."""
    x0 = (y0 / k) ** (1.0 / p) if y0 > 0 else 0.0
    return k * (x0 + dx) ** p


YEAR_OF_AGING = ROOT / "scenarios" / "library" / "year_of_aging.yaml"


@shared_run_group(YEAR_OF_AGING)
def test_year_of_aging_matches_blast_lite_on_its_own_history(scenario_run):
    scenario = YEAR_OF_AGING
    proc, out = scenario_run(scenario)
    assert proc.returncode == 0, proc.stderr
    sc = yaml.safe_load(scenario.read_text())
    cell = yaml.safe_load((ROOT / "models" / "params" / "lfp_cell_100ah.yaml").read_text())
    a = {k: float(v["value"]) for k, v in cell["aging"].items() if isinstance(v, dict)}  # PyYAML reads 8.37e4 as text
    q_ah = cell["cell"]["table_capacity_ah"]["value"]
    window_s, span_days = sc["aging"]["window_s"], sc["aging"]["span_days"]
    windows = round(sc["run"]["duration_s"] / window_s)
    half_days = span_days / windows  # each window stands for this many days (itself + its jump)

    header, rows = read_csv(out / "timeseries.csv")
    col = {h: i for i, h in enumerate(header)}
    dt = sc["run"]["step_s"] * sc["run"]["record_every"]
    summary = json.loads((out / "summary.json").read_text())
    for m, mod in enumerate(summary["aging"]["modules"]):
        cells = sorted(h[: -len(".soc_pct")] for h in header if h.startswith(f"stack.m{m}.cell") and h.endswith(".soc_pct"))
        assert len(cells) == 16
        caps = []
        for c in cells:
            q_cal = q_cyc = 0.0
            for w in range(windows):
                # Rows of this window (the row after a jump belongs to the next window).
                seen, win = set(), []
                for r in rows:
                    if w * window_s <= r[col["t_s"]] < (w + 1) * window_s and r[col["t_s"]] not in seen:
                        seen.add(r[col["t_s"]])
                        win.append(r)
                temp_k = sum(r[col[c + ".temp_c"]] for r in win) / len(win) + 273.15
                socs = [r[col[c + ".soc_pct"]] / 100.0 for r in win]
                soc = sum(socs) / len(socs)
                dod = max(socs) - min(socs)
                amps = [abs(r[col[f"stack.m{m}.current_a"]]) for r in win]
                c_rate = sum(i for i in amps if i >= a["crate_threshold"] * q_ah) / len(amps) / q_ah
                efc = sum(amps) * dt / 3600.0 / (2.0 * q_ah)
                k_cal = a["cal_p1"] * math.exp(a["cal_p2_k"] / temp_k) * math.exp(a["cal_p3_k_per_v"] * anode_potential_v(soc) / temp_k)
                k_cyc = (a["cyc_p4"] + a["cyc_p5"] * dod + a["cyc_p6"] * c_rate) * (
                    math.exp(a["cyc_p7_k"] / temp_k) + math.exp(-a["cyc_p8_k"] / temp_k))
                q_cal = continue_power_law(q_cal, half_days, k_cal, a["cal_exponent"])
                q_cyc = continue_power_law(q_cyc, efc * half_days, k_cyc, a["cyc_exponent"])
            caps.append(1.0 - q_cal - q_cyc)
        expected_loss = 1.0 - sum(caps) / len(caps)
        simulated_loss = 1.0 - mod["capacity_pct"] / 100.0
        # The hand evaluation samples the history every 300 s; the simulation integrates every step.
        # (measured: within 0.4 %; the margin covers the 300 s sampling of the history).
        assert simulated_loss == pytest.approx(expected_loss, rel=0.01), (m, simulated_loss, expected_loss)
        assert 0.011 < simulated_loss < 0.03
