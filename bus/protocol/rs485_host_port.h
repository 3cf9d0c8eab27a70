// Bytes from a host program (a pty or a TCP client standing in for a USB-RS485 adapter) grouped
// into the transmissions a real adapter would drive onto the RS485 line: the receive side of the
// RS485 bridge (bus/tlm/rs485_bridge.h), kept free of SystemC and threads so that it can be fuzzed.
//
// A transmission is a run of characters sent back to back. It ends:
//   - after a CR (0x0D): a Pylontech frame is '~' ... CR (pylon_rs485.h; receivers in the wild
//     frame on '~' ... CR, protocols.md §2.2, §3.2);
//   - before a '~' that arrives while a transmission is open: receivers resynchronise on SOI, so
//     the characters before it (an unfinished frame, noise) and the new frame go out as two
//     transmissions, the second right behind the first;
//   - when no byte has come for `idle_gap_s` (a host that stopped in the middle: its characters
//     were on the wire all the same);
//   - at `max_chars` characters without a CR (the longest Pylontech frame, 18 + 4095, by default);
//   - when the client goes away (flush()).
// Every byte the host sends ends up in exactly one transmission, in order; nothing is dropped or
// altered here: garbage is characters on the wire too, and the receivers reject it (decode_frame).
// Each transmission is judged with decode_frame: `well_formed` or a `problem` saying why not
// (the reason a receiver gives, or how the transmission ended), which the bridge counts and logs.
//
// Times are seconds on any clock that does not go backwards (the bridge uses the steady wall
// clock); a transmission carries the arrival of its first and of its last byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/pylon_rs485.h"

namespace stacksim::proto {

struct rs485_host_port_config {
    double idle_gap_s = 0.05;                                        // silence that ends an open transmission
    std::size_t max_chars = rs485_frame_overhead_chars + 0xFFF;      // 4113: LENID 4095 + 18
};

enum class rs485_tx_end {
    cr,          // ended by its CR: a candidate frame
    soi,         // a '~' started the next frame
    gap,         // silence of idle_gap_s
    length,      // max_chars without a CR
    flush,       // the client went away (or the caller closed it)
};
const char* to_string(rs485_tx_end e);

struct rs485_transmission {
    std::string chars;            // every character, as received
    double first_s = 0.0;         // arrival of its first byte
    double last_s = 0.0;          // arrival of its last byte
    rs485_tx_end ended_by = rs485_tx_end::cr;
    bool well_formed = false;     // a complete frame that decode_frame accepts
    std::string problem;          // why not well-formed (empty when it is)
};

class rs485_host_port {
public:
    explicit rs485_host_port(rs485_host_port_config cfg = {});
    const rs485_host_port_config& config() const { return m_cfg; }

    // `bytes` arrived at `t_s` (not before the previous call's time; an earlier time is taken as
    // the previous one). Transmissions completed by them, or by the silence before them (also
    // when `bytes` is empty), are appended to `out`, in order.
    void feed(std::string_view bytes, double t_s, std::vector<rs485_transmission>& out);
    // When the open transmission ends by silence if nothing else comes (nullopt: none open).
    std::optional<double> gap_deadline() const;
    // At `t_s`: end the open transmission if its deadline has come (appended to `out`).
    void poll(double t_s, std::vector<rs485_transmission>& out);
    // End the open transmission now, whatever it holds (a client that disconnected).
    void flush(std::vector<rs485_transmission>& out);

    bool open() const { return !m_open.chars.empty(); }
    std::uint64_t bytes() const { return m_bytes; }
    std::uint64_t transmissions() const { return m_transmissions; }
    std::uint64_t malformed() const { return m_malformed; }

private:
    void close(rs485_tx_end why, std::vector<rs485_transmission>& out);

    rs485_host_port_config m_cfg;
    rs485_transmission m_open;  // chars empty = none open
    double m_last_s = 0.0;
    std::uint64_t m_bytes = 0;
    std::uint64_t m_transmissions = 0;
    std::uint64_t m_malformed = 0;
};

// `chars` as printable text for a log: printable ASCII as is, '\\' as "\\\\", CR as "\\r", LF as
// "\\n", anything else as "\\xHH"; cut to `max_chars` characters of input with "..." appended.
std::string escape_for_log(std::string_view chars, std::size_t max_chars = 80);

} // namespace stacksim::proto
