#include "protocol/can_frame.h"

#include <stdexcept>

#include "protocol/candump.h"

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
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s = "0x";
    for (unsigned i = extended ? 8u : 3u; i-- > 0;)
        s.push_back(digits[(id >> (4 * i)) & 0xFu]);
    return s;
}

std::ostream& operator<<(std::ostream& os, const can_frame& f) { return os << format_can_frame(f); }

} // namespace stacksim::proto
