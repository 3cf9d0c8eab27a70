"""The host CAN backends (bus/host, no simulator) driven by clients the project did not write:
python-can's own `socketcand` and `slcan` interfaces (Debian python3-can) and pyserial.

The stand-in for the simulation is build/tests/host/can_endpoint_probe (found through the build
directory, like conftest.py finds the CLI: $STACKSIM_BUILD_DIR or <repo>/build). It opens an
endpoint from a spec, sends a counter frame (0x7F0, 4 bytes little-endian) every 100 ms, echoes
every frame it receives with identifier + 1, and prints its statistics and notices as JSON when it
is stopped. Every wait here is bounded; servers bind to 127.0.0.1."""

import json
import re
import select
import socket
import struct
import subprocess
import time

import pytest

import can  # Debian python3-can
import serial  # Debian python3-serial

from conftest import BUILD

# These tests assert wall-clock timing: tools/check.sh runs them on their own, after the others,
# so that no parallel worker shares the CPU with them (conftest.py, marker `wallclock`).
pytestmark = pytest.mark.wallclock

PROBE = BUILD / "tests" / "host" / "can_endpoint_probe"
COUNTER_ID = 0x7F0


class Probe:
    """can_endpoint_probe SPEC as a context manager: .ready (the JSON of its first line), .result
    (the JSON it prints when stopped by SIGTERM on leaving the block)."""

    def __init__(self, spec, *args):
        self.args = [str(PROBE), spec, "--max-seconds", "90", *map(str, args)]
        self.result = None

    def __enter__(self):
        assert PROBE.exists(), f"{PROBE} not built (tools/build.sh)"
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        assert ready, "the probe did not start within 20 s"
        self.ready = json.loads(self.proc.stdout.readline())
        assert self.ready["ready"] is True
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        out, err = self.proc.communicate(timeout=20)
        self.stderr = err
        lines = [line for line in out.splitlines() if line.strip()]
        self.result = json.loads(lines[-1]) if lines else None
        return False

    def notices(self, kind):
        return [n["detail"] for n in self.result["notices"] if n["kind"] == kind]


def recv_until(bus, pred, limit_s=10.0):
    """Messages from bus until pred(msg) is true (returned) or limit_s passes (None)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        msg = bus.recv(timeout=0.5)
        if msg is not None and pred(msg):
            return msg
    return None


def counters(bus, n, limit_s=10.0):
    """The next n counter frames' values."""
    values = []
    end = time.monotonic() + limit_s
    while len(values) < n and time.monotonic() < end:
        msg = bus.recv(timeout=0.5)
        if msg is not None and msg.arbitration_id == COUNTER_ID and not msg.is_remote_frame:
            assert msg.dlc == 4 and len(msg.data) == 4
            values.append(struct.unpack("<I", bytes(msg.data))[0])
    return values


def echo_of(bus, msg, limit_s=10.0):
    """Send msg and return the probe's echo (identifier + 1)."""
    bus.send(msg)
    return recv_until(bus, lambda m: m.arbitration_id == msg.arbitration_id + 1, limit_s)


# ---- socketcand ------------------------------------------------------------------------------

def socketcand_bus(port):
    return can.Bus(interface="socketcand", host="127.0.0.1", port=port, channel="can0")


def read_elements(sock, until, limit_s=5.0):
    """Text from a raw socketcand connection until `until` (a string, or a compiled regex) is found
    in it, or EOF, or limit_s."""
    data = b""
    end = time.monotonic() + limit_s
    found = (lambda d: until.search(d.decode("ascii"))) if hasattr(until, "search") else (lambda d: until.encode() in d)
    while not found(data) and time.monotonic() < end:
        ready, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            break
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii")


def test_python_can_socketcand_receives_the_bus_and_sends_to_it():
    with Probe("socketcand:0") as probe:
        assert probe.ready["describe"] == f"socketcand tcp 127.0.0.1:{probe.ready['port']}"
        bus = socketcand_bus(probe.ready["port"])
        try:
            c = counters(bus, 5)
            assert len(c) == 5, c
            assert c == list(range(c[0], c[0] + 5)), c  # none lost once the client is in raw mode

            echo = echo_of(bus, can.Message(arbitration_id=0x305, data=[0, 0x0A, 0, 0, 0xFF, 0x10, 0x2C, 1],
                                            is_extended_id=False))
            assert echo is not None and bytes(echo.data) == bytes([0, 0x0A, 0, 0, 0xFF, 0x10, 0x2C, 1])
            # python-can writes a 29-bit identifier with 8 digits only when it needs them; the
            # server takes an identifier above 0x7FF as 29-bit.
            echo = echo_of(bus, can.Message(arbitration_id=0x18FF50E5, data=[1, 2], is_extended_id=True))
            assert echo is not None and echo.arbitration_id == 0x18FF50E6 and bytes(echo.data) == b"\x01\x02"
            # DLC 0: "< frame 124 T  >" with an empty data field, which python-can parses.
            echo = echo_of(bus, can.Message(arbitration_id=0x123, data=[], is_extended_id=False))
            assert echo is not None and echo.dlc == 0 and bytes(echo.data) == b""
        finally:
            bus.shutdown()
    stats = probe.result["stats"]
    assert probe.result["received"] == 3
    assert stats["malformed"] == 0 and stats["connects"] == 1
    assert stats["rx"] >= 5  # open, rawmode, three sends
    assert probe.notices("listening") and probe.notices("connected")


def test_socketcand_garbage_is_counted_second_client_refused_and_a_client_served_again():
    with Probe("socketcand:127.0.0.1:0") as probe:
        port = probe.ready["port"]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            assert read_elements(raw, "< hi >") == "< hi >"
            raw.sendall(b"this is garbage\n< bogus >")
            assert read_elements(raw, ">") == "< error unknown command >"
            raw.sendall(b"< open can0 >")
            assert read_elements(raw, "< ok >") == "< ok >"
            raw.sendall(b"< rawmode >")
            assert read_elements(raw, "< ok >").startswith("< ok >")
            # Frames flow from 100 ms after the ok on (socketcand.md): wait for the first one.
            assert "< frame 7F0 " in read_elements(raw, "< frame 7F0 ")
            raw.sendall(b"< send 123 9 >" + b"<" + b"x" * 300 + b">" + b"< send 123 1 AA >")
            got = read_elements(raw, re.compile(r"< frame 124 \d+\.\d{6} AA >"))
            assert re.search(r"< frame 124 \d+\.\d{6} AA >", got), got
            # (counter frames may come in between: the probe sends one every 100 ms)
            assert 0 <= got.find("< error syntax error in send >") < got.find("< error element too long >"), got

        bus = socketcand_bus(port)  # the same server serves the next client
        try:
            assert len(counters(bus, 1)) == 1  # frames flow (100 ms after raw mode)
            with socket.create_connection(("127.0.0.1", port), timeout=5) as second:
                refused = read_elements(second, "\0", limit_s=5.0)  # read to EOF
                assert refused == "< error busy: one client at a time >"
            echo = echo_of(bus, can.Message(arbitration_id=0x351, data=[1, 2, 3], is_extended_id=False))
            assert echo is not None and echo.arbitration_id == 0x352 and bytes(echo.data) == b"\x01\x02\x03"
        finally:
            bus.shutdown()
    stats = probe.result["stats"]
    assert stats["malformed"] == 4, probe.result["notices"]
    assert stats["connects"] == 2, probe.result["notices"]
    reasons = probe.notices("malformed")
    assert len(reasons) == 4
    assert any('"this is garbage"' in r for r in reasons), reasons
    assert any("unknown command" in r for r in reasons)
    assert any("longer than 256" in r for r in reasons)
    assert len(probe.notices("refused")) == 1
    assert probe.notices("disconnected")


# ---- SLCAN -----------------------------------------------------------------------------------

def slcan_bus(path, bitrate=500000):
    # sleep_after_open: python-can's default waits 2 s for a USB adapter to boot; a pty is ready.
    return can.Bus(interface="slcan", channel=str(path), bitrate=bitrate, sleep_after_open=0.1)


def test_python_can_slcan_opens_the_pty_like_an_adapter(tmp_path):
    link = tmp_path / "slcan0"
    with Probe(f"slcan:{link}", "--bitrate", 500000) as probe:
        assert link.is_symlink()
        assert probe.ready["describe"].startswith(f"slcan pty {link} -> /dev/pts/")
        bus = slcan_bus(link)
        try:
            c = counters(bus, 5)
            assert len(c) == 5 and c == list(range(c[0], c[0] + 5)), c
            echo = echo_of(bus, can.Message(arbitration_id=0x305, data=[0] * 8, is_extended_id=False))
            assert echo is not None and not echo.is_extended_id and bytes(echo.data) == bytes(8)
            echo = echo_of(bus, can.Message(arbitration_id=0x18FF50E5, data=[0xAB], is_extended_id=True))
            assert echo is not None and echo.is_extended_id and echo.arbitration_id == 0x18FF50E6
            echo = echo_of(bus, can.Message(arbitration_id=0x123, dlc=2, is_remote_frame=True, is_extended_id=False))
            assert echo is not None and echo.is_remote_frame and echo.dlc == 2 and echo.arbitration_id == 0x124
            assert bus.get_version(timeout=5) == (1, 0)
            assert bus.get_serial_number(timeout=5) == "STSM"
        finally:
            bus.shutdown()
    stats = probe.result["stats"]
    assert probe.result["received"] == 3
    assert stats["malformed"] == 0, probe.result["notices"]
    assert stats["connects"] == 1
    assert not probe.notices("bitrate_mismatch")
    assert not probe.notices("error"), probe.notices("error")
    assert not link.is_symlink()  # the probe's stop removed its symlink


def read_reply(port, limit_s=5.0):
    """One SLCAN reply from pyserial: bytes up to and including CR or BEL."""
    data = b""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        b = port.read(1)
        if b:
            data += b
            if b in (b"\r", b"\x07"):
                return data
    return data


def test_slcan_garbage_and_bitrate_mismatch_are_reported_and_the_device_goes_on(tmp_path):
    link = tmp_path / "slcan0"
    with Probe(f"slcan:{link}", "--bitrate", 500000) as probe:
        with serial.Serial(str(link), timeout=0.2) as port:
            port.write(b"S5\r")                                   # 250 kbit/s on a 500 kbit/s bus
            assert read_reply(port) == b"\x07"
            for bad in (b"garbage\r", b"t12\r", b"x" * 100 + b"\r"):
                port.write(bad)
                assert read_reply(port) == b"\x07", bad
            port.write(b"t1230\r")                                # channel not open: refused
            assert read_reply(port) == b"\x07"
            port.write(b"S6\rZ1\rO\r")
            assert [read_reply(port) for _ in range(3)] == [b"\r"] * 3
            line = b""
            end = time.monotonic() + 5
            while not line.startswith(b"t7F04") and time.monotonic() < end:
                line = read_reply(port)
            # t + 3 id digits + DLC 4 + 8 data digits + 4 timestamp digits + CR
            assert line.startswith(b"t7F04") and len(line) == 1 + 3 + 1 + 8 + 4 + 1, line
            port.write(b"t3051AA\r")
            assert read_reply(port) == b"z\r"
        # python-can asks for 250 kbit/s: reported, answered BEL, and the device still serves it.
        bus = slcan_bus(link, bitrate=250000)
        try:
            assert len(counters(bus, 3)) == 3
        finally:
            bus.shutdown()
    stats = probe.result["stats"]
    assert stats["malformed"] == 3, probe.result["notices"]
    assert stats["connects"] == 2, probe.result["notices"]
    assert probe.result["received"] == 1
    mismatch = probe.notices("bitrate_mismatch")
    assert len(mismatch) == 2 and all("500000" in m for m in mismatch), mismatch
    assert "250000" in mismatch[0]
    assert len(probe.notices("error")) == 1  # the transmit while closed
    assert any('"x' in r and "longer than 64" in r for r in probe.notices("malformed"))
