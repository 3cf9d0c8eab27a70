// `candump -L` log lines: "(1700000000.123456) can0 351#0E02E803E8030000".
// The project's CAN log format (can.log) and the format of captures from real stacks
// (protocols.md §4.3). Identifiers: 3 hex digits = 11-bit, 8 hex digits = 29-bit; remote frames
// "123#R" or "123#R5" (DLC 5); timestamps in seconds with exactly 6 decimals.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/can_frame.h"

namespace stacksim::proto {

// A frame alone in this notation: format_can_frame (protocol/can_frame.h).

// One log line without a line end. The time is rounded to the nearest microsecond
// (half away from zero); negative or non-finite times throw std::invalid_argument.
std::string format_candump_line(double time_s, std::string_view interface, const can_frame& f);
// Exact variant: time in whole microseconds.
std::string format_candump_line_us(std::uint64_t time_us, std::string_view interface, const can_frame& f);

struct candump_record {
    std::uint64_t time_us = 0;   // timestamp, whole microseconds (exact)
    std::string interface;       // "can0"
    can_frame frame;
    double time_s() const { return static_cast<double>(time_us) * 1e-6; }
};

// A parsed line or the reason it is not one. Never throws.
struct candump_parse_result {
    bool ok = false;
    candump_record record;
    std::string error;  // "line 3: expected '#' after the identifier" when !ok
};

// Parse one line (a trailing CR/LF and surrounding blanks are ignored). `line_no` (1-based) only
// goes into the error text; 0 omits it.
candump_parse_result parse_candump_line(std::string_view line, unsigned line_no = 0);

struct candump_log {
    std::vector<candump_record> records;
    std::vector<std::string> errors;   // one per malformed line, in order; empty lines are skipped
};
// Parse a whole log; malformed lines are reported and skipped, parsing goes on.
candump_log parse_candump_log(std::istream& in);

} // namespace stacksim::proto
