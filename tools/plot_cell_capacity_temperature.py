#!/usr/bin/python3
"""Plot the default cell's 0.5C capacity against temperature, with the published points, for docs/models/cell.md.

Runs `cell_discharge_curves --isothermal-sweep` (the stack's own cell core; the cell is held at each
temperature) and writes docs/models/img/cell_capacity_temperature.png. Use Debian's /usr/bin/python3.

    /usr/bin/python3 tools/plot_cell_capacity_temperature.py [--binary build/tools/cell_discharge_curves]
                                                             [--params models/params/lfp_cell_100ah.yaml]
                                                             [--out docs/models/img/cell_capacity_temperature.png]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from plot_cell_discharge import ROOT, find_binary  # noqa: E402

# The points of tests/cell/test_cell_temperature_capacity.cpp (fraction of the room-temperature capacity).
PUBLISHED = [  # temp_c, fraction, label
    (-20.0, 70.0 / 93.33, "LFP low-temperature study (not tested)"),
    (-10.0, 78.0 / 93.33, "LFP low-temperature study"),
    (0.0, 80.67 / 93.33, "LFP low-temperature study"),
    (25.0, 1.0, "rated capacity"),
    (45.0, 1.0, "assumed: rated capacity"),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=None)
    ap.add_argument("--params", default=os.path.join(ROOT, "models", "params", "lfp_cell_100ah.yaml"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "models", "img", "cell_capacity_temperature.png"))
    a = ap.parse_args()
    out = subprocess.run([a.binary or find_binary(), "--isothermal-sweep", a.params], check=True,
                         capture_output=True, text=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    t = [float(r["temp_c"]) for r in rows]
    ah = [float(r["delivered_ah"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7.0, 4.2), dpi=110)
    ax.plot(t, ah, "-o", color="tab:blue", ms=4, label="model: isothermal 0.5C to 2.5 V")
    for i, (tc, f, label) in enumerate(PUBLISHED):
        ax.errorbar([tc], [100.0 * f], yerr=[3.0 * f], fmt="s" if "assumed" not in label else "D",
                    color="tab:red" if "study" in label else "tab:gray", capsize=4,
                    label=None if any(label == p[2] for p in PUBLISHED[:i]) else label + " (±3 %)")
    ax.set_xlabel("cell temperature (°C)")
    ax.set_ylabel("delivered charge (Ah of 100 Ah rated)")
    ax.set_title("Default LFP cell: usable capacity against temperature")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    fig.savefig(a.out)
    print(a.out)
    for tc, q in zip(t, ah):
        print(f"{tc:6.1f} degC  {q:7.2f} Ah")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
