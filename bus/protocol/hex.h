// Hexadecimal digits as the text protocols use them (candump logs, Pylontech ASCII-hex frames).
#pragma once

#include <cstdint>
#include <string>

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

// Append `v` as `digits` upper-case hex digits, high nibble first (zero padded, cut to `digits`).
inline void append_hex(std::string& s, std::uint32_t v, unsigned digits) {
    static constexpr char upper[] = "0123456789ABCDEF";
    for (unsigned i = digits; i-- > 0;)
        s.push_back(upper[(v >> (4 * i)) & 0xFu]);
}

} // namespace stacksim::proto
