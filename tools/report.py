#!/usr/bin/env python3
"""Turn a stacksim results folder into report.md with PNG plots.

Usage: /usr/bin/python3 tools/report.py RESULTS_DIR [--out REPORT_DIR]

Reads the output contract (docs/outputs.md): timeseries.csv, summary.json, events.jsonl,
can.log, rs485.log. Writes REPORT_DIR/report.md (default RESULTS_DIR) and report_*.png next to
it: stack voltage against CVL, currents (per module on their own scale, their deviation from an
equal share, the stack current against CCL/DCL), SoC, temperatures, bus load (CAN and RS485),
and the scenario's expectations when summary.json has them (docs/python.md, "Reports").
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
    """Columns of timeseries.csv; an empty field (a value that does not exist yet) is NaN."""
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


# One style per module, used in every figure: colour and line style both change from one module
# to the next (and a sparse marker), so equal traces stay distinguishable and a module keeps its
# look across figures. Red and green are left to the limits (CVL, -DCL, +CCL), black to stack sums.
MODULE_COLORS = ["tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan",
                 "tab:gray"]
MODULE_LINESTYLES = ["-", "--", "-.", ":"]
MODULE_MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*"]


def module_style(m: int, n: int, points: int) -> dict:
    """Matplotlib keywords for module m of n (points: samples in the trace, for marker spacing)."""
    every = max(1, points // 10)
    return {"color": MODULE_COLORS[m % len(MODULE_COLORS)],
            "ls": MODULE_LINESTYLES[(m + m // len(MODULE_COLORS)) % len(MODULE_LINESTYLES)],
            "marker": MODULE_MARKERS[(m + 3 * (m // len(MODULE_COLORS))) % len(MODULE_MARKERS)], "ms": 4,
            "markevery": (min(points - 1, (m * every) // max(1, n)) if points else 0, every)}


def time_axis(t: np.ndarray) -> Tuple[np.ndarray, str]:
    """Time in the unit that suits the run's length: s up to 3 min, min up to 3 h, then h."""
    span = float(t[-1] - t[0]) if t.size else 0.0
    if span <= 180.0:
        return t, "time (s)"
    if span <= 3 * 3600.0:
        return t / 60.0, "time (min)"
    return t / 3600.0, "time (h)"


def legend_outside(ax, ncol: int = 1):
    """The legend right of the axes, where it can hide no trace."""
    if ax.get_lines():
        ax.legend(fontsize=7, ncol=ncol, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def finite_range(arrays, pad_frac: float = 0.05, min_pad: float = 0.5) -> Tuple[float, float]:
    """(low, high) around every finite value of the arrays, padded; None if there is none."""
    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]) if arrays else np.zeros(0)
    vals = vals[np.isfinite(vals)]
    if not vals.size:
        return None
    lo, hi = float(vals.min()), float(vals.max())
    pad = max(min_pad, pad_frac * (hi - lo))
    return lo - pad, hi + pad


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
    tm, t_label = time_axis(t)
    n = module_count(cols)
    p = Plotter(out)
    pts = int(t.size)
    # Rows once the stack runs (t >= 2 s): the first row (switches still open, no limits sent yet)
    # would stretch the axes to 0 V.
    run = t >= min(2.0, t[-1]) if t.size else np.zeros(0, bool)

    # 1. Stack voltage and the charge voltage limit.
    fig, ax = plt.subplots(figsize=(11, 4))
    # The stack's own traces are wide and pale, drawn under the modules', so both stay visible.
    p.line(ax, tm, cols["stack.voltage_v"], "stack.voltage_v", color="k", lw=4, alpha=0.3,
           label="stack voltage\n(m0 terminals)")
    for m in range(n):
        c = f"stack.m{m}.voltage_v"
        if c in cols:
            p.line(ax, tm, cols[c], c, lw=0.9, label=f"m{m} terminal voltage", **module_style(m, n, pts))
    if "stack.cvl_v" in cols:
        p.line(ax, tm, cols["stack.cvl_v"], "stack.cvl_v", color="r", ls="--", label="CVL (0x351)")
    rng = finite_range([y[run] for k, y in p.plotted.items() if k.endswith("voltage_v") or k == "stack.cvl_v"],
                       pad_frac=0.0, min_pad=1.0)
    if rng:
        ax.set_ylim(*rng)
    ax.set_xlabel(t_label)
    ax.set_ylabel("voltage (V)")
    ax.grid(True, alpha=0.3)
    legend_outside(ax)
    p.save(fig, "voltage", "Stack voltage and charge voltage limit")

    # 2. Currents: each module on an axis scaled to the module currents; their deviation from the
    # modules' mean (equal sharing shows as 0, so nearly equal traces are told apart); the stack
    # current against the stack's CCL / DCL, which are several times larger.
    fig, (ax_m, ax_d, ax_s) = plt.subplots(3, 1, figsize=(11, 8.5), sharex=True,
                                           gridspec_kw={"height_ratios": [3, 2, 3]})
    mod_currents = [cols[f"stack.m{m}.current_a"] for m in range(n)]
    for m in range(n):
        c = f"stack.m{m}.current_a"
        p.line(ax_m, tm, cols[c], c, lw=1.0, label=f"m{m}", **module_style(m, n, pts))
    rng = finite_range(mod_currents)
    if rng:
        ax_m.set_ylim(*rng)
    ax_m.axhline(0, color="grey", lw=0.5)
    ax_m.set_ylabel("module current (A)\n+ = charging")
    ax_m.set_title("module currents", fontsize=9)
    if n:
        mean = np.mean(np.vstack(mod_currents), axis=0)
        for m in range(n):
            p.line(ax_d, tm, mod_currents[m] - mean, f"stack.m{m}.current_dev_a", lw=0.9, label=f"m{m}",
                   **module_style(m, n, pts))
    ax_d.axhline(0, color="grey", lw=0.5)
    ax_d.set_ylabel("module − mean\nof modules (A)")
    ax_d.set_title("deviation from an equal share", fontsize=9)
    p.line(ax_s, tm, cols["inverter.battery_current_a"], "inverter.battery_current_a", color="k", lw=1.2,
           label="inverter port\n(stack sum)")
    if "stack.ccl_a" in cols:
        p.line(ax_s, tm, cols["stack.ccl_a"], "stack.ccl_a", color="g", ls="--", label="+CCL (0x351)")
    if "stack.dcl_a" in cols:
        p.line(ax_s, tm, -cols["stack.dcl_a"], "-stack.dcl_a", color="r", ls="--", label="−DCL (0x351)")
    ax_s.axhline(0, color="grey", lw=0.5)
    ax_s.set_ylabel("stack current (A)\n+ = charging")
    ax_s.set_title("stack current against the stack's limits", fontsize=9)
    ax_s.set_xlabel(t_label)
    for a in (ax_m, ax_d, ax_s):
        a.grid(True, alpha=0.3)
        legend_outside(a, ncol=1 + (n > 8 and a is not ax_s))
    p.save(fig, "currents", "Currents: per module, their deviation from an equal share, and the stack against CCL / DCL")

    # 3. SoC.
    fig, ax = plt.subplots(figsize=(11, 4))
    if "stack.soc_pct" in cols:
        p.line(ax, tm, cols["stack.soc_pct"], "stack.soc_pct", color="k", lw=4, alpha=0.3, label="stack SoC (0x355)")
    if "stack.true_soc_pct" in cols:
        p.line(ax, tm, cols["stack.true_soc_pct"], "stack.true_soc_pct", color="r", ls=":", lw=1.4,
               label="stack true SoC\n(simulator)")
    for m in range(n):
        c = f"stack.m{m}.soc_pct"
        if c in cols:
            p.line(ax, tm, cols[c], c, lw=0.9, label=f"m{m} BMS SoC", **module_style(m, n, pts))
    soc_keys = [k for k in p.plotted if k.endswith("soc_pct")]
    rng = finite_range([p.plotted[k][run] for k in soc_keys], pad_frac=0.05, min_pad=1.0)
    if rng:
        ax.set_ylim(max(-1.0, rng[0]), min(101.0, rng[1]))
    ax.set_xlabel(t_label)
    ax.set_ylabel("state of charge (%)")
    ax.grid(True, alpha=0.3)
    legend_outside(ax)
    p.save(fig, "soc", "State of charge")

    # 4. Temperatures: cells (hottest / coolest per module) and the hottest cable / contact.
    fig, ax = plt.subplots(figsize=(11, 4))
    drew_cells = False
    for m in range(n):
        cells = [cols[c] for c in cols if c.startswith(f"stack.m{m}.cell") and c.endswith(".temp_c")]
        if cells:
            a = np.vstack(cells)
            st = module_style(m, n, pts)
            p.line(ax, tm, a.max(axis=0), f"stack.m{m}.cell_max_temp_c", lw=1.0, label=f"m{m} hottest cell", **st)
            st.update(ls=":", marker="None")
            p.line(ax, tm, a.min(axis=0), f"stack.m{m}.cell_min_temp_c", lw=0.9, label=f"m{m} coolest cell", **st)
            drew_cells = True
    branches = [c for c in cols if (c.startswith("stack.cable.") or c.startswith("stack.contact."))
                and c.endswith(".temp_c")]
    if branches:
        a = np.vstack([cols[c] for c in branches])
        hottest = branches[int(np.nanargmax(np.nanmax(a, axis=1)))] if np.isfinite(a).any() else branches[0]
        p.line(ax, tm, cols[hottest], hottest, color="k", lw=1.3, label=f"hottest cable/contact:\n{hottest[6:-7]}")
    if not drew_cells:
        ax.text(0.5, 0.5, "cell temperatures not recorded (run.record_cells: false)", ha="center",
                transform=ax.transAxes, fontsize=9, color="0.3")
    ax.set_xlabel(t_label)
    ax.set_ylabel("temperature (°C)")
    ax.grid(True, alpha=0.3)
    legend_outside(ax, ncol=1 + (n > 8))
    p.save(fig, "temperatures", "Temperatures")

    # 5. Aging (fast-aging runs, docs/scenarios.md#fast-aging): the cells' capacity and resistance
    # against their age, which jumps at each window's end while simulated time stands still.
    if summary.get("aging") and "stack.age_days" in cols:
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
        age = cols["stack.age_days"]
        for m in range(n):
            c, r = f"stack.m{m}.capacity_pct", f"stack.m{m}.resistance_pct"
            st = module_style(m, n, int(age.size))
            if c in cols:
                p.line(ax, age, cols[c], c, lw=0.9, label=f"m{m}", **st)
            if r in cols:
                p.line(ax2, age, cols[r], r, lw=0.9, label=f"m{m}", **st)
        ax2.set_xlabel("age of the cells (days; simulated windows and aging jumps)")
        ax.set_ylabel("capacity (% of new)")
        ax2.set_ylabel("resistance (% of new)")
        for a in (ax, ax2):
            a.grid(True, alpha=0.3)
            legend_outside(a, ncol=1 + (n > 8))
        p.save(fig, "aging", "Aging: capacity and resistance of the cells (module means)")

    # 6. Bus load: CAN (nominal frame bits, no stuffing) and RS485 per segment, each on its own
    # panel (their loads differ by orders of magnitude).
    t_end = float(summary.get("simulated_s", t[-1] if t.size else 0.0))
    t_scale = float(tm[-1] / t[-1]) if t.size and t[-1] > 0 else 1.0
    bitrate = float(summary.get("can", {}).get("bitrate_bps", 500000))
    fig, (ax_c, ax_r) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    logs_off = summary.get("bus_logs") is False  # empty logs: no load to show, not a load of 0
    ct, cb = can_bits(results / "can.log")
    spans = [(te - b / bitrate, te) for te, b in zip(ct, cb)]
    x, load = windowed_load(t_end, spans)
    if not logs_off:
        p.line(ax_c, x * t_scale, 100.0 * load, "can.load_pct", color="b",
               label=f"CAN {bitrate / 1000:g} kbit/s\n(nominal frame bits,\nno stuff bits)")
    ax_c.set_ylabel(f"CAN busy (%, {BUS_WINDOW_S:.0f} s windows)")
    ax_c.set_ylim(0, 1.3 * max(1e-3, float(np.max(100.0 * load)) if load.size else 1e-3))
    rs = rs485_busy(results / "rs485.log")
    segs = sorted({s for _, _, s in rs})
    for k, seg in enumerate(segs):
        x, load = windowed_load(t_end, [(a, b) for a, b, s in rs if s == seg])
        p.line(ax_r, x * t_scale, 100.0 * load, f"rs485.{seg}.load_pct", lw=0.9, label=f"RS485 {seg}",
               **module_style(k, len(segs), int(x.size)))
    ax_r.set_xlabel(t_label)
    ax_r.set_ylabel(f"RS485 busy (%, {BUS_WINDOW_S:.0f} s windows)")
    ax_r.set_ylim(0, 100)
    for a in (ax_c, ax_r):
        a.grid(True, alpha=0.3)
        legend_outside(a)
    if logs_off:
        ax_r.set_xlim(float(tm[0]), float(tm[-1]))
        for a in (ax_c, ax_r):
            a.text(0.5, 0.5, "bus logs off (run.bus_logs: false): no frames to plot", ha="center",
                   transform=a.transAxes)
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
