#!/usr/bin/python3
"""The inspection-interval study of docs/scenarios/maintenance.md, from `stacksim sweep` runs of
scenarios/library/three_month_check.yaml.

1. Interval sweep: maintenance.inspect_every_days = 30, 90, 180, 365, never; two years of life as
   6 simulated days (fast-aging windows of a day, jumps of 120.7 days), a row every minute. Per
   interval: peak contact temperature (every step, summary.json), energy lost in the contacts over
   the two years (each simulated day's loss x the days of life it stands for: an estimate), the
   first life day a contact crossed its resistance limit and its 90 degC rating, and the lowest
   preload an inspection found.
2. Sensitivity: the library scenario as it is (2 simulated days, 364-day jumps) with one assumed
   loosening parameter changed (the cycle loss halved and doubled, creep and embedding doubled),
   at 90 days and never.

Writes docs/scenarios/img/maintenance_interval.png and the tables as Markdown on stdout (or into
--table FILE). Usage:
  /usr/bin/python3 tools/maintenance_study.py [--jobs 2] [--quick] [--work DIR] [--png FILE] [--table FILE]
--quick: two intervals, two simulated days, no sensitivity (for the test). A sweep whose folder
under --work already holds its sweep.csv is reused, not run again.
"""

import argparse
import csv
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "library" / "three_month_check.yaml"
DAY_S = 86400.0
SPAN_DAYS = 730.0
LOOSENING = "parameters.wiring.contact.loosening."
BASE = {"cycle_loss_per_cycle": 0.01, "creep_per_decade": 0.03, "embedding_fraction": 0.10, "cycle_exponent": 2.0}


def find_binary():
    build = pathlib.Path(os.environ.get("STACKSIM_BUILD_DIR", ROOT / "build"))
    for p in (build / "tools" / "cli" / "stacksim", shutil.which("stacksim")):
        if p and pathlib.Path(p).is_file():
            return str(p)
    sys.exit("maintenance_study: no stacksim binary (build first, or set STACKSIM_BUILD_DIR)")


def sweep(binary, out, vary, sets, jobs):
    done = out / "sweep.csv"
    if done.is_file():  # --work kept from an earlier run of the same sweep: reuse it
        return list(csv.DictReader(done.open()))
    cmd = [binary, "sweep", str(SCENARIO), "--out", str(out), "--jobs", str(jobs)]
    for v in vary:
        cmd += ["--vary", v]
    for s in sets:
        cmd += ["--set", s]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    # The sweep exits 1 when a variant failed, e.g. "never" failing its expectations (exit 3):
    # that is a result; any other exit code of a variant is not.
    rows = list(csv.DictReader(done.open())) if done.is_file() else []
    if proc.returncode not in (0, 1) or not rows or any(r["exit_code"] not in ("0", "3") for r in rows):
        sys.exit(f"maintenance_study: stacksim sweep failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return rows


def variant_dir(out, row):
    for key in ("out", "dir", "folder", "output"):
        if key in row and row[key]:
            return pathlib.Path(row[key])  # as the sweep was given its --out (absolute, or from here)
    raise KeyError(f"sweep.csv has no output folder column: {list(row)}")


def analyse(folder, window_s, jump_s):
    """Figures of one finished variant."""
    summary = json.loads((folder / "summary.json").read_text())
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]

    def life_days(e):
        d = e["details"].get("life_days")
        if d is not None:
            return d
        t = e["t_s"]
        return (t + math.floor(t / window_s) * jump_s) / DAY_S

    contacts = [b for b in summary["network"]["branches"] if b["kind"] == "contact"]
    peak_c = max(b["max_temp_c"] for b in contacts)
    r_cross = [life_days(e) for e in events if e["kind"] == "resistance_limit"]
    t_cross = [life_days(e) for e in events if e["kind"] == "over_temperature" and ".contact." in e["source"]]
    insp = [e for e in events if e["source"] == "maintenance" and e["kind"] == "inspection"]
    worst_found = min((c["preload_pct"] for e in insp for c in e["details"]["contacts"]), default=None)
    loose_found = sum(e["details"]["found_loose"] for e in insp)
    # Contact loss per simulated window, from the rows (trapezoid), then the life it stands for.
    with (folder / "timeseries.csv").open() as f:
        rd = csv.reader(f)
        head = next(rd)
        ti = head.index("t_s")
        age = head.index("stack.age_days")
        loss_cols = [i for i, h in enumerate(head) if h.startswith("stack.contact.") and h.endswith(".loss_w")]
        pre_cols = [i for i, h in enumerate(head) if h.endswith(".preload_pct")]
        rows = [[float(x) if x else math.nan for x in r] for r in rd]
    per_window_j = {}
    preload = []  # (life days, worst preload %)
    for a, b in zip(rows, rows[1:]):
        dt = b[ti] - a[ti]
        if dt <= 0:
            continue  # the two rows of a jump
        w = int(a[ti] // window_s)
        pa = sum(a[i] for i in loss_cols)
        pb = sum(b[i] for i in loss_cols)
        per_window_j[w] = per_window_j.get(w, 0.0) + 0.5 * (pa + pb) * dt
    for r in rows:
        preload.append((r[age], min(r[i] for i in pre_cols)))
    for e in insp:
        d = e["details"]["life_days"]
        preload.append((d, min(c["preload_pct"] for c in e["details"]["contacts"])))
        preload.append((d, 100.0))
    preload.sort(key=lambda x: x[0])
    stands_for = (window_s + jump_s) / window_s  # days of life per simulated day
    energy_wh = sum(per_window_j.values()) * stands_for / 3600.0
    return {
        "peak_c": peak_c,
        "energy_wh": energy_wh,
        "first_r_day": min(r_cross) if r_cross else None,
        "first_t_day": min(t_cross) if t_cross else None,
        "worst_found_pct": worst_found,
        "loose_found": loose_found,
        "inspections": len(insp),
        "passed": summary["expectations_passed"],
        "preload": preload,
    }


def fmt_day(d):
    return "—" if d is None else f"{d:.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--work", help="keep the sweep folders here (default: a temporary directory)")
    ap.add_argument("--png", default=str(ROOT / "docs" / "scenarios" / "img" / "maintenance_interval.png"))
    ap.add_argument("--table", help="write the Markdown tables here (default: stdout)")
    ap.add_argument("--doc", help="put the tables into this Markdown file, between the lines "
                    "<!-- maintenance_study:begin --> and <!-- maintenance_study:end -->")
    a = ap.parse_args()
    binary = find_binary()
    work = pathlib.Path(a.work) if a.work else pathlib.Path(tempfile.mkdtemp(prefix="maintenance_study_"))
    work.mkdir(parents=True, exist_ok=True)

    windows = 2 if a.quick else 6
    intervals = ["90", "never"] if a.quick else ["30", "90", "180", "365", "never"]
    window_s = DAY_S
    jump_s = (SPAN_DAYS * DAY_S - windows * window_s) / windows
    rows = sweep(binary, work / "interval", [f"maintenance.inspect_every_days={','.join(intervals)}"],
                 [f"run.duration_s={windows * window_s:.0f}", "run.record_every=30"], a.jobs)
    results = {}
    for row in rows:
        results[row["maintenance.inspect_every_days"]] = analyse(variant_dir(work / "interval", row), window_s, jump_s)

    out = []
    out.append(f"| inspection every | peak contact temperature (°C) | energy lost in contacts, 2 years (Wh, estimate) "
               f"| first resistance-limit crossing (life day) | first over 90 °C (life day) | lowest preload found "
               f"(%) | found loose | expectations |")
    out.append("|---|---|---|---|---|---|---|---|")
    for k in intervals:
        r = results[k]
        label = "never" if k == "never" else f"{k} days"
        found = "—" if r["worst_found_pct"] is None else f"{r['worst_found_pct']:.1f}"
        out.append(f"| {label} | {r['peak_c']:.1f} | {r['energy_wh']:.0f} | {fmt_day(r['first_r_day'])} | "
                   f"{fmt_day(r['first_t_day'])} | {found} | {r['loose_found']} | "
                   f"{'pass' if r['passed'] else 'fail'} |")
    tables = "\n".join(out) + "\n"

    if not a.quick:
        sens = [("cycle_loss_per_cycle", [0.005, 0.02]), ("creep_per_decade", [0.06]), ("embedding_fraction", [0.2])]
        lines = ["| parameter (assumed) | value | 90 days: peak °C | 90 days: lowest preload found (%) | "
                 "90 days: limits kept | never: first resistance-limit day | never: first over 90 °C (life day) |",
                 "|---|---|---|---|---|---|---|"]
        runs = [("(as in the file)", None, None)] + [(p, p, v) for p, vals in sens for v in vals]
        for label, p, v in runs:
            sets = [] if p is None else [f"{LOOSENING}{p}={v}"]
            name = "base" if p is None else f"{p}_{v}"
            rs = sweep(binary, work / "sens" / name, ["maintenance.inspect_every_days=90,never"], sets, a.jobs)
            res = {row["maintenance.inspect_every_days"]: analyse(variant_dir(work / "sens" / name, row), DAY_S,
                                                                    (SPAN_DAYS - 2) * DAY_S / 2) for row in rs}
            r90, rn = res["90"], res["never"]
            kept = r90["first_r_day"] is None and r90["first_t_day"] is None
            value = "file" if v is None else f"{v:g} (file {BASE[p]:g})"
            lines.append(f"| {label if p is None else p} | {value} | {r90['peak_c']:.1f} | {r90['worst_found_pct']:.1f} | "
                         f"{'yes' if kept else 'no'} | {fmt_day(rn['first_r_day'])} | {fmt_day(rn['first_t_day'])} |")
        tables += "\n" + "\n".join(lines) + "\n"

    if a.table:
        pathlib.Path(a.table).write_text(tables)
    if a.doc:
        doc = pathlib.Path(a.doc)
        text = doc.read_text()
        begin, end = "<!-- maintenance_study:begin -->\n", "<!-- maintenance_study:end -->"
        i, j = text.index(begin) + len(begin), text.index(end)
        doc.write_text(text[:i] + tables + text[j:])
    if not a.table and not a.doc:
        print(tables)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 2, figsize=(11, 7.5))
    for k in intervals:
        xs, ys = zip(*results[k]["preload"])
        ax[0][0].plot(xs, ys, marker=".", ms=3, lw=1, label="never" if k == "never" else f"every {k} d")
    ax[0][0].set_xlabel("life (days)")
    ax[0][0].set_ylabel("worst contact preload (%)")
    ax[0][0].set_title("preload: simulated days, inspections (before / after)")
    ax[0][0].legend(fontsize=8)
    labels = ["never" if k == "never" else f"{k} d" for k in intervals]
    ax[0][1].bar(labels, [results[k]["peak_c"] for k in intervals], color="tab:red")
    ax[0][1].axhline(90, color="k", ls="--", lw=1, label="rating 90 °C")
    ax[0][1].set_ylabel("peak contact temperature (°C)")
    ax[0][1].legend(fontsize=8)
    ax[1][0].bar(labels, [results[k]["energy_wh"] / 1000 for k in intervals], color="tab:orange")
    ax[1][0].set_yscale("log")
    ax[1][0].set_ylabel("energy lost in contacts, 2 years (kWh, est.)")
    first = [min([d for d in (results[k]["first_r_day"], results[k]["first_t_day"]) if d is not None], default=None)
             for k in intervals]
    ax[1][1].bar(labels, [SPAN_DAYS if d is None else d for d in first],
                 color=["tab:green" if d is None else "tab:purple" for d in first])
    for i, d in enumerate(first):
        ax[1][1].text(i, (SPAN_DAYS if d is None else d) + 10, "none" if d is None else f"{d:.0f}", ha="center", fontsize=8)
    ax[1][1].set_ylabel("first limit crossed (life day)")
    ax[1][1].set_ylim(0, SPAN_DAYS * 1.1)
    fig.suptitle("three_month_check: inspection interval over two years of daily cycling (fast aging)")
    fig.tight_layout()
    pathlib.Path(a.png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.png, dpi=110)
    print(f"wrote {a.png}", file=sys.stderr)


if __name__ == "__main__":
    main()
