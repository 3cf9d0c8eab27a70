#!/usr/bin/python3
"""Plot the default cell's constant-current discharge curves (0.5C, 1C, 2C) for docs/models/cell.md.

Runs the C++ tool cell_discharge_curves (the stack's own cell core) and writes
docs/models/img/cell_discharge.png. Use Debian's /usr/bin/python3 (numpy, matplotlib).

    /usr/bin/python3 tools/plot_cell_discharge.py [--binary build/tools/cell_discharge_curves]
                                                  [--params models/params/lfp_cell_100ah.yaml]
                                                  [--ambient-c 25] [--out docs/models/img/cell_discharge.png]
"""
from __future__ import annotations

import argparse
import csv
import glob
import io
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_binary() -> str:
    candidates = [os.path.join(ROOT, "build", "tools", "cell_discharge_curves")]
    candidates += sorted(glob.glob(os.path.join(ROOT, "build*", "tools", "cell_discharge_curves")))
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    sys.exit("cell_discharge_curves not found: build it (cmake --build build --target cell_discharge_curves) "
             "or pass --binary")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=None)
    ap.add_argument("--params", default="-", help="cell parameter YAML ('-': the default set)")
    ap.add_argument("--ambient-c", type=float, default=25.0)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "models", "img", "cell_discharge.png"))
    args = ap.parse_args()

    binary = args.binary or find_binary()
    run = subprocess.run([binary, args.params, str(args.ambient_c)], check=True, capture_output=True, text=True)
    sys.stderr.write(run.stderr)
    curves: dict[float, dict[str, list[float]]] = {}
    for row in csv.DictReader(io.StringIO(run.stdout)):
        c = curves.setdefault(float(row["c_rate"]), {k: [] for k in row if k != "c_rate"})
        for k, v in row.items():
            if k != "c_rate":
                c[k].append(float(v))

    fig, (ax_v, ax_t) = plt.subplots(2, 1, figsize=(8, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    for rate, c in sorted(curves.items()):
        label = f"{rate:g}C ({c['discharged_ah'][-1]:.1f} Ah)"
        ax_v.plot(c["discharged_ah"], c["voltage_v"], label=label)
        ax_t.plot(c["discharged_ah"], c["temp_c"], label=f"{rate:g}C")
    first = curves[sorted(curves)[0]]
    ax_v.plot(first["discharged_ah"], first["ocv_v"], "k:", linewidth=1, label="OCV (mid branch, 0.5C run)")
    ax_v.set_ylabel("terminal voltage (V)")
    ax_v.set_ylim(2.4, 3.6)
    ax_v.grid(True, alpha=0.3)
    ax_v.legend(loc="lower left")
    ax_v.set_title(f"Default LFP cell (models/params/lfp_cell_100ah.yaml), free-standing, {args.ambient_c:g} °C ambient")
    ax_t.set_xlabel("discharged charge (Ah)")
    ax_t.set_ylabel("cell temperature (°C)")
    ax_t.grid(True, alpha=0.3)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
