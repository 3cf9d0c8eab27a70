#!/usr/bin/env python3
"""Turn a stacksim results folder into report.md with PNG plots (issue #7).

Usage: /usr/bin/python3 tools/report.py RESULTS_DIR [--out REPORT_DIR]

Reads the output contract (docs/outputs.md): timeseries.csv, summary.json, events.jsonl,
can.log, rs485.log. Writes REPORT_DIR/report.md (default RESULTS_DIR) and report_*.png next to
it: stack voltage against CVL, currents per module against CCL/DCL, SoC, temperatures, bus
load (CAN and RS485), and the scenario's expectations when summary.json has them.
Sign convention: + current charges the battery.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import pathlib
import re
import sys
from typing import Dict, List, Tuple

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BUS_WINDOW_S = 10.0  # bus-load averaging window

# Frame length on the wire without bit stuffing (ISO 11898-1): SOF 1 + arbitration
# (11-bit: 12, 29-bit: 32) + control 6 + data 8*DLC + CRC 16 + ACK 2 + EOF 7 + intermission 3.
CAN_FIXED_BITS = {False: 1 + 12 + 6 + 16 + 2 + 7 + 3, True: 1 + 32 + 6 + 16 + 2 + 7 + 3}


def read_timeseries(path: pathlib.Path) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        body = f.read()
    # An empty field is a value that does not exist yet (docs/outputs.md): NaN, a gap in a plot.
    # (loadtxt refuses empty fields; spelling them "nan" keeps its speed, 2x genfromtxt's.)
    body = body.replace(",,", ",nan,").replace(",,", ",nan,").replace(",\n", ",nan\n")
    data = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)
    cols = {name: data[:, k] for k, name in enumerate(header)}
    return cols["t_s"], cols


def can_bits(log: pathlib.Path) -> Tuple[np.ndarray, np.ndarray]:
    """End time and nominal length (bits, no stuffing) of every logged CAN frame."""
    t, bits = [], []
    if not log.exists():
        return np.zeros(0), np.zeros(0)
    pat = re.compile(r"^\((\d+\.\d+)\)\s+\S+\s+([0-9A-Fa-f]+)#(R|[0-9A-Fa-f]*)")
    for line in log.read_text().splitlines():
        m = pat.match(line)
        if not m:
            continue
        ext = len(m.group(2)) > 3
        dlc = 0 if m.group(3) == "R" else len(m.group(3)) // 2
        t.append(float(m.group(1)))
        bits.append(CAN_FIXED_BITS[ext] + 8 * dlc)
    return np.array(t), np.array(bits, dtype=float)


def rs485_busy(log: pathlib.Path) -> List[Tuple[float, float, str]]:
    out = []
    if not log.exists():
        return out
    for line in log.read_text().splitlines():
        f = line.split()
        if len(f) >= 5:
            out.append((float(f[0]), float(f[1]), f[2]))
    return out


def windowed_load(t_end: float, spans: List[Tuple[float, float]]) -> Tuple[np.ndarray, np.ndarray]:
    """Fraction of each BUS_WINDOW_S window covered by the (start, end) spans."""
    n = max(1, int(math.ceil(t_end / BUS_WINDOW_S)))
    busy = np.zeros(n)
    for a, b in spans:
        k = int(a // BUS_WINDOW_S)
        while a < b and k < n:
            w_end = (k + 1) * BUS_WINDOW_S
            busy[k] += min(b, w_end) - a
            a = w_end
            k += 1
    width = np.minimum(BUS_WINDOW_S, np.maximum(t_end - np.arange(n) * BUS_WINDOW_S, 1e-12))
    return np.arange(n) * BUS_WINDOW_S + width / 2, busy / width


def module_count(cols: Dict[str, np.ndarray]) -> int:
    n = 0
    while f"stack.m{n}.current_a" in cols:
        n += 1
    return n


class Plotter:
    def __init__(self, out: pathlib.Path):
        self.out = out
        self.figures: List[Tuple[str, str]] = []
        self.plotted: Dict[str, np.ndarray] = {}  # every series drawn (for checks)

    def line(self, ax, x, y, key: str, **kw):
        y = np.asarray(y, dtype=float)
        self.plotted[key] = y
        ax.plot(x, y, **kw)

    def save(self, fig, name: str, title: str):
        fig.tight_layout()
        fname = f"report_{name}.png"
        fig.savefig(self.out / fname, dpi=90)
        plt.close(fig)
        self.figures.append((title, fname))


def build_report(results: pathlib.Path, out: pathlib.Path = None) -> dict:
    """Write report.md and its PNGs; return {'report': path, 'figures': [...], 'plotted': {...}}."""
    results = pathlib.Path(results)
    out = pathlib.Path(out) if out else results
    out.mkdir(parents=True, exist_ok=True)
    summary = json.loads((results / "summary.json").read_text())
    t, cols = read_timeseries(results / "timeseries.csv")
    tm = t / 60.0
    n = module_count(cols)
    p = Plotter(out)

    # 1. Stack voltage and the charge voltage limit.
    fig, ax = plt.subplots(figsize=(9, 4))
    p.line(ax, tm, cols["stack.voltage_v"], "stack.voltage_v", label="stack voltage (m0 terminals)")
    for m in range(n):
        c = f"stack.m{m}.voltage_v"
        if c in cols:
            p.line(ax, tm, cols[c], c, lw=0.7, alpha=0.7, label=f"m{m} terminal voltage")
    if "stack.cvl_v" in cols:
        p.line(ax, tm, cols["stack.cvl_v"], "stack.cvl_v", color="r", ls="--", label="CVL (0x351)")
    # Scale to the running stack: the first row (t = 0, switches still open, no limits sent yet)
    # would squash the curves against 0 V.
    run = t >= min(2.0, t[-1]) if t.size else np.zeros(0, bool)
    vals = [y[run] for k, y in p.plotted.items() if k.endswith("voltage_v") or k == "stack.cvl_v"]
    vals = np.concatenate(vals) if vals else np.zeros(0)
    vals = vals[np.isfinite(vals)]  # missing values (e.g. before the first CAN frame) are gaps
    if vals.size:
        ax.set_ylim(float(vals.min()) - 1.0, float(vals.max()) + 1.0)
    ax.set_xlabel("time (min)")
    ax.set_ylabel("V")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    p.save(fig, "voltage", "Stack voltage and charge voltage limit")

    # 2. Currents per module, against CCL / DCL.
    fig, ax = plt.subplots(figsize=(9, 4.5))
    p.line(ax, tm, cols["inverter.battery_current_a"], "inverter.battery_current_a", color="k", lw=1.2,
           label="inverter port (sum)")
    for m in range(n):
        c = f"stack.m{m}.current_a"
        p.line(ax, tm, cols[c], c, lw=0.9, label=f"m{m}")
    if "stack.ccl_a" in cols:
        p.line(ax, tm, cols["stack.ccl_a"], "stack.ccl_a", color="g", ls="--", label="+CCL (stack)")
    if "stack.dcl_a" in cols:
        p.line(ax, tm, -cols["stack.dcl_a"], "-stack.dcl_a", color="r", ls="--", label="-DCL (stack)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("time (min)")
    ax.set_ylabel("A (+ = charging)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    p.save(fig, "currents", "Currents per module against the stack's CCL / DCL")

    # 3. SoC.
    fig, ax = plt.subplots(figsize=(9, 4))
    if "stack.soc_pct" in cols:
        p.line(ax, tm, cols["stack.soc_pct"], "stack.soc_pct", color="k", label="stack SoC (0x355)")
    if "stack.true_soc_pct" in cols:
        p.line(ax, tm, cols["stack.true_soc_pct"], "stack.true_soc_pct", color="k", ls=":", label="stack true SoC")
    for m in range(n):
        c = f"stack.m{m}.soc_pct"
        if c in cols:
            p.line(ax, tm, cols[c], c, lw=0.8, label=f"m{m} BMS SoC")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("%")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    p.save(fig, "soc", "State of charge")

    # 4. Temperatures: cells (hottest / coolest per module) and the hottest cable / contact.
    fig, ax = plt.subplots(figsize=(9, 4))
    drew = False
    for m in range(n):
        cells = [cols[c] for c in cols if c.startswith(f"stack.m{m}.cell") and c.endswith(".temp_c")]
        if cells:
            a = np.vstack(cells)
            p.line(ax, tm, a.max(axis=0), f"stack.m{m}.cell_max_temp_c", lw=0.9, label=f"m{m} hottest cell")
            p.line(ax, tm, a.min(axis=0), f"stack.m{m}.cell_min_temp_c", lw=0.6, ls=":", label=f"m{m} coolest cell")
            drew = True
    branches = [c for c in cols if (c.startswith("stack.cable.") or c.startswith("stack.contact."))
                and c.endswith(".temp_c")]
    if branches:
        a = np.vstack([cols[c] for c in branches])
        hottest = branches[int(np.argmax(a.max(axis=1)))]
        p.line(ax, tm, cols[hottest], hottest, color="r", lw=1.2, label=f"hottest branch: {hottest[6:-7]}")
        drew = True
    if not drew:
        ax.text(0.5, 0.5, "no temperatures recorded", ha="center", transform=ax.transAxes)
    ax.set_xlabel("time (min)")
    ax.set_ylabel("°C")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    p.save(fig, "temperatures", "Temperatures")

    # 5. Aging (fast-aging runs, docs/scenarios.md#fast-aging): the cells' capacity and resistance
    # against their age, which jumps at each window's end while simulated time stands still.
    if summary.get("aging") and "stack.age_days" in cols:
        fig, ax = plt.subplots(figsize=(9, 4))
        ax2 = ax.twinx()
        age = cols["stack.age_days"]
        for m in range(n):
            c, r = f"stack.m{m}.capacity_pct", f"stack.m{m}.resistance_pct"
            if c in cols:
                p.line(ax, age, cols[c], c, marker=".", ms=3, lw=0.9, label=f"m{m} capacity")
            if r in cols:
                p.line(ax2, age, cols[r], r, ls="--", lw=0.8, label=f"m{m} resistance (right axis)")
        ax.set_xlabel("age of the cells (days; simulated windows and aging jumps)")
        ax.set_ylabel("capacity, % of new")
        ax2.set_ylabel("resistance, % of new")
        ax.grid(True, alpha=0.3)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=7, ncol=2)
        p.save(fig, "aging", "Aging: capacity and resistance of the cells (module means)")

    # 6. Bus load: CAN (nominal frame bits, no stuffing) and RS485 per segment.
    t_end = float(summary.get("simulated_s", t[-1] if t.size else 0.0))
    bitrate = float(summary.get("can", {}).get("bitrate_bps", 500000))
    fig, ax = plt.subplots(figsize=(9, 4))
    ct, cb = can_bits(results / "can.log")
    spans = [(te - b / bitrate, te) for te, b in zip(ct, cb)]
    x, load = windowed_load(t_end, spans)
    ax2 = ax.twinx()
    p.line(ax2, x / 60.0, 100.0 * load, "can.load_pct", color="b", label="CAN (no stuff bits, right axis)")
    ax2.set_ylabel("CAN % busy", color="b")
    ax2.set_ylim(0, 1.3 * max(1e-3, float(np.max(100.0 * load)) if load.size else 1e-3))
    rs = rs485_busy(results / "rs485.log")
    for seg in sorted({s for _, _, s in rs}):
        x, load = windowed_load(t_end, [(a, b) for a, b, s in rs if s == seg])
        p.line(ax, x / 60.0, 100.0 * load, f"rs485.{seg}.load_pct", lw=0.8, label=f"RS485 {seg}")
    ax.set_xlabel("time (min)")
    ax.set_ylabel(f"RS485 % busy ({BUS_WINDOW_S:.0f} s windows)")
    ax.set_ylim(0, 100)
    ax.grid(True, alpha=0.3)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7)
    if summary.get("bus_logs") is False:
        ax.text(0.5, 0.5, "bus logs off (run.bus_logs: false): no frames to plot", ha="center",
                transform=ax.transAxes)
    p.save(fig, "bus_load", "Bus load")

    # --- report.md ---
    events = []
    ev_path = results / "events.jsonl"
    if ev_path.exists():
        events = [json.loads(line) for line in ev_path.read_text().splitlines() if line.strip()]
    lines = [f"# stacksim report: {summary.get('scenario', results.name)}", ""]
    lines += [f"- scenario file: `{summary.get('scenario_file', '')}` (seed {summary.get('seed', '')})",
              f"- simulated {summary.get('simulated_s', 0):.1f} s of {summary.get('duration_s', 0):.1f} s"
              f" ({'completed' if summary.get('completed', False) else 'NOT completed'}),"
              f" {summary.get('realtime_factor', 0):.0f}x real time",
              f"- {summary.get('modules', n)} modules, {summary.get('cells', '?')} cells;"
              f" true SoC at the end {summary.get('stack', {}).get('true_soc_pct', float('nan')):.2f} %"]
    e = summary.get("energy_wh", {})
    if e:
        lines.append(f"- energy: {e.get('port', 0):.1f} Wh through the inverter port,"
                     f" {e.get('network_loss', 0):.2f} Wh lost in the network,"
                     f" {e.get('cells_heat', 0):.2f} Wh heat in the cells")
    can = summary.get("can", {})
    if can:
        lines.append(f"- CAN: {can.get('frames', 0)} frames, average load {100 * can.get('bus_load', 0):.3f} %"
                     f" (exact, with stuff bits); RS485: {summary.get('rs485', {}).get('frames', 0)} frames,"
                     f" {summary.get('rs485', {}).get('collisions', 0)} collisions")
    lines.append(f"- {len(events)} events")
    ag = summary.get("aging")
    if ag:
        lines.append(f"- fast aging: {ag.get('windows_done')} of {ag.get('windows')} windows of"
                     f" {ag.get('window_s', 0) / 86400:.3g} days, each followed by {ag.get('jump_days', 0):.1f} days of"
                     f" aging; the cells are {ag.get('age_days', 0):.1f} days old at the end")
        for mod in ag.get("modules", []):
            lines.append(f"  - {mod['name']}: capacity {mod['capacity_pct']:.3f} % (weakest cell"
                         f" {mod['capacity_min_pct']:.3f} %), resistance {mod['resistance_pct']:.2f} %,"
                         f" {mod['efc']:.1f} equivalent full cycles")
    lines.append("")
    lines += expectations_section(summary)
    for title, fname in p.figures:
        lines += [f"## {title}", "", f"![{title}]({fname})", ""]
    if events:
        kinds: Dict[str, int] = {}
        for ev in events:
            kinds[f"{ev.get('source')} {ev.get('kind')}"] = kinds.get(f"{ev.get('source')} {ev.get('kind')}", 0) + 1
        lines += ["## Events", "", "| source | kind | count | first at (s) |", "|---|---|---|---|"]
        for key, cnt in kinds.items():
            src, kind = key.split(" ", 1)
            first = next(ev["t_s"] for ev in events if ev.get("source") == src and ev.get("kind") == kind)
            lines.append(f"| `{src}` | {kind} | {cnt} | {first:.3f} |")
        lines.append("")
    branches = summary.get("network", {}).get("branches", [])
    if branches:
        lines += ["## Cables and contacts", "", "| name | kind | energy lost (Wh) | max temp (°C) | rating (°C) |",
                  "|---|---|---|---|---|"]
        for b in branches:
            lines.append(f"| `{b['name']}` | {b['kind']} | {b['energy_lost_wh']:.3f} | {b['max_temp_c']:.2f} |"
                         f" {b['rating_c']:.0f}{' **over**' if b.get('over_rating') else ''} |")
        lines.append("")
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return {"report": report, "figures": [out / f for _, f in p.figures], "plotted": p.plotted}


def expectations_section(summary: dict) -> List[str]:
    """The scenario's expectations as a table; whatever fields each entry has."""
    exp = summary.get("expectations")
    if exp is None:
        return ["## Expectations", "", "The scenario states no expectations.", ""]
    if isinstance(exp, dict):
        entries = exp.get("results", exp.get("items"))
        if entries is None:
            entries = [dict({"name": k}, **(v if isinstance(v, dict) else {"result": v})) for k, v in exp.items()]
    else:
        entries = list(exp)
    if not entries:
        return ["## Expectations", "", "The scenario states no expectations.", ""]
    keys: List[str] = [k for k in ("name", "passed", "t_s", "message")
                       if any(isinstance(en, dict) and k in en for en in entries)]
    for en in entries:
        for k in (en if isinstance(en, dict) else {"result": en}):
            if k not in keys:
                keys.append(k)
    passed = [en.get("passed", en.get("ok")) for en in entries if isinstance(en, dict)]
    n_fail = sum(1 for v in passed if v is False)
    lines = ["## Expectations", "", f"{len(entries)} expectations, {n_fail} failed.", "",
             "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for en in entries:
        en = en if isinstance(en, dict) else {"result": en}
        cells = []
        for k in keys:
            v = en.get(k, "")
            if v is None:
                v = ""
            elif isinstance(v, bool):
                v = "pass" if v else "**FAIL**"
            cells.append(str(v).replace("|", "\\|").replace("\n", " "))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", help="results directory (stacksim run --out)")
    ap.add_argument("--out", help="report directory (default: the results directory)")
    a = ap.parse_args(argv)
    try:
        r = build_report(pathlib.Path(a.results), pathlib.Path(a.out) if a.out else None)
    except FileNotFoundError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    print(f"report: {r['report']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
