#!/usr/bin/python3
"""Timing diagrams of the RS485 chain from a simulated run (rs485.log + events.jsonl).

    tools/rs485_timing_diagram.py RUN_DIR [--from T0] [--to T1] [--hop hop0] [--out FILE] [--title TEXT]

Draws every frame on one hop segment as a bar from its first start bit to its last stop bit,
one lane per sender, labelled with the frame's ADR/CID2, and the BMS events of the window
(switch changes, joins) as markers. Used for docs/protocols/rs485.md (a poll cycle) and
docs/models/bms.md (start-up sequencing).
"""

import argparse
import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_frames(run, hop, t0, t1):
    frames = []
    for line in open(run / "rs485.log"):
        start, end, segment, sender, frame, *flags = line.split()
        start, end = float(start), float(end)
        if segment != hop or end < t0 or start > t1:
            continue
        frames.append((start, end, sender, frame, "garbled" in flags))
    return frames


def read_events(run, t0, t1):
    path = run / "events.jsonl"
    if not path.exists():
        return []
    out = []
    for line in open(path):
        e = json.loads(line)
        if t0 <= e["t_s"] <= t1 and e["kind"] in ("switch", "joined", "sub_join", "sub_join_refused", "sub_lost",
                                                    "master_lost", "protection"):
            out.append(e)
    return out


def label(frame):
    # ~ VER ADR CID1 CID2 ...: ADR at [3:5], CID2 (or RTN) at [7:9]
    return f"{frame[3:5]}/{frame[7:9]}" if len(frame) >= 9 else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=pathlib.Path)
    ap.add_argument("--from", dest="t0", type=float, default=1.0)
    ap.add_argument("--to", dest="t1", type=float, default=2.0)
    ap.add_argument("--hop", default="hop0")
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("rs485_timing.png"))
    ap.add_argument("--title", default="")
    a = ap.parse_args()

    frames = read_frames(a.run, a.hop, a.t0, a.t1)
    events = read_events(a.run, a.t0, a.t1)
    senders = sorted({f[2] for f in frames} | {e["source"].split(".")[-2] for e in events if "stack.m" in e["source"]})
    lane = {s: i for i, s in enumerate(senders)}
    fig, ax = plt.subplots(figsize=(11, 0.9 * len(senders) + 1.6))
    for start, end, sender, frame, garbled in frames:
        y = lane[sender]
        ax.broken_barh([((start - a.t0) * 1e3, (end - start) * 1e3)], (y - 0.3, 0.6),
                       facecolors="tab:red" if garbled else ("tab:blue" if sender == "m0" else "tab:green"))
        ax.text((start - a.t0) * 1e3, y + 0.35, label(frame), fontsize=7, va="bottom")
    for e in events:
        node = e["source"].split(".")[-2] if "stack.m" in e["source"] else senders[0]
        if node not in lane:
            continue
        x = (e["t_s"] - a.t0) * 1e3
        ax.plot([x], [lane[node] - 0.45], marker="v", color="black")
        txt = e["kind"]
        if e["kind"] == "switch":
            txt = "close" if e["details"]["closed"] else "open"
        ax.text(x, lane[node] - 0.55, txt, fontsize=7, va="top", ha="center")
    ax.set_yticks(range(len(senders)))
    ax.set_yticklabels(senders)
    ax.set_ylim(-1, len(senders))
    ax.invert_yaxis()
    ax.set_xlim(0, (a.t1 - a.t0) * 1e3)
    ax.set_xlabel(f"time from {a.t0:g} s (ms), frames on {a.hop}; label = ADR/CID2 (RTN in answers)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(a.title or f"RS485 chain, {a.run.name}")
    fig.tight_layout()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.out, dpi=110)
    print(a.out)


if __name__ == "__main__":
    main()
