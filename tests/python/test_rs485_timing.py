"""rs485.log timing of the default run (9600 8N1): every frame occupies exactly
(characters incl. the final CR) x 10 bits / 9600 baud on the line, to the log's 1 ns resolution
(the 128-character case is covered exactly in tests/sc/test_rs485_chain.cpp and
tests/protocol/test_proto_uart.cpp)."""

import pytest


def test_every_frame_lasts_its_character_time(default_run):
    n = 0
    for line in open(default_run / "rs485.log"):
        start, end, segment, sender, frame, *flags = line.split()
        chars = len(frame) + 1  # the log shows the frame without its CR (EOI)
        assert float(end) - float(start) == pytest.approx(chars * 10 / 9600, abs=2e-9), line
        n += 1
    assert n > 10000


def test_poll_cycle_figures(default_run):
    """One poll of Sub#1 at 10 s, by hand: request 20 chars = 20.833 ms; answer after the
    20 ms response latency + 10 us driver enable; 0x42 answer of 16 cells / 4 NTCs = 140 chars."""
    rows = [l.split() for l in open(default_run / "rs485.log")]
    cycle = [r for r in rows if r[2] == "hop0" and 10.0 <= float(r[0]) < 10.3]
    req, ans = cycle[0], cycle[1]
    assert req[3] == "m0" and req[4][7:9] == "42" and ans[3] == "m1"
    assert float(req[1]) - float(req[0]) == pytest.approx(20 * 10 / 9600, abs=2e-9)
    assert len(ans[4]) + 1 == 140
    gap = float(ans[0]) - float(req[1])
    # response latency 20 ms + driver enable 10 us (+ 0.5 m x 5 ns/m propagation to m1, and back)
    assert gap == pytest.approx(0.020 + 10e-6, abs=10e-9)
