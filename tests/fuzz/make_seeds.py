#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz (corpus/<target>/) from the spec vectors.

The vectors are the worked examples of protocols.md (S2/S20 requests, candump lines), the
hand-encoded INFO/CAN payloads of tests/protocol, socketcand's protocol doc and the Lawicel SLCAN
command list (with what python-can's socketcand and slcan interfaces write); the RS485 framing (LENGTH/LCHKSUM, CHKSUM) is
computed here from its definition, independently of the C++ encoder. Deterministic: running it
again rewrites the same files. Seeds are small on purpose (libFuzzer mutates from them).
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def write(target, name, data):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode("latin-1"))


# ---- RS485 (protocols.md §2.3) --------------------------------------------------------------
def rs485_frame(ver, adr, cid1, cid2, info, lower=False):
    lenid = 2 * len(info)
    lch = (16 - ((lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)) % 16) % 16
    body = "%02X%02X%02X%02X%04X" % (ver, adr, cid1, cid2, (lch << 12) | lenid) + info.hex().upper()
    if lower:  # receivers accept lower-case hex; CHKSUM is over the characters as sent
        body = body.lower()
    return "~" + body + "%04X" % ((0x10000 - sum(body.encode()) % 0x10000) % 0x10000) + "\r"


INFO = {
    # 0x42, 2 cells, 1 temperature, 2 user items (test_proto_pylon_rs485 analog_0x42_hand_encoded)
    "analog_2items": bytes([0x00, 0x02, 0x02, 0x0C, 0xE4, 0x0C, 0xE5, 0x01, 0x0B, 0xA5, 0xFF, 0xD8, 0x19,
                            0xC9, 0xC3, 0x50, 0x02, 0xEA, 0x60, 0x00, 0x0C]),
    # same with 4 user items: 86 Ah / 100 Ah in u24
    "analog_4items": bytes([0x00, 0x02, 0x02, 0x0C, 0xE4, 0x0C, 0xE5, 0x01, 0x0B, 0xA5, 0xFF, 0xD8, 0x19,
                            0xC9, 0xFF, 0xFF, 0x04, 0xFF, 0xFF, 0x00, 0x0C, 0x01, 0x4F, 0xF0, 0x01, 0x86, 0xA0]),
    # system-wide 0x42: flag, 1 module, the 2-item block
    "system_analog": bytes([0x00, 0x01, 0x02, 0x0C, 0xE4, 0x0C, 0xE5, 0x01, 0x0B, 0xA5, 0xFF, 0xD8, 0x19,
                            0xC9, 0xC3, 0x50, 0x02, 0xEA, 0x60, 0x00, 0x0C]),
    # 0x44: 3 cells, 1 temperature, module voltage "other error", status bits, mask 0x0002
    "alarm": bytes([0x00, 0x02, 0x03, 0x00, 0x02, 0x00, 0x01, 0x01, 0x00, 0xF0, 0x00,
                    0x41, 0x06, 0x88, 0x02, 0x00]),
    "alarm_trailing_zero": bytes([0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
    # 0x47 (test system_parameters_0x47)
    "system_parameters": bytes([0x00, 0x0E, 0x42, 0x0A, 0xF0, 0x09, 0xC4, 0x0C, 0xD1, 0x0A, 0xAB, 0x03, 0xE8,
                                0xE4, 0x20, 0xAF, 0x00, 0x9C, 0x40, 0x0D, 0x03, 0x09, 0xE3, 0xFC, 0x18]),
    # 0x92 (test management_0x92_hand_encoded)
    "management": bytes([0x02, 0xDD, 0xE0, 0xAF, 0x00, 0x02, 0xE4, 0xFA, 0x38, 0xC0]),
    # 0x51: "4K4PRO", 1.7, "WeCo"
    "manufacturer": b"4K4PRO\0\0\0\0" + bytes([1, 7]) + b"WeCo" + bytes(16),
    # 0x99 join: Sub#3 joins
    "join": bytes([0x03, 0x01]),
    # 0x93: command byte + 16 ASCII bytes (protocols.md §2.7)
    "serial_number": bytes([0x02]) + b"STACKSIM-4K4-002",
}


def seeds_rs485():
    frames = {
        "request_analog_adr2": rs485_frame(0x20, 0x02, 0x46, 0x42, bytes([0x02])),  # ~20024642E00202FD33
        "request_analog_all": rs485_frame(0x20, 0x02, 0x46, 0x42, bytes([0xFF])),   # ~20024642E002FFFD09
        "request_protocol_version": rs485_frame(0x20, 0x02, 0x46, 0x4F, b""),
        "request_join": rs485_frame(0x20, 0x03, 0x46, 0xE0, bytes([0x03, 0x01])),
        "response_error_chksum": rs485_frame(0x20, 0x02, 0x46, 0x02, b""),
        "lower_case_hex": rs485_frame(0x20, 0x0A, 0x46, 0x42, bytes([0x0A]), lower=True),
        "bad_chksum": "~20024642E00202FD34\r",
    }
    for key in ("analog_2items", "alarm", "management", "manufacturer", "system_parameters", "serial_number"):
        frames["response_" + key] = rs485_frame(0x20, 0x02, 0x46, 0x00, INFO[key])
    for name, f in frames.items():
        write("fuzz_pylon_rs485_frame", name, f)
    assert frames["request_analog_adr2"] == "~20024642E00202FD33\r"
    assert frames["request_analog_all"] == "~20024642E002FFFD09\r"
    for name, info in INFO.items():
        write("fuzz_pylon_rs485_info", name, info)


# ---- RS485 host port: head byte, then chunks [u8 length][u8 delay ms][bytes] -----------------
def chunk(data, delay_ms=0):
    data = data.encode("latin-1") if isinstance(data, str) else data
    assert len(data) < 256 and delay_ms < 256
    return bytes([len(data), delay_ms]) + data


def seeds_host_port():
    req2 = rs485_frame(0x20, 0x02, 0x46, 0x42, bytes([0x02]))
    req_all = rs485_frame(0x20, 0x02, 0x46, 0x42, bytes([0xFF]))
    poll_only = bytes([0, 0xFF])
    # head 0x82: gap 35 ms, default length bound; 0x05: gap 86 ms, bound 1 + 2 = 3 characters
    write("fuzz_rs485_host_port", "one_request", bytes([0x82]) + chunk(req2))
    write("fuzz_rs485_host_port", "request_in_pieces", bytes([0x82]) + chunk(req2[:7]) + chunk(req2[7:12], 10) +
          chunk(req2[12:], 20))
    write("fuzz_rs485_host_port", "two_requests_one_write", bytes([0x82]) + chunk(req2 + req_all))
    write("fuzz_rs485_host_port", "noise_then_request", bytes([0x82]) + chunk("xy\x01" + req2))
    write("fuzz_rs485_host_port", "crlf_then_silence", bytes([0x82]) + chunk(req2 + "\n") + poll_only)
    write("fuzz_rs485_host_port", "gap_inside_a_frame", bytes([0x82]) + chunk(req2[:5]) + chunk(req2[5:], 200))
    write("fuzz_rs485_host_port", "bad_chksum", bytes([0x82]) + chunk("~20024642E00202FD34\r"))
    write("fuzz_rs485_host_port", "length_bound", bytes([0x05]) + chunk("ABCDEFGH") + chunk(req2, 1))
    write("fuzz_rs485_host_port", "binary_noise", bytes([0x80]) + chunk(bytes(range(0, 256, 7))))


# ---- candump -L (protocols.md §4.3, test_proto_candump) ------------------------------------
def seeds_candump():
    write("fuzz_candump", "pylon_set.log",
          "(1700000000.123456) can0 351#0E02E803E8030000\n"
          "(1700000000.223456) can0 355#5A006400\n"
          "(1700000000.323456) can0 356#4E1464FFFA00\n"
          "(1700000000.423456) can0 359#00000000015045\n"
          "(1700000000.523456) can0 35C#C000\n"
          "(1700000000.623456) can0 35E#50594C4F4E202020\n")
    write("fuzz_candump", "forms.log",
          "(0.000001) vcan0 123#R\n"
          "(0.000001) vcan0 123#R5\r\n"
          "(12.500000) can1 18FF50E5#0102\n"
          "  (1.000000) can0 35e#50.59.4c.4f.4e\n"
          "\n"
          "(1.000000) can0 305#\n")
    write("fuzz_candump", "malformed.log",
          "(1700000000.1234) can0 351#00\n"
          "(1.000000) can0 3510#00\n"
          "(1.000000) can0 20000080#0000000000000000\n"
          "(1.000000) can0 351##100\n"
          "(1.000000) can0 351#00 extra\n")


# ---- CAN records: flags (b0 ext, b1 rtr, b7..b4 DLC), u32 LE id, 8 data bytes ---------------
def rec(can_id, data, ext=False, rtr=False, dlc=None):
    dlc = len(data) if dlc is None else dlc
    flags = (1 if ext else 0) | (2 if rtr else 0) | (dlc << 4)
    return bytes([flags]) + struct.pack("<I", can_id) + bytes(data).ljust(8, b"\0")


def seeds_can():
    pylon = [rec(0x351, [0x2C, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0xC0, 0x01]),
             rec(0x355, [0x5A, 0x00, 0x64, 0x00]),
             rec(0x356, [0x4E, 0x14, 0x64, 0xFF, 0xFA, 0x00]),
             rec(0x359, [0x00, 0x80, 0x00, 0x00, 0x01, 0x50, 0x4E]),
             rec(0x35C, [0xE0, 0x00]),
             rec(0x35E, list(b"PYLON   "))]
    sma = [rec(0x351, [0x2C, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0xC0, 0x01]),
           rec(0x355, [0x5A, 0x00, 0x64, 0x00, 0x28, 0x23, 0x00, 0x00]),
           rec(0x356, [0x4E, 0x14, 0x64, 0xFF, 0xFA, 0x00, 0x00, 0x00]),
           rec(0x35A, [0x0F, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA]),
           rec(0x35E, list(b"STACKSIM")),
           rec(0x35F, [0x4C, 0x46, 0x01, 0x02, 0xC8, 0x00, 0x00, 0x00])]
    victron = [rec(0x370, list(b"STACKSIM")), rec(0x371, list(b"-MASTER\0")),
               rec(0x372, [3, 0, 0, 0, 0, 0, 0, 0]),
               rec(0x373, [0xE4, 0x0C, 0xE8, 0x0C, 0x2A, 0x01, 0x2C, 0x01]),
               rec(0x374, list(b"M1C03\0\0\0")), rec(0x375, list(b"M2C16\0\0\0")),
               rec(0x376, list(b"M1T1\0\0\0\0")), rec(0x377, list(b"M3T2\0\0\0\0")),
               rec(0x378, [0x10, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00]),
               rec(0x379, [0x2C, 0x01])]
    inverter = [rec(0x305, [0] * 8),
                rec(0x305, [0x10, 0x02, 0x9C, 0xFF, 0xFA, 0x00, 0x84, 0x03]),
                rec(0x306, [0x64, 0x00, 0x01, 0x02, 0x00, 0x00, 0x30, 0x02]),
                rec(0x307, [0x01, 0x00, 0, 0, 0, 0, 0, 0])]
    odd = [rec(0x351, [0xFF, 0xFF, 0x00, 0x80, 0x01, 0x00], dlc=6), rec(0x351, [], rtr=True, dlc=8),
           rec(0x18FF50E5, [1, 2], ext=True), rec(0x359, [1, 2, 3, 4, 5], dlc=5)]
    write("fuzz_pylon_can", "pylon_v12_set", b"".join(pylon))
    write("fuzz_pylon_can", "sma_set", b"".join(sma))
    write("fuzz_pylon_can", "victron_extras", b"".join(victron))
    write("fuzz_pylon_can", "inverter", b"".join(inverter))
    write("fuzz_pylon_can", "odd_frames", b"".join(odd))
    # can_bits: pairs of frames (0x305 with 8 zero bytes = 125 bits, protocols.md §3.1)
    write("fuzz_can_bits", "heartbeat_vs_limits", rec(0x305, [0] * 8) + rec(0x351, [0x2C, 0x02, 0xE8, 0x03, 0xE8, 0x03]))
    write("fuzz_can_bits", "standard_vs_extended", rec(0x123, [], rtr=True, dlc=5) + rec(0x123 << 18, [0xFF] * 8, ext=True))
    write("fuzz_can_bits", "same_id_data_vs_remote", rec(0x7FF, [0xFF] * 8) + rec(0x7FF, [], rtr=True, dlc=8))


# ---- control port (docs/cosim.md, "Live control"): JSON lines -----------------------------------
def seeds_control():
    # First byte: chunk size selector (see fuzz_control_protocol.cpp); then the stream.
    write("fuzz_control_protocol", "state", b"\x00" + b'{"get": "state"}\n')
    write("fuzz_control_protocol", "state_with_id_crlf", b"\x03" + b'{"get":"state","id":7}\r\n')
    write("fuzz_control_protocol", "cell_short", b"\x05" +
          b'{"action": "cell_short", "module": 1, "cell": 4, "r_ohm": 0.01, "id": "a"}\n')
    write("fuzz_control_protocol", "setpoint_then_state", b"\x01" +
          b'{"action":"inverter_power_w","value":-2000}\n{"get":"state"}\n')
    write("fuzz_control_protocol", "garbage", b"\x02" + b'not json\n[1,2]\n{"get":"voltage"}\n{"action":5}\n')
    write("fuzz_control_protocol", "unfinished", b"\x04" + b'{"action": "rs485_hop_cut", "hop"')

# ---- host CAN bridges (docs/protocols/socketcand.md, slcan.md) -----------------------------
def seeds_host_can():
    # socketcand: byte 0 = chunking pattern, then the client's bytes.
    sc = {
        "python_can_session": "< open can0 >< rawmode >< send 305 8 0 a 0 0 ff 10 2c 1 >< send 18FF50E5 2 1 2 >"
                              "< send 7FF 0  >< echo >",
        "protocol_doc": "< open vcan0 >< send 123 0 >< send 1AAAAAAA 2 1 F1 >< sendrtr 123 0 >< sendrtr 1AAAAAAA 2 >"
                        "< rawmode >< bcmmode >< rawmode >",
        "malformed_mix": "hello\n< send 123 0 >< open can0 >< bogus >< send 123 9 >< send 123 2 11 >"
                         "< subscribe 0 0 123 >< <echo>< send 3FFFFFFF 0 >\r\n< send 123 1 AA >",
        "over_long": "< open can0 >< send 123 1 " + "A" * 300 + " >< send 123 1 AA >" + "x" * 300 + "\n",
    }
    for i, (name, text) in enumerate(sc.items()):
        write("fuzz_socketcand", name, bytes([0x35 + i]) + text.encode())
    # slcan: byte 0 = chunking pattern, byte 1 = bus bit rate index (6 = 500 kbit/s), then the host's bytes.
    sl = {
        "python_can_open": (6, "C\rS6\rO\rt30580000000000000000\rr1230\rT18FF50E5201F1\rR1AAAAAAA2\rC\r"),
        "lawicel_examples": (6, "O\rt00231199FF\rr0023\rt123499887766\rT1234567829988\rF\rV\rN\r"),
        "timestamps_listen": (4, "Z1\rL\rt1230\rC\rZ0\rS4\rO\rt35e80a0b0c0d0e0f1011\n"),
        "malformed_mix": (6, "garbage\rS5\rS9\rt12\rO\rt1239\rt80000\rT2000000000\rr12310\rZ2\r\x07\r"
                             + "t" * 100 + "\rt1230\r"),
    }
    for i, (name, (rate, text)) in enumerate(sl.items()):
        write("fuzz_slcan", name, bytes([0x53 + i, rate]) + text.encode("latin-1"))
    # struct can_frame records (little-endian host order, as on x86-64 and arm64).
    def cf(can_id, data, dlc=None):
        dlc = len(data) if dlc is None else dlc
        return struct.pack("<IB3x", can_id, dlc) + bytes(data).ljust(8, b"\0")
    write("fuzz_socketcan_frame", "frames", cf(0x351, [0x2C, 0x02, 0xE8, 0x03]) + cf(0x98FF50E5, [1, 2])
          + cf(0x40000123, [], dlc=5) + cf(0xDAAAAAAA, [], dlc=2) + cf(0x305, [0] * 8))
    write("fuzz_socketcan_frame", "refused", cf(0x20000004, [0] * 8) + cf(0x123, [], dlc=9) + cf(0x800, [])
          + cf(0x351, [1, 2, 3])[:11])


# ---- BQ76952 I2C command interface (TRM SLUUBY2B, SLUAA11B examples) -------------------------
# Byte 0: cells wired (b % 16 + 1); then operations: 0 write [len][bytes], 3 read [len],
# 7 well-formed subcommand/data-memory write [lo][hi][len][data] (checksum/length added by the target).
def bq_write(*b):
    return bytes([0, len(b)]) + bytes(b)


def bq_read(n):
    return bytes([3, n])


def seeds_bq76952():
    sixteen = bytes([15])
    write("fuzz_bq76952", "device_number", sixteen + bq_write(0x3E, 0x01, 0x00) + bq_write(0x3E) + bq_read(2)
          + bq_write(0x61) + bq_read(1) + bq_write(0x40) + bq_read(2) + bq_write(0x60) + bq_read(1))
    # TRM §13.1: Cell 1 Gain = 0x307A at 0x9180, checksum 0x44, length 6, inside CONFIG_UPDATE.
    write("fuzz_bq76952", "trm_dm_write", sixteen + bq_write(0x3E, 0x90, 0x00) + bq_write(0x3E, 0x80, 0x91, 0x7A, 0x30)
          + bq_write(0x60, 0x44, 0x06) + bq_write(0x3E, 0x80, 0x91) + bq_read(36) + bq_write(0x3E, 0x92, 0x00))
    write("fuzz_bq76952", "bad_checksum", sixteen + bq_write(0x3E, 0x90, 0x00) + bq_write(0x3E, 0x78, 0x92, 70)
          + bq_write(0x60, 0x00, 0x05))
    # Protections set-up through the structured write (op 7): COV threshold/delay, FET_EN, exit.
    write("fuzz_bq76952", "protection_setup", sixteen + bq_write(0x3E, 0x90, 0x00) + bytes([7, 0x78, 0x92, 3, 72, 28, 0])
          + bytes([7, 0x43, 0x93, 2, 0x50, 0x00]) + bq_write(0x3E, 0x92, 0x00) + bq_write(0x3E, 0x22, 0x00))
    write("fuzz_bq76952", "balancing_and_status", bytes([13]) + bytes([7, 0x83, 0x00, 2, 0xFF, 0x3F])
          + bq_write(0x00) + bq_read(64) + bq_write(0x62, 0xFF, 0xFF) + bq_write(0x3E, 0x71, 0x00) + bq_read(36)
          + bq_write(0x3E, 0x95, 0x00) + bq_write(0x3E, 0x96, 0x00) + bq_write(0x3E, 0x12, 0x00))
# ---- firmware RPC (models/firmware/fw_rpc.h): one datagram per seed -------------------------
def rpc(kind, fn=0, now=0, args=(), blobs=()):
    """The wire format as fw_rpc.h defines it: magic, kind, fn, counts, now_ns, args, blobs."""
    out = struct.pack("<BBBBBQ", 0xF7, kind, fn, len(args), len(blobs), now)
    out += b"".join(struct.pack("<Q", a & 0xFFFFFFFFFFFFFFFF) for a in args)
    for b in blobs:
        out += struct.pack("<I", len(b)) + b
    return out


def seeds_fw_rpc():
    t = "fuzz_fw_rpc"
    write(t, "power_on", rpc(1, now=0))
    write(t, "timer", rpc(3, now=250_000_000, args=[1]))
    write(t, "uart_rx", rpc(4, now=520_833_333, args=[0],
                            blobs=[b"~2", struct.pack("<2Q", 520_833_333, 521_875_000)]))
    write(t, "can_rx", rpc(5, now=300_000_000, args=[0x305, 0, 0, 8, 300_000_000], blobs=[bytes(8)]))
    write(t, "reply_data", rpc(7, now=1_000_250, args=[0], blobs=[b"\xA0\xA1"]))
    write(t, "reply_nack", rpc(7, now=1_000_000, args=[-1]))
    write(t, "hello", rpc(32, args=[0x10000, 200], blobs=[b"example-bms 1.0"]))
    write(t, "load_failed", rpc(33, blobs=[b"libfw.so: cannot open shared object file"]))
    write(t, "done", rpc(34))
    write(t, "i2c_write_read", rpc(35, fn=3, args=[0x08, 2], blobs=[b"\x14"]))
    write(t, "can_send", rpc(35, fn=5, args=[0x351, 0, 0, 6], blobs=[bytes([0x2C, 0x02, 0xE8, 0x03, 0xE8, 0x03])]))
    write(t, "log", rpc(35, fn=14, args=[1, 0], blobs=[b"", b"boot", b"hello"]))
    write(t, "publish_module", rpc(35, fn=15, args=[0x3F] + [0] * 11))
    write(t, "truncated", rpc(35, fn=3, args=[0x08, 2], blobs=[b"\x14"])[:-2])


if __name__ == "__main__":
    seeds_rs485()
    seeds_host_port()
    seeds_candump()
    seeds_can()
    seeds_control()
    seeds_host_can()
    seeds_bq76952()
    seeds_fw_rpc()
