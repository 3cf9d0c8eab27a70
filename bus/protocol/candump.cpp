#include "protocol/candump.h"

#include "protocol/hex.h"

#include <cmath>
#include <stdexcept>

namespace stacksim::proto {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

candump_parse_result fail(unsigned line_no, const std::string& what) {
    candump_parse_result r;
    r.error = (line_no ? "line " + std::to_string(line_no) + ": " : std::string()) + what;
    return r;
}

} // namespace

std::string format_candump_line_us(std::uint64_t time_us, std::string_view interface, const can_frame& f) {
    std::string s = "(";
    s += std::to_string(time_us / 1000000u);
    s.push_back('.');
    const std::string frac = std::to_string(time_us % 1000000u);
    s.append(6 - frac.size(), '0');
    s += frac;
    s += ") ";
    s += interface;
    s.push_back(' ');
    s += format_can_frame(f);
    return s;
}

std::string format_candump_line(double time_s, std::string_view interface, const can_frame& f) {
    if (!std::isfinite(time_s) || time_s < 0)
        throw std::invalid_argument("format_candump_line: time must be finite and >= 0");
    return format_candump_line_us(static_cast<std::uint64_t>(std::llround(time_s * 1e6)), interface, f);
}

candump_parse_result parse_candump_line(std::string_view line, unsigned line_no) {
    std::string_view s = trim(line);
    candump_parse_result r;
    // (seconds.micros)
    if (s.empty() || s.front() != '(')
        return fail(line_no, "expected '(' starting the timestamp");
    const std::size_t close = s.find(')');
    if (close == std::string_view::npos)
        return fail(line_no, "expected ')' closing the timestamp");
    const std::string_view ts = s.substr(1, close - 1);
    const std::size_t dot = ts.find('.');
    if (dot == std::string_view::npos || dot == 0)
        return fail(line_no, "expected timestamp <seconds>.<6 digits>");
    if (ts.size() - dot - 1 != 6)
        return fail(line_no, "expected exactly 6 decimals in the timestamp");
    if (dot > 12)
        return fail(line_no, "timestamp seconds out of range");
    std::uint64_t sec = 0, us = 0;
    for (std::size_t i = 0; i < ts.size(); ++i) {
        if (i == dot)
            continue;
        const char c = ts[i];
        if (c < '0' || c > '9')
            return fail(line_no, "expected a decimal digit in the timestamp");
        if (i < dot)
            sec = sec * 10 + static_cast<std::uint64_t>(c - '0');
        else
            us = us * 10 + static_cast<std::uint64_t>(c - '0');
    }
    r.record.time_us = sec * 1000000u + us;
    s.remove_prefix(close + 1);
    // interface
    if (s.empty() || !is_blank(s.front()))
        return fail(line_no, "expected a blank after the timestamp");
    s = trim(s);
    std::size_t sp = 0;
    while (sp < s.size() && !is_blank(s[sp]))
        ++sp;
    if (sp == s.size())
        return fail(line_no, "expected '<interface> <id>#<data>' after the timestamp");
    r.record.interface = std::string(s.substr(0, sp));
    std::string_view fr = trim(s.substr(sp));
    for (char c : fr)
        if (is_blank(c))
            return fail(line_no, "unexpected text after the frame");
    // identifier
    const std::size_t hash = fr.find('#');
    if (hash == std::string_view::npos)
        return fail(line_no, "expected '#' after the identifier");
    if (hash != 3 && hash != 8)
        return fail(line_no, "expected a 3-digit (11-bit) or 8-digit (29-bit) hex identifier");
    std::uint32_t id = 0;
    for (std::size_t i = 0; i < hash; ++i) {
        const int v = hex_value(fr[i]);
        if (v < 0)
            return fail(line_no, "expected a hex digit in the identifier");
        id = (id << 4) | static_cast<std::uint32_t>(v);
    }
    can_frame& f = r.record.frame;
    f.extended = hash == 8;
    if (f.extended && id > can_ext_id_max)
        return fail(line_no, "identifier exceeds 29 bits (error frames are not supported)");
    if (!f.extended && id > can_std_id_max)
        return fail(line_no, "11-bit identifier exceeds 0x7FF");
    f.id = id;
    std::string_view payload = fr.substr(hash + 1);
    if (!payload.empty() && payload.front() == '#')
        return fail(line_no, "CAN FD frames ('##') are not supported");
    if (!payload.empty() && (payload.front() == 'R' || payload.front() == 'r')) {
        f.rtr = true;
        if (payload.size() == 1) {
            f.dlc = 0;
        } else if (payload.size() == 2 && payload[1] >= '0' && payload[1] <= '8') {
            f.dlc = static_cast<std::uint8_t>(payload[1] - '0');
        } else {
            return fail(line_no, "expected 'R' or 'R<dlc 0..8>' for a remote frame");
        }
        r.ok = true;
        return r;
    }
    unsigned n = 0;
    for (std::size_t i = 0; i < payload.size();) {
        if (payload[i] == '.') { // can-utils accepts '.' separators between bytes
            ++i;
            continue;
        }
        if (payload[i] == '_')
            return fail(line_no, "raw DLC suffix '_<dlc>' is not supported");
        if (i + 1 >= payload.size())
            return fail(line_no, "expected an even number of hex digits in the data");
        const int hi = hex_value(payload[i]), lo = hex_value(payload[i + 1]);
        if (hi < 0 || lo < 0)
            return fail(line_no, "expected hex digits in the data");
        if (n == can_max_dlc)
            return fail(line_no, "more than 8 data bytes");
        f.data[n++] = static_cast<std::uint8_t>(hi * 16 + lo);
        i += 2;
    }
    f.dlc = static_cast<std::uint8_t>(n);
    r.ok = true;
    return r;
}

candump_log parse_candump_log(std::istream& in) {
    candump_log log;
    std::string line;
    unsigned line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (trim(line).empty())
            continue;
        candump_parse_result r = parse_candump_line(line, line_no);
        if (r.ok)
            log.records.push_back(std::move(r.record));
        else
            log.errors.push_back(std::move(r.error));
    }
    return log;
}

} // namespace stacksim::proto
