"""Helpers for the co-simulation tests (docs/cosim.md): a wall-clock run of the CLI in the
background, free loopback ports, bounded waits, and a line client for the control port.

Every server binds to 127.0.0.1; every wait is bounded in count and time."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import time

from conftest import CLI, ROOT


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout_s, what, period_s=0.02):
    """Poll `predicate` until it returns a true value (returned) or timeout_s passes (AssertionError)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(period_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


class RealtimeRun:
    """`stacksim run SCENARIO --realtime[=FACTOR] --out OUT ...` in the background."""

    def __init__(self, out, *args, scenario="default", factor=None):
        self.out = pathlib.Path(out)
        rt = "--realtime" if factor is None else f"--realtime={factor}"
        env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        self.proc = subprocess.Popen([str(CLI), "run", scenario, "--out", str(out), "--quiet", rt, *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.started = time.monotonic()
        self.stdout = self.stderr = None

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout_s=60):
        if self.alive():
            self.proc.send_signal(sig)
        self.stdout, self.stderr = self.proc.communicate(timeout=timeout_s)
        return self.proc.returncode

    def wait(self, timeout_s):
        self.stdout, self.stderr = self.proc.communicate(timeout=timeout_s)
        return self.proc.returncode

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.communicate(timeout=30)

    def summary(self):
        return json.loads((self.out / "summary.json").read_text())

    def events(self):
        path = self.out / "events.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def connect_tcp(port, timeout_s=10.0):
    """A socket connected to 127.0.0.1:port, retrying while the server starts."""
    def attempt():
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1.0)
        except OSError:
            return None
    return wait_for(attempt, timeout_s, f"a server on 127.0.0.1:{port}", period_s=0.05)


class ControlClient:
    """JSON lines over TCP (docs/cosim.md, "Live control"), written from the protocol text."""

    def __init__(self, port, timeout_s=10.0):
        self.sock = connect_tcp(port, timeout_s)
        self.sock.settimeout(5.0)
        self.buf = b""

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def read_line(self):
        deadline = time.monotonic() + 5.0
        while b"\n" not in self.buf:
            if time.monotonic() > deadline:
                raise AssertionError("no reply line within 5 s")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("control port closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, obj):
        self.sock.sendall((json.dumps(obj) + "\n").encode())
        return self.read_line()

    def state(self):
        reply = self.request({"get": "state"})
        assert reply["ok"] is True, reply
        return reply["state"]

    def close(self):
        self.sock.close()
