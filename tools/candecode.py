#!/usr/bin/python3
"""Pretty-print a `candump -L` log of a battery <-> inverter CAN link.

Decodes the low-voltage "Pylontech CAN" family (docs/protocols/can-messages.md,
protocols.md §1): the Pylontech V1.2 set (0x351 0x355 0x356 0x359 0x35C 0x35E), the
SMA/Victron set (0x351 0x355 0x356 0x35A 0x35E 0x35F, 0x370-0x379) and the inverter's
0x305/0x306/0x307 according to the inverter profile (--variant pylon: 0x305 is a zero
heartbeat; --variant sma: 0x305 carries the Sunny Island's measurements). Unknown IDs,
extended IDs and remote frames are printed raw. Works on stacksim's can.log and on captures
from real stacks. Standard library only.

    tools/candecode.py can.log                 # text, one line per frame
    tools/candecode.py --variant sma --json -  # JSON lines from stdin

Malformed lines are reported on stderr with their line number; the exit status is then 1.
"""

import argparse
import json
import re
import sys

LINE_RE = re.compile(r"^\((\d+)\.(\d{6})\)\s+(\S+)\s+([0-9A-Fa-f]{3}|[0-9A-Fa-f]{8})#(\S*)$")

# 0x359 bit maps: (byte, mask, name). Bytes 0/1 = protection, 2/3 = alarm.
FLAGS_359 = [
    (0, 0x80, "discharge over-current"), (0, 0x10, "cell under-temperature"),
    (0, 0x08, "cell over-temperature"), (0, 0x04, "cell/module under-voltage"),
    (0, 0x02, "cell/module over-voltage"), (1, 0x08, "system error"),
    (1, 0x01, "charge over-current"),
    (2, 0x80, "discharge high current"), (2, 0x10, "cell low temperature"),
    (2, 0x08, "cell high temperature"), (2, 0x04, "cell/module low voltage"),
    (2, 0x02, "cell/module high voltage"), (3, 0x08, "internal communication fail"),
    (3, 0x01, "charge high current"),
]

# 0x35A events, pair index 0..15 (byte = index // 4, bits 2*(index % 4)).
EVENTS_35A = [
    "general", "high voltage", "low voltage", "high temperature",
    "low temperature", "high temperature while charging", "low temperature while charging",
    "high discharge current", "high charge current", "contactor", "short circuit",
    "BMS internal", "cell imbalance", "reserved 14", "reserved 15", "generator",
]

REQUESTS_35C = [(0x80, "charge enable"), (0x40, "discharge enable"), (0x20, "force charge I"),
                (0x10, "force charge II"), (0x08, "full charge request")]


class FrameError(Exception):
    """A payload too short for its ID."""


def u16(d, i):
    return d[i] | (d[i + 1] << 8)


def s16(d, i):
    v = u16(d, i)
    return v - 0x10000 if v & 0x8000 else v


def u32(d, i):
    return u16(d, i) | (u16(d, i + 2) << 16)


def need(d, n):
    if len(d) < n:
        raise FrameError(f"DLC {len(d)} < {n}")


def ascii_text(d):
    return bytes(d).rstrip(b"\0").decode("ascii", errors="replace")


def scaled(raw, factor, invalid):
    """Physical value, None for the SMA 'invalid' code."""
    return None if raw == invalid else round(raw * factor, 6)


def dec_351(d):
    need(d, 6)
    v = {"cvl_v": scaled(u16(d, 0), 0.1, 0xFFFF), "ccl_a": scaled(s16(d, 2), 0.1, -0x8000),
         "dcl_a": scaled(s16(d, 4), 0.1, -0x8000)}
    if len(d) >= 8:
        v["dvl_v"] = scaled(u16(d, 6), 0.1, 0xFFFF)
    return v


def dec_355(d):
    need(d, 4)
    v = {"soc_pct": scaled(u16(d, 0), 1, 0xFFFF), "soh_pct": scaled(u16(d, 2), 1, 0xFFFF)}
    if len(d) >= 6:
        v["soc_hires_pct"] = scaled(u16(d, 4), 0.01, 0xFFFF)
    return v


def dec_356(d):
    need(d, 6)
    return {"voltage_v": scaled(s16(d, 0), 0.01, -0x8000), "current_a": scaled(s16(d, 2), 0.1, -0x8000),
            "temp_c": scaled(s16(d, 4), 0.1, -0x8000)}


def dec_359(d):
    need(d, 5)
    prot = [n for b, m, n in FLAGS_359 if b < 2 and d[b] & m]
    alarm = [n for b, m, n in FLAGS_359 if b >= 2 and d[b] & m]
    known = [0, 0, 0, 0]
    for b, m, _ in FLAGS_359:
        known[b] |= m
    v = {"protection": prot, "alarm": alarm, "module_count": d[4]}
    undefined = [f"byte{b}:0x{d[b] & ~known[b] & 0xFF:02X}" for b in range(4) if d[b] & ~known[b] & 0xFF]
    if undefined:
        v["undefined_bits"] = undefined
    if len(d) >= 7:
        v["tag"] = ascii_text(d[5:7])
    return v


def dec_35a(d):
    need(d, 8)
    out = {"alarm": [], "warning": [], "unsupported": 0}
    for level, base in (("alarm", 0), ("warning", 4)):
        for i, name in enumerate(EVENTS_35A):
            pair = (d[base + i // 4] >> (2 * (i % 4))) & 3
            if pair == 1:
                out[level].append(name)
            elif pair in (0, 3):
                out["unsupported"] += 1
    return out


def dec_35c(d):
    need(d, 1)
    return {"flags": [n for m, n in REQUESTS_35C if d[0] & m]}


def dec_35e(d):
    need(d, 1)
    return {"manufacturer": bytes(d).rstrip(b"\0").decode("ascii", errors="replace")}


def dec_35f(d):
    need(d, 6)
    return {"chemistry": ascii_text(d[0:2]), "bms_version": f"{d[2]}.{d[3]}",
            "capacity_ah": scaled(u16(d, 4), 1, 0xFFFF)}


def dec_name(d):
    return {"text": ascii_text(d)}


def dec_372(d):
    need(d, 8)
    return {"modules_ok": u16(d, 0), "blocking_charge": u16(d, 2), "blocking_discharge": u16(d, 4),
            "offline": u16(d, 6)}


def dec_373(d):
    need(d, 8)
    return {"min_cell_v": scaled(u16(d, 0), 0.001, 0xFFFF), "max_cell_v": scaled(u16(d, 2), 0.001, 0xFFFF),
            "min_cell_temp_k": scaled(u16(d, 4), 1, 0xFFFF), "max_cell_temp_k": scaled(u16(d, 6), 1, 0xFFFF)}


def dec_378(d):
    need(d, 8)
    return {"charged_kwh": scaled(u32(d, 0), 0.1, 0xFFFFFFFF), "discharged_kwh": scaled(u32(d, 4), 0.1, 0xFFFFFFFF)}


def dec_379(d):
    need(d, 2)
    return {"installed_capacity_ah": scaled(u16(d, 0), 1, 0xFFFF)}


def dec_305(d, variant):
    if variant == "sma":
        need(d, 8)
        cur = scaled(s16(d, 2), 0.1, -0x8000)
        return {"voltage_v": scaled(u16(d, 0), 0.1, 0xFFFF),
                # SMA sends the current negative while charging; shown in the battery convention.
                "battery_current_a": None if cur is None else round(-cur, 6) + 0.0,
                "temp_c": scaled(s16(d, 4), 0.1, -0x8000), "soc_pct": scaled(s16(d, 6), 0.1, -0x8000)}
    return {"heartbeat": True, "all_zero": all(b == 0 for b in d)}


def dec_306(d):
    need(d, 8)
    return {"soh_pct": scaled(u16(d, 0), 1, 0xFFFF), "charge_procedure": d[2], "operating_state": d[3],
            "active_error": u16(d, 4), "charge_voltage_setpoint_v": scaled(u16(d, 6), 0.1, 0xFFFF)}


def dec_307(d):
    need(d, 2)
    return {"relay_state": f"0x{u16(d, 0):04X}"}


DECODERS = {
    0x351: ("limits", dec_351), 0x355: ("SoC/SoH", dec_355), 0x356: ("measurements", dec_356),
    0x359: ("Pylontech flags", dec_359), 0x35A: ("SMA alarms", dec_35a), 0x35C: ("requests", dec_35c),
    0x35E: ("manufacturer", dec_35e), 0x35F: ("battery info", dec_35f),
    0x370: ("BMS name 1", dec_name), 0x371: ("BMS name 2", dec_name), 0x372: ("module counts", dec_372),
    0x373: ("cell extremes", dec_373), 0x374: ("min cell V id", dec_name), 0x375: ("max cell V id", dec_name),
    0x376: ("min cell T id", dec_name), 0x377: ("max cell T id", dec_name), 0x378: ("energy", dec_378),
    0x379: ("installed capacity", dec_379), 0x306: ("inverter status", dec_306),
    0x307: ("inverter relays", dec_307),
}


def parse_line(line):
    """(time_us, interface, id, extended, rtr, dlc, data) or raise ValueError(expectation).

    The timestamp is kept as whole microseconds so that it prints back exactly."""
    m = LINE_RE.match(line.strip())
    if not m:
        raise ValueError("expected '(<seconds>.<6 digits>) <interface> <3 or 8 hex digit id>#<data>'")
    sec, usec, iface, ident, payload = m.groups()
    can_id = int(ident, 16)
    extended = len(ident) == 8
    if extended and can_id > 0x1FFFFFFF:
        raise ValueError("identifier exceeds 29 bits")
    if not extended and can_id > 0x7FF:
        raise ValueError("11-bit identifier exceeds 0x7FF")
    time_us = int(sec) * 1000000 + int(usec)
    if payload[:1] in ("R", "r"):
        if len(payload) == 1:
            return time_us, iface, can_id, extended, True, 0, []
        if len(payload) == 2 and payload[1] in "012345678":
            return time_us, iface, can_id, extended, True, int(payload[1]), []
        raise ValueError("expected 'R' or 'R<dlc>' for a remote frame")
    payload = payload.replace(".", "")
    if len(payload) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", payload):
        raise ValueError("expected an even number of hex digits in the data")
    data = list(bytes.fromhex(payload))
    if len(data) > 8:
        raise ValueError("more than 8 data bytes")
    return time_us, iface, can_id, extended, False, len(data), data


def decode(can_id, extended, rtr, data, variant):
    """(name, dict of values) or (None, None) for frames printed raw; FrameError if too short."""
    if extended or rtr:
        return None, None
    if can_id == 0x305:
        return "inverter heartbeat" if variant == "pylon" else "SMA SI measurements", dec_305(data, variant)
    if can_id in DECODERS:
        name, fn = DECODERS[can_id]
        return name, fn(data)
    return None, None


def fmt_value(k, v):
    if isinstance(v, list):
        return f"{k}=[{', '.join(map(str, v))}]"
    if isinstance(v, float):
        return f"{k}={v:g}"
    return f"{k}={v}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="candump -L log file, or - for stdin")
    ap.add_argument("--variant", choices=("pylon", "sma"), default="pylon",
                    help="inverter profile for 0x305 (default: pylon)")
    ap.add_argument("--json", action="store_true", help="one JSON object per frame")
    args = ap.parse_args(argv)
    src = sys.stdin if args.log == "-" else open(args.log, encoding="ascii", errors="replace")
    errors = 0
    with src:
        for n, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                t, iface, can_id, ext, rtr, dlc, data = parse_line(line)
            except ValueError as e:
                print(f"line {n}: {e}", file=sys.stderr)
                errors += 1
                continue
            ident = f"{can_id:08X}" if ext else f"{can_id:03X}"
            raw = "R" if rtr else bytes(data).hex().upper()
            try:
                name, values = decode(can_id, ext, rtr, data, args.variant)
                problem = None
            except FrameError as e:
                name, values, problem = None, None, str(e)
            if args.json:
                rec = {"t": t / 1e6, "t_us": t, "if": iface, "id": can_id, "ext": ext, "rtr": rtr, "dlc": dlc, "raw": raw}
                if name:
                    rec["name"] = name
                    rec["values"] = values
                if problem:
                    rec["error"] = problem
                print(json.dumps(rec))
                continue
            text = f"{t // 1000000}.{t % 1000000:06d} {iface} {ident} [{dlc}] {raw:<16}"
            if name:
                text += f"  {name}: " + " ".join(fmt_value(k, v) for k, v in values.items())
            elif problem:
                text += f"  malformed: {problem}"
            elif rtr:
                text += "  remote request"
            print(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
