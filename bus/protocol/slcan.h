// SLCAN (Lawicel CANUSB ASCII protocol), device side: what a CANUSB, CANable or USBtin adapter
// answers on its serial port, so that python-can's `slcan` interface, Linux's slcand and other
// SLCAN hosts talk to the simulated bus as to a USB-CAN adapter. docs/protocols/slcan.md.
//
// Commands end with CR (a LF also ends one; empty lines are ignored). Replies: CR = OK,
// BEL (0x07) = error.
//
//   Sn     bit rate n = 0..8 (10k 20k 50k 100k 125k 250k 500k 800k 1M), channel closed only.
//          A rate other than the simulated bus's is answered BEL and reported (bitrate_mismatch);
//          the bus keeps its rate.
//   O / L  open the channel (L: listen only, frames from the host refused); CR if already open in
//          the same mode (python-can sends O twice, as CANable firmware allows), BEL in the other
//   C      close the channel (CR also when it is closed already, as CANable firmware does)
//   tiiildd..      transmit an 11-bit data frame   -> z CR
//   Tiiiiiiiildd.. transmit a 29-bit data frame    -> Z CR
//   riiil / Riiiiiiiil  remote frames               -> z CR / Z CR
//                  (channel open in normal mode only; hex digits of either case)
//   V      version         -> V0100 CR (hardware 01, software 00)
//   N      serial number   -> NSTSM CR
//   F      status flags    -> Fxx CR (bit 3 data overrun: frames for the host were dropped since
//                             the last F), channel open only
//   Zn     timestamps off/on (n = 0/1), channel closed only
//
// Frames to the host while the channel is open: tiiildd..[tttt] CR, Tiiiiiiiildd..[tttt] CR,
// riiil[tttt] CR, Riiiiiiiil[tttt] CR (upper-case hex); tttt is the time in milliseconds modulo
// 60000 in 4 hex digits, present while timestamps are on.
//
// Malformed: an unknown or unsupported command, wrong length or digits, a DLC above 8, a line
// longer than slcan_max_line_chars (the rest up to the next CR or LF is skipped). A well-formed
// command the current state forbids (t while closed, S while open, ...) is `refused`. Each gets
// BEL and a reason; the session goes on.
//
// The session is pure: bytes in (any chunking gives the same result), frames, replies and reasons
// out. No serial port, no clock, no threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/can_frame.h"

namespace stacksim::proto {

// The longest line accepted without its CR. The longest valid command, T with 8 data bytes, has
// 26 characters.
constexpr std::size_t slcan_max_line_chars = 64;
constexpr char slcan_ok = '\r';
constexpr char slcan_error = '\a'; // BEL
// Bit rate of S0..S8, bit/s (Lawicel, CANable, USBtin).
constexpr std::array<std::uint32_t, 9> slcan_bitrates_bps = {10000,  20000,  50000,  100000, 125000,
                                                             250000, 500000, 800000, 1000000};

enum class slcan_issue_kind {
    malformed,        // not a valid command
    refused,          // valid command, but not in this state
    bitrate_mismatch, // S with a rate other than the simulated bus's
};

struct slcan_issue {
    slcan_issue_kind kind;
    std::string reason; // offending line quoted
};

// What one feed() produced, appended in input order.
struct slcan_output {
    std::vector<can_frame> frames;   // frames from the host, valid, payload past dlc 0
    std::string replies;             // bytes to send back
    std::vector<slcan_issue> issues; // one per rejected line
    std::vector<std::string> events; // accepted state changes: "open", "open listen-only", "closed", "timestamps on"
    std::size_t units = 0;           // non-empty lines received, good or bad
    void clear();
};

class slcan_session {
public:
    // bus_bitrate_bps: the simulated bus's bit rate, compared with the host's S command.
    explicit slcan_session(std::uint32_t bus_bitrate_bps);

    // Take received bytes (any chunking).
    void feed(std::string_view bytes, slcan_output& out);
    // The host reopened the port: channel closed, timestamps off, nothing buffered.
    void reset();

    bool is_open() const { return m_open; }
    bool listen_only() const { return m_listen_only; }
    bool timestamps() const { return m_timestamps; }
    // Characters held for a line not yet complete (never above the bound).
    std::size_t buffered_chars() const { return m_line.size(); }

    // A frame for the host was dropped: the next F reports a data overrun.
    void note_overrun() { m_overrun = true; }
    // The line for a frame that ended on the bus at t_s, or "" while the channel is closed.
    std::string frame_to_host(const can_frame& f, double t_s) const;

private:
    void handle_line(std::string_view line, slcan_output& out);
    void issue(slcan_issue_kind kind, std::string reason, slcan_output& out);

    std::uint32_t m_bus_bitrate_bps;
    std::string m_line;
    bool m_skipping = false; // an over-long line is being skipped up to its end
    bool m_open = false;
    bool m_listen_only = false;
    bool m_timestamps = false;
    bool m_overrun = false;
};

// A frame as the device sends it, CR included; with_timestamp appends tttt (t_s in milliseconds
// modulo 60000; negative or non-finite -> 0). An invalid frame -> std::invalid_argument.
std::string format_slcan_frame(const can_frame& f, bool with_timestamp, double t_s);

// The host's transmit command for a frame, CR included ("t3514...\r"): the same text without the
// timestamp. For tests and hosts written in C++.
std::string format_slcan_transmit(const can_frame& f);

// The index n of Sn for a bit rate, or -1 when no Sn has it.
int slcan_bitrate_index(std::uint32_t bitrate_bps);

} // namespace stacksim::proto
