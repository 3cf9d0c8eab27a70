#include "protocol/can_bits.h"

#include <array>
#include <stdexcept>

namespace stacksim::proto {

namespace {

// Longest stuffed region: extended frame with 8 data bytes = 54 + 64 = 118 bits.
constexpr unsigned max_region_bits = 118;

struct bit_buffer {
    std::array<std::uint8_t, max_region_bits> bit{};
    unsigned n = 0;

    void push(bool b) { bit[n++] = b ? 1 : 0; }
    void push_msb_first(std::uint32_t value, unsigned count) {
        for (unsigned i = count; i-- > 0;)
            push(((value >> i) & 1u) != 0);
    }
};

void require_valid(const can_frame& f) {
    if (!is_valid(f))
        throw std::invalid_argument("CAN frame with an out-of-range identifier or DLC > 8");
}

std::uint16_t crc15_step(std::uint16_t crc, bool bit) {
    const bool next = bit != (((crc >> 14) & 1u) != 0);
    crc = static_cast<std::uint16_t>((crc << 1) & 0x7FFFu);
    if (next)
        crc ^= can_crc15_poly;
    return crc;
}

// SOF .. CRC of the frame, unstuffed.
void build_region(const can_frame& f, bit_buffer& out) {
    require_valid(f);
    out.n = 0;
    out.push(false); // SOF
    if (!f.extended) {
        out.push_msb_first(f.id, 11);
        out.push(f.rtr);
        out.push(false); // IDE
        out.push(false); // r0
    } else {
        out.push_msb_first(f.id >> 18, 11);
        out.push(true); // SRR
        out.push(true); // IDE
        out.push_msb_first(f.id & 0x3FFFFu, 18);
        out.push(f.rtr);
        out.push(false); // r1
        out.push(false); // r0
    }
    out.push_msb_first(f.dlc, 4);
    for (unsigned i = 0; i < f.payload_bytes(); ++i)
        out.push_msb_first(f.data[i], 8);
    std::uint16_t crc = 0;
    for (unsigned i = 0; i < out.n; ++i)
        crc = crc15_step(crc, out.bit[i] != 0);
    out.push_msb_first(crc, 15);
}

// Stuff bits inserted after the first `count` bits of `b` (a stuff bit after bit count-1 included).
unsigned count_stuff(const std::uint8_t* b, unsigned count) {
    unsigned stuff = 0, run = 0;
    std::uint8_t last = 2;
    for (unsigned i = 0; i < count; ++i) {
        if (b[i] == last) {
            ++run;
        } else {
            last = b[i];
            run = 1;
        }
        if (run == 5) {
            ++stuff;
            last = static_cast<std::uint8_t>(1 - last); // the stuff bit starts the next run
            run = 1;
        }
    }
    return stuff;
}

} // namespace

std::uint16_t crc15(const std::vector<bool>& bits) {
    std::uint16_t crc = 0;
    for (bool b : bits)
        crc = crc15_step(crc, b);
    return crc;
}

std::vector<bool> can_unstuffed_bits(const can_frame& f) {
    bit_buffer buf;
    build_region(f, buf);
    return std::vector<bool>(buf.bit.begin(), buf.bit.begin() + buf.n);
}

std::vector<bool> can_stuff(const std::vector<bool>& bits) {
    std::vector<bool> out;
    out.reserve(bits.size() + bits.size() / 4 + 1);
    unsigned run = 0;
    int last = -1;
    for (bool b : bits) {
        out.push_back(b);
        if (static_cast<int>(b) == last) {
            ++run;
        } else {
            last = b;
            run = 1;
        }
        if (run == 5) {
            last = !b;
            out.push_back(!b);
            run = 1;
        }
    }
    return out;
}

std::vector<bool> can_stuffed_bits(const can_frame& f, bool with_intermission, bool acknowledged) {
    std::vector<bool> out = can_stuff(can_unstuffed_bits(f));
    out.push_back(true);          // CRC delimiter
    out.push_back(!acknowledged); // ACK slot
    out.push_back(true);          // ACK delimiter
    out.insert(out.end(), 7, true);
    if (with_intermission)
        out.insert(out.end(), can_intermission_bits, true);
    return out;
}

unsigned can_stuff_bit_count(const can_frame& f) {
    bit_buffer buf;
    build_region(f, buf);
    return count_stuff(buf.bit.data(), buf.n);
}

unsigned can_frame_bits(const can_frame& f, bool with_intermission) {
    bit_buffer buf;
    build_region(f, buf);
    return buf.n + count_stuff(buf.bit.data(), buf.n) + can_tail_bits + (with_intermission ? can_intermission_bits : 0u);
}

unsigned can_worst_case_bits(unsigned data_bytes, bool extended) {
    if (data_bytes > can_max_dlc)
        throw std::invalid_argument("can_worst_case_bits: more than 8 data bytes");
    const unsigned stuffed_region = (extended ? 54u : 34u) + 8u * data_bytes;
    return stuffed_region + (stuffed_region - 1u) / 4u + can_tail_bits + can_intermission_bits;
}

double can_frame_time_s(const can_frame& f, double bitrate_bps, bool with_intermission) {
    if (!(bitrate_bps > 0))
        throw std::invalid_argument("can_frame_time_s: bit rate must be positive");
    return static_cast<double>(can_frame_bits(f, with_intermission)) / bitrate_bps;
}

std::uint64_t can_frame_time_ps(const can_frame& f, std::uint32_t bitrate_bps, bool with_intermission) {
    if (bitrate_bps == 0)
        throw std::invalid_argument("can_frame_time_ps: bit rate must be positive");
    const std::uint64_t bits = can_frame_bits(f, with_intermission);
    constexpr std::uint64_t ps_per_s = 1000000000000ull;
    return (bits * ps_per_s + bitrate_bps / 2) / bitrate_bps;
}

std::vector<bool> can_arbitration_field(const can_frame& f) {
    bit_buffer buf;
    build_region(f, buf);
    // Region bit 1 .. : ID10..0, RTR, IDE (standard) / ID28..18, SRR, IDE, ID17..0, RTR (extended).
    const unsigned len = f.extended ? 32u : 13u;
    return std::vector<bool>(buf.bit.begin() + 1, buf.bit.begin() + 1 + len);
}

std::uint32_t can_arbitration_key(const can_frame& f) {
    const std::vector<bool> field = can_arbitration_field(f);
    std::uint32_t key = 0;
    for (std::size_t i = 0; i < field.size(); ++i)
        if (field[i])
            key |= 1u << (31 - i);
    return key;
}

can_arbitration_result can_arbitrate(const can_frame& a, const can_frame& b) {
    const std::vector<bool> fa = can_arbitration_field(a), fb = can_arbitration_field(b);
    const std::size_t common = fa.size() < fb.size() ? fa.size() : fb.size();
    can_arbitration_result r;
    std::size_t k = 0;
    while (k < common && fa[k] == fb[k])
        ++k;
    if (k == common) // a standard field is decided within its 13 bits, so this means identical
        return r;
    r.winner = fa[k] ? 1 : 0;
    r.field_bit = static_cast<unsigned>(k);
    // Both frames sent the same bits up to here, so they carry the same stuff bits before it.
    bit_buffer buf;
    build_region(a, buf);
    const unsigned region_index = static_cast<unsigned>(k) + 1; // after SOF
    r.wire_bit = region_index + count_stuff(buf.bit.data(), region_index);
    return r;
}

} // namespace stacksim::proto
