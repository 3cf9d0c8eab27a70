// Hexadecimal digits as the text protocols use them (candump logs, Pylontech ASCII-hex frames).
#pragma once

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

} // namespace stacksim::proto
