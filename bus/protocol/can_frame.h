// A classical CAN frame as a plain value (11- or 29-bit identifier, data or remote frame).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>

namespace stacksim::proto {

constexpr std::uint32_t can_std_id_max = 0x7FFu;      // 11-bit identifier
constexpr std::uint32_t can_ext_id_max = 0x1FFFFFFFu; // 29-bit identifier
constexpr std::uint8_t can_max_dlc = 8;               // classical CAN payload, bytes

struct can_frame {
    std::uint32_t id = 0;      // 11-bit (0..0x7FF) or, with `extended`, 29-bit identifier
    bool extended = false;     // IDE: 29-bit identifier
    bool rtr = false;          // remote frame (no data on the wire; `dlc` is still sent)
    std::uint8_t dlc = 0;      // 0..8; for data frames the number of payload bytes
    std::array<std::uint8_t, 8> data{}; // payload; bytes at and after `dlc` are unused (kept 0)

    // Number of data bytes actually on the wire (0 for remote frames).
    unsigned payload_bytes() const { return rtr ? 0u : dlc; }
};

// A data frame from bytes (at most 8; extra bytes are an error -> std::invalid_argument).
can_frame make_can_frame(std::uint32_t id, std::initializer_list<std::uint8_t> bytes, bool extended = false);
// A remote frame requesting `dlc` bytes.
can_frame make_can_remote(std::uint32_t id, std::uint8_t dlc = 0, bool extended = false);

// True when the identifier fits its format and dlc <= 8.
bool is_valid(const can_frame& f);

// Equality of what is on the wire: id, format, rtr, dlc and the first payload_bytes() bytes.
bool operator==(const can_frame& a, const can_frame& b);
inline bool operator!=(const can_frame& a, const can_frame& b) { return !(a == b); }

// An identifier as text for messages and events: "0x" and upper-case hex, 3 digits for an 11-bit
// identifier ("0x351", "0x035"), 8 for a 29-bit one ("0x18FF50E5"), as candump writes them.
// Every CAN identifier in stacksim's human-readable text goes through this.
std::string can_id_text(std::uint32_t id, bool extended = false);

// cansend/candump notation: "351#0E02E803" / "12345678#R" / "123#R5" (upper-case hex, no
// separators); an invalid frame (is_valid false) -> std::invalid_argument.
std::string format_can_frame(const can_frame& f);
// The same notation on a stream.
std::ostream& operator<<(std::ostream& os, const can_frame& f);

} // namespace stacksim::proto
