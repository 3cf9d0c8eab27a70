#!/usr/bin/env python3
"""Sensitivity of the cable losses to one jumper and one lug (docs/python.md).

Sweeps scenarios/cable_loss/manual_cables.yaml over the positive m2-m3 jumper's cross-section
and length and the torque of the lug of the m1-m2 jumper on m2's + terminal (24 variants),
over the 20-minute 8 kW discharge, in parallel processes (or on a Dask cluster with
--scheduler ADDRESS), and plots network loss and hot-spot temperature.

Usage: /usr/bin/python3 tools/sweep_sensitivity.py [--out docs/img/python_sweep_sensitivity.png]
       [--workers N] [--scheduler tcp://host:8786] [--duration-s 1205]
"""

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import stacksim  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
JUMPER = "wiring.cables.cable.pos.m2_m3"
LUG = "wiring.contacts.contact.m2.pos.m1"
VARIATIONS = {
    f"{JUMPER}.cross_section_mm2": [16, 25, 35],
    f"{JUMPER}.length_m": [1.0, 4.0],
    f"{LUG}.torque_nm": [2.0, 5.0, 9.0, 14.0],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "img" / "python_sweep_sensitivity.png"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", help="address of a Dask scheduler (default: local processes)")
    ap.add_argument("--duration-s", type=float, default=1205.0)
    a = ap.parse_args()

    base = stacksim.Scenario.from_yaml(ROOT / "scenarios" / "cable_loss" / "manual_cables.yaml")
    base.set("run.duration_s", a.duration_s)
    columns = ["stack.cable.pos.m2_m3.temp_c", "stack.contact.m2.pos.m1.temp_c", "stack.m3.share_pct"]
    if a.scheduler:
        from distributed import Client

        with Client(a.scheduler) as client:
            results = stacksim.sweep(base, VARIATIONS, client=client, columns=columns)
    else:
        results = stacksim.sweep(base, VARIATIONS, workers=a.workers, columns=columns)
    t = results.table({
        "network_loss_wh": lambda r: r.summary["network"]["energy_lost_wh"],
        "jumper_max_c": lambda r: float(np.max(r.series("stack.cable.pos.m2_m3.temp_c"))),
        "lug_max_c": lambda r: float(np.max(r.series("stack.contact.m2.pos.m1.temp_c"))),
        "m3_share_pct": lambda r: float(np.mean(r.series("stack.m3.share_pct")[r.t_s > 10])),
    })
    xs, ln, tq = f"{JUMPER}.cross_section_mm2", f"{JUMPER}.length_m", f"{LUG}.torque_nm"
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    for (l_m, t_nm), g in t.groupby([ln, tq]):
        if t_nm not in (2.0, 14.0):
            continue
        g = g.sort_values(xs)
        style = "-" if t_nm == 14.0 else "--"
        ax[0].plot(g[xs], g["network_loss_wh"], style, marker="o", label=f"{l_m:g} m, lug {t_nm:g} Nm")
        ax[1].plot(g[xs], g["m3_share_pct"], style, marker="o", label=f"{l_m:g} m, lug {t_nm:g} Nm")
    ax[0].set(xlabel="m2-m3 + jumper cross-section (mm²)", ylabel="network loss over the discharge (Wh)")
    ax[1].set(xlabel="m2-m3 + jumper cross-section (mm²)", ylabel="m3 share of the stack current (%)")
    for (x_mm2, l_m), g in t.groupby([xs, ln]):
        g = g.sort_values(tq)
        ax[2].plot(g[tq], g["lug_max_c"], marker="o", label=f"{x_mm2:g} mm², {l_m:g} m")
    ax[2].set(xlabel="torque of the m1-m2 lug on m2 + (Nm; nominal 14)", ylabel="hottest lug temperature (°C)")
    for a_ in ax:
        a_.grid(True, alpha=0.3)
        a_.legend(fontsize=7)
    fig.suptitle(f"manual_cables, 8 kW discharge for {a.duration_s - 5:.0f} s: 24-variant sweep")
    fig.tight_layout()
    fig.savefig(a.out, dpi=90)
    print(t.to_string(index=False))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
