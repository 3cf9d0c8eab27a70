#!/usr/bin/python3
"""Run the cable-loss scenarios (scenarios/cable_loss/*.yaml) and write the measured comparison,
docs/scenarios/cable-loss.md, with its plots in docs/scenarios/img/.

Usage: tools/cable_loss_report.py [--build build] [--results results/cable_loss]

Everything in the page is measured from the runs: current share of each module during the
discharge, the time each module was connected, the BMS events (protection trips, lock-outs,
join decisions: averages alone would hide a module that cycles on and off), cable and contact
losses, the hottest contact, the imbalance. Nothing is assumed.
"""

import argparse
import collections
import csv
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Pairs to compare, in the order of the page: (title, [scenario names]).
COMPARISONS = [
    ("Cables as the manual prescribes vs an under-sized jumper", ["manual_cables", "undersized_cable"]),
    ("Equal vs unequal jumper lengths (same-side wiring)", ["equal_lengths", "unequal_lengths"]),
    ("Same-side vs loop wiring (5 modules)", ["same_side", "loop"]),
    ("One terminal at 2 Nm instead of 14 Nm", ["manual_cables", "loose_terminal"]),
    ("External bus bar vs daisy chain (loop)", ["busbar", "manual_cables"]),
    ("Paralleling at mismatched voltage: inside vs beyond the 1.5 V window",
     ["mismatch_within_window", "mismatch_beyond_window"]),
]
# The discharge window used for shares (s): after the first transient, before the rest.
WINDOW_S = (300.0, 1200.0)
# The mismatch scenarios rest first and discharge from 600 s.
WINDOWS_S = {"mismatch_within_window": (700.0, 1700.0), "mismatch_beyond_window": (700.0, 1700.0)}


def run(cli, scenario, out):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    subprocess.run([str(cli), "run", str(scenario), "--out", str(out), "--quiet"], check=True,
                   env=env, stdout=subprocess.DEVNULL)


def load(out):
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    events = [json.loads(line) for line in (out / "events.jsonl").open()]
    return summary, rows, events


def bms_events(events):
    """What the BMSs and the master did: protection trips per module and channel, lock-outs
    (set / cleared with the reason), join refusals and deferrals."""
    trips = collections.Counter()
    first_trip = {}
    lockouts, joins = [], collections.Counter()
    for e in events:
        src, kind, d = e["source"], e["kind"], e["details"]
        module = src.split(".")[2] if src.startswith("top.stack.m") else src
        if kind == "protection" and d.get("state") == "trip":
            trips[(module, d["channel"])] += 1
            first_trip.setdefault((module, d["channel"]), e["t_s"])
        elif kind == "lockout":
            lockouts.append((module, d["state"], e["t_s"], d.get("reason", "")))
        elif kind in ("sub_join_refused", "sub_join_deferred"):
            joins[kind] += 1
    return {"trips": trips, "first_trip": first_trip, "lockouts": lockouts, "joins": joins}


def events_text(ev):
    parts = [f"{m} `{ch}` x{n} (first {ev['first_trip'][(m, ch)]:.1f} s)" for (m, ch), n in sorted(ev["trips"].items())]
    for m, state, t, reason in ev["lockouts"]:
        parts.append(f"{m} lock-out {'set' if state == 'set' else 'cleared (' + reason + ')'} at {t:.1f} s")
    for kind, n in sorted(ev["joins"].items()):
        parts.append(f"{kind.replace('sub_join_', 'join ')} x{n}")
    return "; ".join(parts) if parts else "none"


def measure(summary, rows, events):
    n = summary["modules"]
    lo, hi = WINDOWS_S.get(summary["scenario"], WINDOW_S)
    window = [r for r in rows if lo <= float(r["t_s"]) <= hi]
    shares = [sum(float(r[f"stack.m{m}.share_pct"]) for r in window) / len(window) for m in range(n)]
    currents = [sum(float(r[f"stack.m{m}.current_a"]) for r in window) / len(window) for m in range(n)]
    imbalance = max(float(r["stack.imbalance_pct"]) for r in window)
    connected = [100.0 * sum(float(r[f"stack.m{m}.switch_closed"]) for r in window) / len(window) for m in range(n)]
    branches = summary["network"]["branches"]
    cables = [b for b in branches if b["kind"] == "cable"]
    contacts = [b for b in branches if b["kind"] == "contact"]
    hottest = max(contacts, key=lambda b: b["max_temp_c"])
    lossiest = max(contacts, key=lambda b: b["energy_lost_wh"])
    return {
        "max_m1_a": max(float(r["stack.m1.current_a"]) for r in rows) if n > 1 else 0.0,
        "window": (lo, hi),
        "connected": connected,
        "events": bms_events(events),
        "shares": shares,
        "currents": currents,
        "imbalance": imbalance,
        "cable_wh": sum(b["energy_lost_wh"] for b in cables),
        "contact_wh": sum(b["energy_lost_wh"] for b in contacts),
        "network_wh": summary["network"]["energy_lost_wh"],
        "hottest": hottest,
        "lossiest": lossiest,
        "hottest_cable": max(cables, key=lambda b: b["max_temp_c"]),
        "port_wh": summary["energy_wh"]["port"],
    }


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(len(r["shares"]) for r in results.values())
    for i, name in enumerate(names):
        for m, share in enumerate(results[name]["shares"]):
            ax.bar(i + (m - (len(results[name]["shares"]) - 1) / 2) * width, share, width,
                   color=f"C{m}", label=f"m{m}" if i == 0 or m >= len(results[names[0]]["shares"]) else None)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=20, ha="right")
    ax.set_ylabel("share of the stack current (%)")
    ax.set_title("Current share per module during the 8 kW discharge")
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, l in zip(handles, labels):
        seen.setdefault(l, h)
    ax.legend(seen.values(), seen.keys(), ncol=5, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def page(results):
    lines = [
        "# Cable-loss study",
        "",
        "Generated by `tools/cable_loss_report.py` from runs of `scenarios/cable_loss/*.yaml`; every",
        "figure below is measured from those runs (`summary.json` and `timeseries.csv`). The load is",
        "an 8 kW discharge for 20 minutes, a rest and a 5 kW charge; shares and currents are averages",
        f"over {WINDOW_S[0]:.0f}-{WINDOW_S[1]:.0f} s of the discharge (700-1700 s for the mismatch pair, which",
        "rests for its first ten minutes); the BMS events cover the whole run. Cable and contact values come from",
        "`models/params/wiring_default.yaml` (IEC 60228 class 5 copper, contact law vs torque: assumed).",
        "",
        "Every file carries `expectations:` that encode the behaviour read below (loop wiring shares,",
        "same-side wiring loads the nearest module, the thin jumper and the loose lug run hot, the",
        "master refuses a module beyond the 1.5 V window; all within the cell limits and the 90 °C",
        "ratings): `stacksim run` exits 3 if one fails, and `tests/python/test_scenario_library.py`",
        "runs every file. The list per file is in `docs/scenarios.md` (Cable-loss scenarios).",
        "",
        "![module shares](img/cable_loss_shares.png)",
        "",
        "## All scenarios",
        "",
        "| scenario | modules | share per module (%) | max imbalance (%) | cable loss (Wh) | contact loss (Wh) | network loss (Wh) | hottest contact (°C) | hottest cable (°C) | BMS events (whole run) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        shares = " / ".join(f"{s:.1f}" for s in r["shares"])
        lines.append(
            f"| `{name}` | {len(r['shares'])} | {shares} | {r['imbalance']:.1f} | {r['cable_wh']:.2f} | "
            f"{r['contact_wh']:.3f} | {r['network_wh']:.2f} | {r['hottest']['max_temp_c']:.1f} "
            f"(`{r['hottest']['name']}`) | {r['hottest_cable']['max_temp_c']:.1f} (`{r['hottest_cable']['name']}`) | "
            f"{events_text(r['events'])} |")
    lines += ["", "## Comparisons", ""]
    for title, pair in COMPARISONS:
        lines += [f"### {title}", "", "| | " + " | ".join(f"`{p}`" for p in pair) + " |",
                  "|---|" + "---|" * len(pair)]
        rows = [
            ("mean module current (A)", lambda r: " / ".join(f"{c:.1f}" for c in r["currents"])),
            ("share per module (%)", lambda r: " / ".join(f"{s:.1f}" for s in r["shares"])),
            ("time connected in the window (%)", lambda r: " / ".join(f"{c:.0f}" for c in r["connected"])),
            ("BMS events (whole run)", lambda r: events_text(r["events"])),
            ("max imbalance (%)", lambda r: f"{r['imbalance']:.2f}"),
            ("cable loss (Wh)", lambda r: f"{r['cable_wh']:.3f}"),
            ("contact loss (Wh)", lambda r: f"{r['contact_wh']:.4f}"),
            ("largest contact loss", lambda r: f"`{r['lossiest']['name']}` {r['lossiest']['energy_lost_wh']:.4f} Wh"),
            ("hottest contact", lambda r: f"`{r['hottest']['name']}` {r['hottest']['max_temp_c']:.1f} °C"),
        ]
        for label, fn in rows:
            lines.append(f"| {label} | " + " | ".join(fn(results[p]) for p in pair) + " |")
        lines.append("")
    lines += [
        "## Reading the results",
        "",
        "- Loop wiring is measured against same-side wiring, not assumed better: compare the spread",
        "  of the shares in the same-side vs loop table above.",
        "- A loose terminal adds resistance in one module's path: that module's share drops, and the",
        "  joint dissipates the most of all contacts and runs the hottest.",
    ] + mismatch_reading(results) + [
        "- The energy books of every run close exactly: energy through the inverter port = energy",
        "  into the cells + wiring losses + balancing (checked by `tests/python/test_cable_loss.py`).",
        "",
    ]
    return "\n".join(lines)


def mismatch_reading(results):
    """The mismatch pair's bullets, with the measured trips, lock-out and connection times."""
    w, b = results["mismatch_within_window"], results["mismatch_beyond_window"]
    n_trips = w["events"]["trips"].get(("m1", "charge_oc"), 0)
    lock = [x for x in w["events"]["lockouts"] if x[0] == "m1"]
    set_t = next((t for _, st, t, _ in lock if st == "set"), None)
    clr = next(((t, why) for _, st, t, why in lock if st == "cleared"), None)
    lines = [
        f"- Paralleling a module 1.2 V low (inside the manual's 1.5 V window) sends about "
        f"{w['max_m1_a']:.0f} A into it,",
        f"  above the 60 A charge over-current protection: m1 trips `charge_oc` {n_trips} times, each 30 s",
        "  recovery + reclose later, and the third trip within 300 s locks it out"
        + (f" ({set_t:.1f} s)" if set_t is not None else "") + ". Locked, it stays open (connected",
        f"  {w['connected'][1]:.0f} % of {w['window'][0]:.0f}-{w['window'][1]:.0f} s) until "
        + (f"the {'RUN button' if clr[1] == 'run_button' else clr[1]} at {clr[0]:.1f} s" if clr else "the end") +
        "; then, under the discharge, it reconnects and stays.",
        "- Beyond the window the master refuses the module at start-up. Under the 8 kW discharge the",
        "  others' loaded voltage comes within 1.5 V of it, but the master compares open-circuit",
        "  voltages (docs/models/bms.md, Joining): it waits for the bus to rest, and after the rest it",
        f"  refuses again. m1 is connected {b['connected'][1]:.0f} % of {b['window'][0]:.0f}-{b['window'][1]:.0f} s"
        + (" and no module trips." if not b["events"]["trips"] else "."),
        "- Averages over a window hide a module that cycles on and off: the \"time connected\" row",
        "  and the BMS events column say whether a share was carried steadily.",
    ]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--results", default=str(ROOT / "results" / "cable_loss"))
    ap.add_argument("--doc", default=str(ROOT / "docs" / "scenarios" / "cable-loss.md"))
    args = ap.parse_args()
    cli = pathlib.Path(args.build) / "tools" / "cli" / "stacksim"
    names = sorted({n for _, pair in COMPARISONS for n in pair}, key=lambda n: [p for _, ps in COMPARISONS for p in ps].index(n))
    results = {}
    for name in names:
        out = pathlib.Path(args.results) / name
        run(cli, ROOT / "scenarios" / "cable_loss" / f"{name}.yaml", out)
        results[name] = measure(*load(out))
    doc = pathlib.Path(args.doc)
    (doc.parent / "img").mkdir(parents=True, exist_ok=True)
    plot(results, doc.parent / "img" / "cable_loss_shares.png")
    doc.write_text(page(results))
    print(f"wrote {doc}")


if __name__ == "__main__":
    sys.exit(main())
