// Hexadecimal digits as the text protocols use them (candump logs, Pylontech ASCII-hex frames).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stacksim::proto {

// Value of one hex digit (either case), or -1 if c is not one.
inline int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// 1 .. max_digits hex digits (either case, nothing else) -> v; false (v unspecified) otherwise.
inline bool parse_hex(std::string_view s, std::size_t max_digits, std::uint32_t& v) {
    if (s.empty() || s.size() > max_digits)
        return false;
    v = 0;
    for (char c : s) {
        const int d = hex_value(c);
        if (d < 0)
            return false;
        v = (v << 4) | static_cast<std::uint32_t>(d);
    }
    return true;
}

// Append `v` as `digits` upper-case hex digits, high nibble first (zero padded, cut to `digits`).
inline void append_hex(std::string& s, std::uint32_t v, unsigned digits) {
    static constexpr char upper[] = "0123456789ABCDEF";
    for (unsigned i = digits; i-- > 0;)
        s.push_back(upper[(v >> (4 * i)) & 0xFu]);
}

} // namespace stacksim::proto
