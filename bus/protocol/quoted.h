// Outside input quoted for a log line or a notice: between double quotes, printable ASCII as it
// is, `"` and `\` escaped with a backslash, CR, LF and TAB as \r \n \t, every other byte as \xNN
// (upper-case hex), and cut after `max_chars` input characters with "..." after the closing quote.
// The result is plain printable ASCII whatever the input was, so it can go into JSON or a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/hex.h"

namespace stacksim::proto {

inline std::string quoted(std::string_view in, std::size_t max_chars = 80) {
    std::string s = "\"";
    const std::size_t n = in.size() < max_chars ? in.size() : max_chars;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(in[i]);
        if (c == '"' || c == '\\') {
            s.push_back('\\');
            s.push_back(static_cast<char>(c));
        } else if (c == '\r') {
            s += "\\r";
        } else if (c == '\n') {
            s += "\\n";
        } else if (c == '\t') {
            s += "\\t";
        } else if (c >= 0x20 && c < 0x7F) {
            s.push_back(static_cast<char>(c));
        } else {
            s += "\\x";
            append_hex(s, c, 2);
        }
    }
    s.push_back('"');
    if (in.size() > n)
        s += "...";
    return s;
}

} // namespace stacksim::proto
