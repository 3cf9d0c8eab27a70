// CAN frame bit strings: lengths, stuffing, CRC-15, worst case, arbitration.
// The reference here is an independent re-implementation on strings of '0'/'1': the CRC is the
// remainder of a polynomial long division, stuffing looks at the last five bits *already sent*
// (stuff bits included), and the fields are written with std::bitset.
#include <algorithm>
#include <bitset>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/can_bits.h"

namespace stacksim::proto {
namespace {

// ---- the independent reference -------------------------------------------------------------

std::string ref_region(const can_frame& f) {
    std::string s = "0"; // SOF
    if (!f.extended) {
        s += std::bitset<11>(f.id).to_string();
        s += f.rtr ? "1" : "0";
        s += "00"; // IDE, r0
    } else {
        s += std::bitset<11>(f.id >> 18).to_string();
        s += "11"; // SRR, IDE
        s += std::bitset<18>(f.id & 0x3FFFF).to_string();
        s += f.rtr ? "1" : "0";
        s += "00"; // r1, r0
    }
    s += std::bitset<4>(f.dlc).to_string();
    if (!f.rtr)
        for (unsigned i = 0; i < f.dlc; ++i)
            s += std::bitset<8>(f.data[i]).to_string();
    // CRC-15: remainder of M(x) * x^15 divided by G(x) = 0xC599 (x^15 + 0x4599), long division.
    const std::string gen = std::bitset<16>(0xC599).to_string();
    std::string work = s + std::string(15, '0');
    for (std::size_t i = 0; i + 15 < work.size(); ++i)
        if (work[i] == '1')
            for (std::size_t k = 0; k < 16; ++k)
                work[i + k] = work[i + k] == gen[k] ? '0' : '1';
    return s + work.substr(work.size() - 15);
}

std::string ref_stuff(const std::string& region) {
    std::string out;
    for (char c : region) {
        out += c;
        const std::size_t n = out.size();
        if (n >= 5 && out.compare(n - 5, 5, std::string(5, out[n - 1])) == 0)
            out += out[n - 1] == '0' ? '1' : '0';
    }
    return out;
}

std::string ref_wire(const can_frame& f, bool intermission) {
    std::string s = ref_stuff(ref_region(f)) + "1" + "0" + "1" + "1111111";
    if (intermission)
        s += "111";
    return s;
}

std::string to_string(const std::vector<bool>& v) {
    std::string s;
    for (bool b : v)
        s += b ? '1' : '0';
    return s;
}

can_frame data_frame(std::uint32_t id, std::vector<std::uint8_t> bytes, bool ext = false) {
    can_frame f;
    f.id = id;
    f.extended = ext;
    f.dlc = static_cast<std::uint8_t>(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i)
        f.data[i] = bytes[i];
    return f;
}

// ---- tests -----------------------------------------------------------------------------------

TEST(proto_can_bits, spec_example_0x305_eight_zero_bytes_is_125_bits) {
    // protocols.md §3.1 (verified against can-utils' exact length): 125 bits incl. intermission,
    // 250 us at 500 kbit/s.
    const can_frame f = data_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(can_frame_bits(f), 125u);
    EXPECT_EQ(can_frame_bits(f, false), 122u);
    EXPECT_DOUBLE_EQ(can_frame_time_s(f, 500e3), 250e-6);
    EXPECT_EQ(can_frame_time_ps(f, 500000), 250000000u);
    // Unstuffed 47 + 8*8 = 111 bits incl. intermission -> 14 stuff bits.
    EXPECT_EQ(can_stuff_bit_count(f), 14u);
}

TEST(proto_can_bits, hand_counted_frame_without_data) {
    // ID 0x7FF, DLC 0: SOF 0, 11 ones, RTR 0, IDE 0, r0 0, DLC 0000, then the CRC.
    const can_frame f = data_frame(0x7FF, {});
    const std::string region = ref_region(f);
    ASSERT_EQ(region.size(), 34u);
    EXPECT_EQ(region.substr(0, 19), "0111111111110000000");
    EXPECT_EQ(to_string(can_unstuffed_bits(f)), region);
    // Stuff bits in the first 19 bits, by hand: 0 11111 [0] 11111 [0] 1 00000 [1] 00 -> 3.
    EXPECT_EQ(to_string(can_stuff(can_unstuffed_bits(f))).substr(0, 22), "0111110111110100000100");
    EXPECT_EQ(ref_stuff(region.substr(0, 19)).size() - 19, 3u);
}

TEST(proto_can_bits, crc15_known_value) {
    // CRC of a single 1 bit with init 0: the register becomes the generator itself.
    EXPECT_EQ(crc15({true}), 0x4599);
    EXPECT_EQ(crc15({false, false, false}), 0);
    // CRC of the region without its CRC field equals the CRC field of the reference.
    const can_frame f = data_frame(0x351, {0x0E, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0x00, 0x00});
    const std::string region = ref_region(f);
    std::vector<bool> head;
    for (std::size_t i = 0; i + 15 < region.size(); ++i)
        head.push_back(region[i] == '1');
    EXPECT_EQ(std::bitset<15>(crc15(head)).to_string(), region.substr(region.size() - 15));
    // Appending the CRC to the message gives remainder 0 (property of a CRC without final XOR).
    for (std::size_t i = region.size() - 15; i < region.size(); ++i)
        head.push_back(region[i] == '1');
    EXPECT_EQ(crc15(head), 0);
}

TEST(proto_can_bits, hand_made_and_random_frames_match_reference) {
    std::vector<can_frame> frames = {
        data_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0}),
        data_frame(0x351, {0x0E, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0xD0, 0x01}),
        data_frame(0x355, {0x32, 0x00, 0x64, 0x00}),
        data_frame(0x356, {0x4E, 0x13, 0x9C, 0xFF, 0xFA, 0x00}),
        data_frame(0x359, {0, 0, 0, 0, 0x02, 0x50, 0x4E}),
        data_frame(0x35C, {0xC0, 0x00}),
        data_frame(0x35E, {'P', 'Y', 'L', 'O', 'N', ' ', ' ', ' '}),
        data_frame(0x000, {}),
        data_frame(0x7FF, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
        data_frame(0x555, {0x55, 0xAA}),
        data_frame(0x1FFFFFFF, {0x00, 0xFF}, true),
        data_frame(0x00000000, {}, true),
        data_frame(0x18FF50E5, {1, 2, 3, 4, 5, 6, 7, 8}, true),
        make_can_remote(0x123, 0),
        make_can_remote(0x123, 8),
        make_can_remote(0x1ABCDEF0, 4, true),
    };
    std::mt19937 rng(20240611);
    for (int i = 0; i < 400; ++i) {
        can_frame f;
        f.extended = rng() % 3 == 0;
        f.id = static_cast<std::uint32_t>(rng()) & (f.extended ? can_ext_id_max : can_std_id_max);
        f.rtr = rng() % 8 == 0;
        f.dlc = static_cast<std::uint8_t>(rng() % 9);
        if (!f.rtr)
            for (unsigned k = 0; k < f.dlc; ++k)
                f.data[k] = static_cast<std::uint8_t>(rng() % 4 == 0 ? (rng() % 2 ? 0x00 : 0xFF) : rng());
        frames.push_back(f);
    }
    for (const can_frame& f : frames) {
        SCOPED_TRACE(testing::Message() << f);
        const std::string wire = ref_wire(f, true);
        EXPECT_EQ(to_string(can_unstuffed_bits(f)), ref_region(f));
        EXPECT_EQ(to_string(can_stuffed_bits(f, true)), wire);
        EXPECT_EQ(can_frame_bits(f), wire.size());
        EXPECT_EQ(can_frame_bits(f, false), wire.size() - 3);
        EXPECT_EQ(can_stuff_bit_count(f), ref_stuff(ref_region(f)).size() - ref_region(f).size());
        // Never more than the kernel's worst case.
        EXPECT_LE(can_frame_bits(f), can_worst_case_bits(f.payload_bytes(), f.extended));
        // Unstuffed length: 47 + 8n (11-bit) / 67 + 8n (29-bit) incl. intermission.
        EXPECT_EQ(can_frame_bits(f) - can_stuff_bit_count(f), (f.extended ? 67u : 47u) + 8u * f.payload_bytes());
    }
}

TEST(proto_can_bits, remote_frame_has_no_data_bits_and_unacked_slot_is_recessive) {
    const can_frame r = make_can_remote(0x351, 8);
    EXPECT_EQ(can_frame_bits(r) - can_stuff_bit_count(r), 47u);
    const std::vector<bool> acked = can_stuffed_bits(r, false, true), nacked = can_stuffed_bits(r, false, false);
    ASSERT_EQ(acked.size(), nacked.size());
    const std::size_t ack_slot = acked.size() - 9; // ACK slot, ACK delimiter, 7 EOF
    EXPECT_FALSE(acked[ack_slot]);
    EXPECT_TRUE(nacked[ack_slot]);
}

TEST(proto_can_bits, worst_case_formula) {
    // protocols.md §3.1: 55 + 10n (11-bit), and 80 + 10n for 29-bit (67 + 8n unstuffed incl.
    // intermission + floor((54 + 8n - 1) / 4) stuff bits), n = 0..8.
    for (unsigned n = 0; n <= 8; ++n) {
        EXPECT_EQ(can_worst_case_bits(n, false), 55u + 10u * n);
        EXPECT_EQ(can_worst_case_bits(n, true), 67u + 8u * n + (54u + 8u * n - 1u) / 4u);
        EXPECT_EQ(can_worst_case_bits(n, true), 80u + 10u * n);
    }
    // The bound is tight for an unconstrained bit string of the same length: the pattern
    // 00000 1111 0000 1111 ... gets a stuff bit after the first 5 bits and then every 4.
    for (unsigned n = 0; n <= 8; ++n) {
        const unsigned len = 34 + 8 * n;
        std::vector<bool> bits;
        for (unsigned i = 0; i < len; ++i)
            bits.push_back(i < 5 ? false : ((i - 5) / 4) % 2 == 0);
        const std::size_t stuffed = can_stuff(bits).size();
        EXPECT_EQ(stuffed, ref_stuff(to_string(bits)).size());
        EXPECT_EQ(stuffed + can_tail_bits + can_intermission_bits, can_worst_case_bits(n, false)) << n;
    }
}

// Exhaustive maximum of the stuff bits over *every* 11-bit data frame with n bytes, by dynamic
// programming over (CRC register, last bit, run length) -- independent of the library.
unsigned exact_max_stuff_bits_std(unsigned n) {
    std::vector<int> tmpl{0};
    for (int i = 0; i < 11; ++i)
        tmpl.push_back(-1); // free identifier bits
    tmpl.insert(tmpl.end(), {0, 0, 0}); // RTR, IDE, r0
    for (int i = 3; i >= 0; --i)
        tmpl.push_back((n >> i) & 1);
    for (unsigned i = 0; i < 8 * n; ++i)
        tmpl.push_back(-1);
    const auto idx = [](unsigned crc, unsigned last, unsigned run) { return (crc * 2 + last) * 5 + run; };
    std::vector<int> dp(32768 * 10, -1), nd(dp.size());
    dp[idx(0, 0, 0)] = 0;
    for (int fixed : tmpl) {
        std::fill(nd.begin(), nd.end(), -1);
        for (unsigned crc = 0; crc < 32768; ++crc)
            for (unsigned last = 0; last < 2; ++last)
                for (unsigned run = 0; run < 5; ++run) {
                    const int v = dp[idx(crc, last, run)];
                    if (v < 0)
                        continue;
                    for (unsigned b = 0; b < 2; ++b) {
                        if (fixed >= 0 && static_cast<unsigned>(fixed) != b)
                            continue;
                        unsigned nrun = (run > 0 && b == last) ? run + 1 : 1, nlast = b;
                        int nv = v;
                        if (nrun == 5)
                            nv++, nlast = 1 - b, nrun = 1;
                        unsigned c = (crc << 1) & 0x7FFF;
                        if (b != ((crc >> 14) & 1))
                            c ^= 0x4599;
                        int& d = nd[idx(c, nlast, nrun)];
                        d = std::max(d, nv);
                    }
                }
        dp.swap(nd);
    }
    int best = -1;
    for (unsigned crc = 0; crc < 32768; ++crc)
        for (unsigned last0 = 0; last0 < 2; ++last0)
            for (unsigned run0 = 0; run0 < 5; ++run0) {
                int v = dp[idx(crc, last0, run0)];
                if (v < 0)
                    continue;
                unsigned last = last0, run = run0;
                for (int i = 14; i >= 0; --i) { // the CRC bits are stuffed too
                    const unsigned b = (crc >> i) & 1;
                    unsigned nrun = (run > 0 && b == last) ? run + 1 : 1;
                    last = b;
                    if (nrun == 5)
                        ++v, last = 1 - b, nrun = 1;
                    run = nrun;
                }
                best = std::max(best, v);
            }
    return static_cast<unsigned>(best);
}

TEST(proto_can_bits, worst_case_real_frames) {
    // The 55 + 10n bound assumes every stuffable bit is free. In a real frame IDE, r0, the DLC
    // and the CRC are fixed by the rest, so the true maximum is lower. Frames found by an
    // exhaustive search (tools-independent DP, see exact_max_stuff_bits_std) and their lengths:
    struct wc {
        can_frame f;
        unsigned bits;
    };
    const std::vector<wc> worst = {
        {data_frame(0x000, {}), 53},
        {data_frame(0x7C0, {0x7D}), 62},
        {data_frame(0x007, {0x0F, 0x0F}), 72},
        {data_frame(0x03F, {0xFE, 0x10, 0x78}), 83},
        {data_frame(0x03E, {0x10, 0x78, 0x03, 0xFE}), 93},
        {data_frame(0x7C0, {0xF0, 0xF0, 0xF0, 0x3E, 0x1E}), 102},
        {data_frame(0x7FE, {0x0F, 0x0F, 0x0F, 0x0F, 0xF8, 0x78}), 113},
        {data_frame(0x01F, {0x87, 0x87, 0xC1, 0xE1, 0xE1, 0xE1, 0xE1}), 124},
        {data_frame(0x078, {0x01, 0xE1, 0xE1, 0xE1, 0xE1, 0xE1, 0xE0, 0x0F}), 133},
        {data_frame(0x07C30FFC, {}, true), 78},
        {data_frame(0x1F0C3FF0, {0xF0}, true), 88},
        {data_frame(0x000C3C3C, {0x3C, 0x3C, 0x3F, 0xFF, 0x0F, 0x0F, 0x0F, 0x0F}, true), 158},
        {make_can_remote(0x0E0, 1), 53},
        {make_can_remote(0x1F0DFDF0, 1, true), 78},
    };
    for (const wc& w : worst) {
        SCOPED_TRACE(testing::Message() << w.f);
        EXPECT_EQ(ref_wire(w.f, true).size(), w.bits);  // the independent reference agrees
        EXPECT_EQ(can_frame_bits(w.f), w.bits);
        EXPECT_LE(w.bits, can_worst_case_bits(w.f.payload_bytes(), w.f.extended));
        EXPECT_GE(w.bits + 3, can_worst_case_bits(w.f.payload_bytes(), w.f.extended));
    }
    // And these are the maxima: the exhaustive search over all 11-bit data frames.
    const unsigned max_bits_std[9] = {53, 62, 72, 83, 93, 102, 113, 124, 133};
    for (unsigned n : {0u, 1u, 2u, 8u})
        EXPECT_EQ(47 + 8 * n + exact_max_stuff_bits_std(n), max_bits_std[n]) << "n = " << n;
}

TEST(proto_can_bits, arbitration_field_and_winner) {
    const can_frame a = data_frame(0x351, {1}), b = data_frame(0x355, {1});
    // 0x351 = 011 0101 0001, 0x355 = 011 0101 0101: first difference at ID bit 2 = field index 8.
    EXPECT_EQ(to_string(can_arbitration_field(a)), "0110101000100");
    const can_arbitration_result r = can_arbitrate(a, b);
    EXPECT_EQ(r.winner, 0);
    EXPECT_EQ(r.field_bit, 8u);
    // Wire: SOF 0, 0 1 1 0 1 0 1 0 [bit 9 = field 8]; no run of 5 before it -> wire index 9.
    EXPECT_EQ(r.wire_bit, 9u);
    EXPECT_EQ(can_arbitrate(b, a).winner, 1);
    EXPECT_LT(can_arbitration_key(a), can_arbitration_key(b));

    // Stuff bits count before the deciding bit: 0x000 vs 0x001 -> SOF + 10 zeros get 2 stuff bits
    // (after 5 zeros; the stuff 1 then starts a run... zeros again: 0 00000[1]00000[1]0 -> the
    // deciding bit is ID bit 0 at region index 11 -> wire index 13).
    const can_arbitration_result z = can_arbitrate(data_frame(0x000, {}), data_frame(0x001, {}));
    EXPECT_EQ(z.winner, 0);
    EXPECT_EQ(z.field_bit, 10u);
    EXPECT_EQ(z.wire_bit, 13u);

    // Data frame beats remote frame of the same ID (RTR dominant), standard beats extended with
    // the same base ID (RTR 0 vs SRR 1; for a remote standard frame IDE 0 vs 1 decides).
    EXPECT_EQ(can_arbitrate(data_frame(0x123, {}), make_can_remote(0x123)).winner, 0);
    const can_frame ext = data_frame(0x123u << 18, {}, true);
    EXPECT_EQ(can_arbitrate(data_frame(0x123, {}), ext).field_bit, 11u);
    EXPECT_EQ(can_arbitrate(data_frame(0x123, {}), ext).winner, 0);
    EXPECT_EQ(can_arbitrate(ext, make_can_remote(0x123)).winner, 1);
    EXPECT_EQ(can_arbitrate(ext, make_can_remote(0x123)).field_bit, 12u);
    // Two extended frames decided in the extension bits.
    EXPECT_EQ(can_arbitrate(data_frame(0x1000, {}, true), data_frame(0x0FFF, {}, true)).winner, 1);
    // Identical arbitration fields: nobody wins (both keep sending; the bus sees a bit error later).
    EXPECT_EQ(can_arbitrate(data_frame(0x300, {1}), data_frame(0x300, {2})).winner, -1);
    // The key orders like the bitwise comparison on random pairs.
    std::mt19937 rng(7);
    for (int i = 0; i < 500; ++i) {
        can_frame x, y;
        x.extended = rng() % 2, y.extended = rng() % 2;
        x.id = static_cast<std::uint32_t>(rng()) & (x.extended ? can_ext_id_max : can_std_id_max);
        y.id = (rng() % 4 == 0 ? x.id : static_cast<std::uint32_t>(rng())) & (y.extended ? can_ext_id_max : can_std_id_max);
        x.rtr = rng() % 4 == 0, y.rtr = rng() % 4 == 0;
        const can_arbitration_result res = can_arbitrate(x, y);
        const std::uint32_t kx = can_arbitration_key(x), ky = can_arbitration_key(y);
        if (res.winner == -1) {
            EXPECT_EQ(kx, ky);
        } else {
            EXPECT_EQ(res.winner == 0, kx < ky);
            // Both frames show the same bits up to the deciding one, which differs.
            const std::string wx = ref_stuff(ref_region(x)), wy = ref_stuff(ref_region(y));
            EXPECT_EQ(wx.substr(0, res.wire_bit), wy.substr(0, res.wire_bit));
            EXPECT_NE(wx[res.wire_bit], wy[res.wire_bit]);
            EXPECT_EQ(wx[res.wire_bit], res.winner == 0 ? '0' : '1');
        }
    }
}

TEST(proto_can_bits, invalid_frames_throw) {
    can_frame f;
    f.id = 0x800; // 12 bits in a standard frame
    EXPECT_THROW(can_frame_bits(f), std::invalid_argument);
    f.id = 0x100;
    f.dlc = 9;
    EXPECT_THROW(can_frame_bits(f), std::invalid_argument);
    EXPECT_THROW(can_worst_case_bits(9, false), std::invalid_argument);
}

TEST(proto_can_bits, frame_times_at_standard_bitrates) {
    const can_frame f = data_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0}); // 125 bits
    EXPECT_EQ(can_frame_time_ps(f, 125000), 1000000000u);
    EXPECT_EQ(can_frame_time_ps(f, 250000), 500000000u);
    EXPECT_EQ(can_frame_time_ps(f, 1000000), 125000000u);
    EXPECT_DOUBLE_EQ(can_frame_time_s(f, 250e3, false), 122 / 250e3);
}

} // namespace
} // namespace stacksim::proto
