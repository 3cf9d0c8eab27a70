#include "protocol/can_frame.h"

#include <stdexcept>

#include "protocol/hex.h"

namespace stacksim::proto {

can_frame make_can_frame(std::uint32_t id, std::initializer_list<std::uint8_t> bytes, bool extended) {
    if (bytes.size() > can_max_dlc)
        throw std::invalid_argument("make_can_frame: more than 8 data bytes");
    can_frame f;
    f.id = id;
    f.extended = extended;
    f.dlc = static_cast<std::uint8_t>(bytes.size());
    std::size_t i = 0;
    for (std::uint8_t b : bytes)
        f.data[i++] = b;
    return f;
}

can_frame make_can_remote(std::uint32_t id, std::uint8_t dlc, bool extended) {
    can_frame f;
    f.id = id;
    f.extended = extended;
    f.rtr = true;
    f.dlc = dlc;
    return f;
}

bool is_valid(const can_frame& f) {
    return f.id <= (f.extended ? can_ext_id_max : can_std_id_max) && f.dlc <= can_max_dlc;
}

bool operator==(const can_frame& a, const can_frame& b) {
    if (a.id != b.id || a.extended != b.extended || a.rtr != b.rtr || a.dlc != b.dlc)
        return false;
    const unsigned n = a.payload_bytes() <= can_max_dlc ? a.payload_bytes() : can_max_dlc;
    for (unsigned i = 0; i < n; ++i)
        if (a.data[i] != b.data[i])
            return false;
    return true;
}

std::string can_id_text(std::uint32_t id, bool extended) {
    std::string s = "0x";
    append_hex(s, id, extended ? 8u : 3u);
    return s;
}

std::string format_can_frame(const can_frame& f) {
    if (!is_valid(f))
        throw std::invalid_argument("format_can_frame: invalid CAN frame");
    std::string s;
    s.reserve(26);
    append_hex(s, f.id, f.extended ? 8 : 3);
    s.push_back('#');
    if (f.rtr) {
        s.push_back('R');
        if (f.dlc > 0)
            append_hex(s, f.dlc, 1);
        return s;
    }
    for (unsigned i = 0; i < f.dlc; ++i)
        append_hex(s, f.data[i], 2);
    return s;
}

std::ostream& operator<<(std::ostream& os, const can_frame& f) { return os << format_can_frame(f); }

} // namespace stacksim::proto
