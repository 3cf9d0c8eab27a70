"""The RS485 bridge in wall-clock mode (docs/cosim.md §3), end to end with a Pylontech RS485
client written here from the protocol text (shared/reference/protocols.md §2: framing, LENGTH and
CHKSUM, the 0x42 and 0x92 layouts), not with the project's codec, over pyserial (Debian
python3-serial) on the bridge's pty, or over a TCP socket:

- @link: the client reads 0x42 (analog values) and 0x92 (charge/discharge management) of every
  module of the default stack; each answer agrees with timeseries.csv at the instant its module
  measured (the row of its last sample before the request), within the protocol's resolution;
  garbage from the client is counted and logged, and the run goes on;
- @m0: a scripted master polls the subs; they answer with the chain's timing (rs485.log: the
  answer starts the BMS turnaround plus the driver enable after the request's end), and a sub
  joins on the master's join command.
Every server binds to 127.0.0.1; every loop is bounded in count and time."""

import csv
import re
import time

import pytest

import serial  # Debian python3-serial

from cosim_util import RealtimeRun, connect_tcp, free_port, wait_for

# These tests assert wall-clock timing: tools/check.sh runs them on their own, after the others,
# so that no parallel worker shares the CPU with them (conftest.py, marker `wallclock`).
pytestmark = pytest.mark.wallclock

N_MODULES = 3            # the default scenario
ADRS = [2, 3, 4]         # master_address 2, then the subs in chain order
TURNAROUND_S = 0.02      # bms.response_latency_s (module_4k4pro.yaml)
ENABLE_S = 1e-5          # buses.rs485_driver_enable_s
MEASURE_PERIOD_S = 0.1   # bms.measure_period_s: the BMS samples at k x 0.1 s ...
CONVERSION_S = 0.002     # ... and its readings are ready afe.conversion_time_s later


# ---- a Pylontech RS485 client, from protocols.md §2 -------------------------------------------

def request(adr, cid2, info=b""):
    """'~' VER ADR CID1 CID2 LENGTH INFO CHKSUM CR, every field hex ASCII (§2.2)."""
    info_hex = info.hex().upper()
    lenid = len(info_hex)
    lchksum = (16 - ((lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)) % 16) % 16   # §2.3
    body = "%02X%02X%02X%02X%04X" % (0x20, adr, 0x46, cid2, (lchksum << 12) | lenid) + info_hex
    chksum = (0x10000 - sum(body.encode()) % 0x10000) % 0x10000                         # §2.3
    return ("~" + body + "%04X" % chksum + "\r").encode()


def parse(frame):
    """A frame as received ('~' ... without its CR) -> (adr, cid2, info bytes), or None when it is
    not a valid frame (garbled, bad LENGTH or CHKSUM)."""
    try:
        text = frame.decode("ascii")
    except UnicodeDecodeError:
        return None
    if len(text) < 17 or text[0] != "~" or not re.fullmatch(r"[0-9A-F]+", text[1:]):
        return None
    body, chksum = text[1:-4], int(text[-4:], 16)
    if (sum(body.encode()) + chksum) % 0x10000 != 0:
        return None
    length = int(body[8:12], 16)
    lenid = length & 0xFFF
    if (length >> 12) != (16 - ((lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)) % 16) % 16:
        return None
    if lenid != len(body) - 12:
        return None
    return int(body[2:4], 16), int(body[6:8], 16), bytes.fromhex(body[12:])


def s16(b):
    return int.from_bytes(b, "big", signed=True)


def u(b):
    return int.from_bytes(b, "big")


def decode_0x42(info):
    """§2.5: INFOFLAG, ADR, M cells (s16 mV), N temperatures (0.1 K + 2731), current s16 0.1 A,
    module u16 mV, remaining u16 mAh, item count, total u16 mAh, cycles, [u24 remaining, u24 total]."""
    p = 2
    m = info[p]; p += 1
    cells = [s16(info[p + 2 * i:p + 2 * i + 2]) / 1000 for i in range(m)]; p += 2 * m
    n = info[p]; p += 1
    temps = [(u(info[p + 2 * i:p + 2 * i + 2]) - 2731) / 10 for i in range(n)]; p += 2 * n
    current = s16(info[p:p + 2]) / 10; p += 2
    voltage = u(info[p:p + 2]) / 1000; p += 2
    remaining = u(info[p:p + 2]); p += 2
    items = info[p]; p += 1
    total = u(info[p:p + 2]); p += 2
    cycles = u(info[p:p + 2]); p += 2
    if items == 4:
        remaining, total = u(info[p:p + 3]), u(info[p + 3:p + 6]); p += 6
    assert p == len(info), "0x42 INFO length"
    return {"adr": info[1], "cells_v": cells, "temps_c": temps, "current_a": current, "voltage_v": voltage,
            "remaining_ah": remaining / 1000, "total_ah": total / 1000, "cycles": cycles}


def decode_0x92(info):
    """§2.7: command byte, CVL u16 mV, DVL u16 mV, max charge s16 0.1 A, max discharge s16 0.1 A
    (negative), status b7 charge enable, b6 discharge enable."""
    assert len(info) == 10, "0x92 INFO length"
    return {"adr": info[0], "cvl_v": u(info[1:3]) / 1000, "dvl_v": u(info[3:5]) / 1000,
            "ccl_a": s16(info[5:7]) / 10, "dcl_a": -s16(info[7:9]) / 10,
            "charge_enable": bool(info[9] & 0x80), "discharge_enable": bool(info[9] & 0x40)}


class Line:
    """Frames on the bus as the client hears them (everything: the master's polls, the subs'
    answers, its own answers), split at CR."""

    def __init__(self, read, write, flush):
        self.read, self.write, self.flush, self.buf = read, write, flush, b""

    def frames(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.buf += self.read()
            while b"\r" in self.buf:
                frame, self.buf = self.buf.split(b"\r", 1)
                yield frame, time.monotonic()

    def quiet(self, last_adr, silence_s=0.05, timeout_s=5.0):
        """Listen before talking: wait for the end of the master's poll cycle (the last sub's
        alarm answer), then for `silence_s` without a frame (a cycle stretched by retries runs
        straight into the next one; a 20-character poll would have ended within 50 ms)."""
        self.flush()
        self.buf = b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for frame, _ in self.frames(deadline - time.monotonic()):
                f = parse(frame)
                if f and f[0] == last_adr and f[1] == 0x00 and is_0x44(f[2]):
                    break
            if not any(True for _ in self.frames(silence_s)):
                return
        raise AssertionError("the line never went quiet")

    def ask(self, adr, cid2, info, wants, last_adr, attempts=20):
        """Send the request when the line is quiet and wait for `adr`'s answer that `wants`;
        retried on a collision. Returns (raw frame, decoded INFO)."""
        for _ in range(attempts):
            self.quiet(last_adr)
            self.write(request(adr, cid2, info))
            for frame, _ in self.frames(0.6):
                f = parse(frame)
                if f and f[0] == adr and f[1] == 0x00:
                    decoded = wants(f[2])
                    if decoded is not None:
                        return frame.decode(), decoded
        raise AssertionError(f"no answer from ADR {adr} to 0x{cid2:02X} in {attempts} attempts")


def is_0x44(info):
    """§2.6: DATAFLAG, ADR, M + M cell states, N + N temperature states, 3 states, status 1-5
    (one trailing 00 seen on real frames)."""
    if len(info) < 4 or 3 + info[2] >= len(info):
        return False
    m = info[2]
    n = info[3 + m]
    return len(info) in (2 + 1 + m + 1 + n + 3 + 5, 2 + 1 + m + 1 + n + 3 + 5 + 1)


def as_0x42(info):
    try:
        d = decode_0x42(info)
    except (AssertionError, IndexError):
        return None
    return d


def as_0x92(info):
    return decode_0x92(info) if len(info) == 10 else None


# ---- reading the run's outputs ----------------------------------------------------------------

def rs485_log(out):
    """rs485.log: (start_s, end_s, hop, sender, frame, garbled)."""
    rows = []
    for line in (out / "rs485.log").read_text().splitlines():
        parts = line.split()
        rows.append((float(parts[0]), float(parts[1]), parts[2], parts[3], parts[4], "garbled" in parts[5:]))
    return rows


def timeseries(out):
    with open(out / "timeseries.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {round(float(r["t_s"]), 3): r for r in rows}


def sample_time(request_end_s):
    """The instant of the BMS's last sample whose readings were ready when the request ended."""
    k = int((request_end_s - CONVERSION_S) / MEASURE_PERIOD_S + 1e-9)
    return round(k * MEASURE_PERIOD_S, 3)


def request_end(log, frame):
    """When the request that `frame` (an answer) answers ended: the last clean request to its
    address on hop 0 before the answer's start (the client's own, or the master's poll whose
    answer it heard). The answer's INFO is what the module knew then. Identical answers of quiet
    seconds carry the same values, so the last occurrence serves."""
    hits = [r for r in log if r[4] == frame and r[2] == "hop0" and not r[5]]
    assert hits, f"{frame[:30]}... not in rs485.log"
    start = hits[-1][0]
    adr = parse(frame.encode())[0]
    reqs = [r for r in log if r[2] == "hop0" and not r[5] and r[1] < start]
    reqs = [r for r in reqs if (p := parse(r[4].encode())) and p[0] == adr and p[1] not in (0x00,)]
    assert reqs, f"no request before {frame[:30]}..."
    end = reqs[-1][1]
    assert start - end >= TURNAROUND_S + ENABLE_S - 1e-8, "answered after the BMS turnaround"
    return end


# ---- the tests --------------------------------------------------------------------------------

def test_a_console_client_at_link_reads_every_module_and_agrees_with_the_timeseries(tmp_path):
    pty = tmp_path / "rs485"
    out = tmp_path / "out"
    # The master polls its two subs for 0.79 s of every poll cycle at 9600 baud; with the 2 s cycle of
    # a real Pylontech installation's host (protocols.md §2.1: about every 2.03 s) the line is quiet
    # for 1.2 s in each, where the client asks.
    run = RealtimeRun(out, "--rs485-bridge", f"pty:{pty}@link", "--set", "run.duration_s=.inf",
                      "--set", "parameters.module.master.poll_period_s=2",
                      "--set", "run.record_every=1",  # a row per electrical step = per BMS sample
                      "--set", "parameters.module.afe.cell_noise_v=0",
                      "--set", "parameters.module.afe.current_noise_a=0")
    answers = []
    try:
        wait_for(lambda: pty.exists(), 10, f"the pty at {pty}")
        port = serial.Serial(str(pty), 9600, timeout=0.02)
        line = Line(lambda: port.read(4096), port.write, port.reset_input_buffer)
        time.sleep(6.0)  # past the start-up: subs joined, the discharge running (from 5 s)
        for adr in ADRS:
            answers.append(("0x42", adr) + line.ask(adr, 0x42, bytes([adr]), as_0x42, ADRS[-1]))
            answers.append(("0x92", adr) + line.ask(adr, 0x92, bytes([adr]), as_0x92, ADRS[-1]))
        # Garbage: characters on the wire all the same, counted and logged; the run goes on.
        port.write(b"\x00\x01hello\xff~2002\r")
        answers.append(("0x92", 2) + line.ask(2, 0x92, bytes([2]), as_0x92, ADRS[-1]))
        port.close()
    finally:
        rc = run.stop()
    assert rc == 143, run.stderr

    log, ts = rs485_log(out), timeseries(out)
    for cmd, adr, frame, d in answers:
        assert d["adr"] == adr
        m = adr - 2
        # The module answered with its last sample before the request ended: the plant's truth is
        # the row at the sample's instant; the BMS's own columns (SoC, limits) show its readings
        # from the next row on (they are published a conversion time after the sample).
        s = sample_time(request_end(log, frame))
        row, bms_row = ts[s], ts[round(s + MEASURE_PERIOD_S, 3)]
        col = lambda q: float(row[f"stack.m{m}.{q}"])  # noqa: E731
        bms = lambda q: float(bms_row[f"stack.m{m}.{q}"])  # noqa: E731
        if cmd == "0x42":
            assert len(d["cells_v"]) == 16 and len(d["temps_c"]) == 4
            # The protocol's resolution (half of it: values are rounded) plus half the AFE's LSB
            # (it rounds too), measurement noise off.
            for k, v in enumerate(d["cells_v"]):  # 1 mV; cell LSB 0.1 mV
                assert v == pytest.approx(float(row[f"stack.m{m}.cell{k:02d}.voltage_v"]), abs=0.00055 + 1e-9), (adr, k)
            assert d["voltage_v"] == pytest.approx(col("voltage_v"), abs=0.0005 + 1e-9)   # 1 mV; ADC LSB 1 mV
            assert d["current_a"] == pytest.approx(col("current_a"), abs=0.055 + 1e-9)    # 0.1 A; LSB 10 mA
            assert d["total_ah"] == pytest.approx(100.0, abs=0.0005)
            assert d["remaining_ah"] == pytest.approx(bms("soc_pct") / 100 * d["total_ah"], abs=0.0005 + 1e-6)  # 1 mAh
            for i, t in enumerate(d["temps_c"]):  # 0.1 K; the NTC's 12-bit ADC is coarser: 0.1 degC more
                cells = [float(row[f"stack.m{m}.cell{k:02d}.temp_c"]) for k in range(4 * i, 4 * i + 4)]
                assert min(cells) - 0.15 <= t <= max(cells) + 0.15, (adr, i, t, cells)
        else:
            assert d["ccl_a"] == pytest.approx(bms("ccl_a"), abs=0.05 + 1e-9)  # 0.1 A
            assert d["dcl_a"] == pytest.approx(bms("dcl_a"), abs=0.05 + 1e-9)
            assert d["charge_enable"] == (bms("ccl_a") > 0)
            assert d["discharge_enable"] == (bms("dcl_a") > 0)
            assert d["cvl_v"] == pytest.approx(56.8, abs=0.0005)  # 16 x bms.limits.cvl_cell_v 3.55 V
    ep = [e for e in run.summary()["wallclock"]["endpoints"] if e["endpoint"].startswith("rs485 bridge @link")]
    assert len(ep) == 1 and ep[0]["malformed"] >= 1 and ep[0]["rx"] >= len(answers)
    malformed = [e for e in run.events() if e["kind"] == "host_malformed"]
    assert malformed and "\\x00\\x01hello\\xFF" in malformed[0]["details"]["detail"]
    assert any(e["kind"] == "host_connected" for e in run.events())


def test_a_host_inverter_at_link_reads_the_whole_stacks_limits_from_the_master(tmp_path):
    # An inverter that talks RS485 instead of CAN sits where the host's cable meets the master's
    # free port A: it asks the master for 0x92 with INFO 0xFF (the whole stack) and gets the
    # limits the master sends on CAN (stack.ccl_a / dcl_a / cvl_v in the time series).
    pty = tmp_path / "rs485"
    out = tmp_path / "out"
    run = RealtimeRun(out, "--rs485-bridge", f"pty:{pty}@link", "--set", "run.duration_s=.inf",
                      "--set", "parameters.module.master.poll_period_s=2", "--set", "run.record_every=1")
    answers = []
    try:
        wait_for(lambda: pty.exists(), 10, f"the pty at {pty}")
        port = serial.Serial(str(pty), 9600, timeout=0.02)
        line = Line(lambda: port.read(4096), port.write, port.reset_input_buffer)
        time.sleep(6.0)  # past the start-up: subs joined, the discharge running
        for _ in range(2):
            answers.append(line.ask(ADRS[0], 0x92, bytes([0xFF]), as_0x92, ADRS[-1]))
        port.close()
    finally:
        rc = run.stop()
    assert rc == 143, run.stderr

    log, ts = rs485_log(out), timeseries(out)
    times = sorted(ts)
    for frame, d in answers:
        assert d["adr"] == 0xFF, frame
        end = request_end(log, frame)
        # The master's aggregate of its last poll cycle (2 s) answers: the values the stack's
        # columns held in the cycle before the request ended, to the protocol's resolution.
        window = [ts[t] for t in times if end - 2.5 <= t <= end]
        assert window, end
        for key, col, tol in (("ccl_a", "stack.ccl_a", 0.05), ("dcl_a", "stack.dcl_a", 0.05),
                              ("cvl_v", "stack.cvl_v", 0.0005)):
            held = [float(r[col]) for r in window if r[col] != ""]
            assert any(abs(d[key] - v) <= tol + 1e-9 for v in held), (key, d[key], held)
        assert d["charge_enable"] == (d["ccl_a"] > 0)
        assert d["discharge_enable"] == (d["dcl_a"] > 0)
        assert d["dcl_a"] > 0  # a discharging stack with three modules present


def test_a_scripted_master_at_m0_polls_the_subs_with_the_chains_timing(tmp_path):
    port = free_port()
    out = tmp_path / "out"
    run = RealtimeRun(out, "--rs485-bridge", f"tcp:127.0.0.1:{port}@m0", "--set", "run.duration_s=.inf",
                      "--set", "run.record_every=1")
    polls = []
    try:
        sock = connect_tcp(port)
        sock.settimeout(0.02)

        def read():
            try:
                return sock.recv(4096)
            except (TimeoutError, BlockingIOError, OSError):
                return b""
        line = Line(read, sock.sendall, lambda: None)
        # The scripted master: for each sub, 0x42 then 0x92, each awaited; then it admits m1.
        for cycle in range(2):
            for adr in ADRS[1:]:
                for cid2, wants in ((0x42, as_0x42), (0x92, as_0x92)):
                    sock.sendall(request(adr, cid2, bytes([adr])))
                    got = None
                    for frame, _ in line.frames(1.0):
                        f = parse(frame)
                        if f and f[0] == adr and f[1] == 0x00 and wants(f[2]) is not None:
                            got = frame.decode()
                            break
                    assert got, f"ADR {adr} did not answer 0x{cid2:02X}"
                    polls.append((adr, cid2, request(adr, cid2, bytes([adr])).decode()[:-1], got))
        sock.sendall(request(3, 0x99, bytes([3, 1])))  # join (manufacturer-specific, docs/models/bms.md)
        ack = None
        for frame, _ in line.frames(1.0):
            f = parse(frame)
            if f and f[0] == 3 and f[1] == 0x00 and f[2] == b"":
                ack = frame
                break
        assert ack is not None, "m1 acknowledges the join"
        time.sleep(1.0)  # its next measurement closes the switch (after the 0.2 s precharge)
        sock.close()
    finally:
        rc = run.stop()
    assert rc == 143, run.stderr

    log = rs485_log(out)
    assert not any(r[3] == "m0" for r in log), "the simulated master's polls never reach the chain"
    hop_m, enable, ns_per_m = 0.5, ENABLE_S, 5e-9
    for adr, cid2, req, ans in polls:
        # The request on hop 0 (at the host's end, where m0 was) and the answer on hop 0 (at m1's end).
        reqs = [r for r in log if r[3] == "host" and r[2] == "hop0" and r[4] == req]
        anss = [r for r in log if r[4] == ans and r[2] == "hop0"]
        assert reqs and anss
        req_end = max(r[1] for r in reqs if r[1] < anss[-1][0])
        dist_m = (adr - 3) * hop_m  # from the sub to hop 0's near end (m1's for m1, one hop more for m2)
        # Request end at the sub = end at the host's end + (adr - 2) hops; the answer starts the
        # turnaround and the driver enable later, and reaches hop 0's m1 end dist_m later.
        expected = req_end + (adr - 2) * hop_m * ns_per_m + TURNAROUND_S + enable + dist_m * ns_per_m
        assert anss[-1][0] == pytest.approx(expected, abs=2e-9), (adr, cid2)
        # 10 bits per character at 9600 baud, the CR included.
        assert anss[-1][1] - anss[-1][0] == pytest.approx((len(ans) + 1) * 10 / 9600, abs=2e-9)
    ts = timeseries(out)
    last = ts[max(ts)]
    assert float(last["stack.m1.switch_closed"]) == 1.0, "m1 joined on the host master's command"
    assert float(last["stack.m2.switch_closed"]) == 0.0, "m2 was never admitted"
    assert any(e["kind"] == "joined" and e["source"] == "top.stack.m1.bms" for e in run.events())
