// Fuzz target: can_frame values built from outside bytes (a candump line, a python-can frame) as
// the CAN bus model uses them: bit-exact frame lengths, stuffing and arbitration
// (protocol/can_bits.h, protocol/can_frame.h).
// Input: two frame records, 13 bytes each (flags b0 29-bit, b1 remote, b2 keep an out-of-range
// identifier, b7..b4 DLC 0..15; identifier u32 little-endian; 8 data bytes).
// Invariants, checked against definitions written here independently of the library:
//  - an invalid frame (identifier too wide, DLC > 8) is refused with std::invalid_argument by
//    every function, and nothing else is thrown;
//  - the unstuffed SOF..CRC has 34 + 8n (11-bit) / 54 + 8n (29-bit) bits and its CRC-15 residue
//    is 0; destuffing the stuffed bits gives it back, with no run of 6 equal bits on the wire;
//  - can_frame_bits == can_stuffed_bits().size() <= can_worst_case_bits();
//  - arbitration: the lower can_arbitration_key wins, a frame never beats itself, and swapping
//    the frames swaps the winner; the losing bit is recessive for the loser on the wire.
#include <stdexcept>
#include <vector>

#include "fuzz_can_input.h"
#include "protocol/can_bits.h"

using namespace stacksim::proto;
using stacksim::fuzz::fuzz_input;
using stacksim::fuzz::take_can_frame;

namespace {

template <typename F>
bool refuses(F&& call) {
    try {
        call();
    } catch (const std::invalid_argument&) {
        return true;
    }
    return false;
}

// Remove stuff bits: after five equal bits the next bit must be their complement and is dropped.
bool destuff(const std::vector<bool>& wire, std::size_t region_end, std::vector<bool>& out) {
    unsigned run = 0;
    int last = -1;
    for (std::size_t i = 0; i < region_end; ++i) {
        const bool b = wire[i];
        if (run == 5) {
            if (static_cast<int>(b) == last)
                return false; // six equal bits
            last = b;
            run = 1;
            continue; // the stuff bit
        }
        out.push_back(b);
        run = static_cast<int>(b) == last ? run + 1 : 1;
        last = b;
    }
    return true;
}

void check_one(const can_frame& f) {
    if (!is_valid(f)) {
        FUZZ_CHECK(refuses([&] { (void)can_frame_bits(f); }), "can_frame_bits refuses an invalid frame");
        FUZZ_CHECK(refuses([&] { (void)can_stuffed_bits(f); }), "can_stuffed_bits refuses an invalid frame");
        FUZZ_CHECK(refuses([&] { (void)can_arbitration_key(f); }), "can_arbitration_key refuses an invalid frame");
        return;
    }
    const std::vector<bool> region = can_unstuffed_bits(f);
    FUZZ_CHECK(region.size() == (f.extended ? 54u : 34u) + 8u * f.payload_bytes(), "unstuffed length");
    FUZZ_CHECK(!region.front(), "SOF dominant");
    FUZZ_CHECK(crc15(region) == 0, "CRC-15 residue of SOF..CRC is 0");

    const std::vector<bool> wire = can_stuffed_bits(f, true, true);
    FUZZ_CHECK(wire.size() == can_frame_bits(f, true), "can_frame_bits == stuffed length");
    FUZZ_CHECK(wire.size() == can_frame_bits(f, false) + can_intermission_bits, "intermission bits");
    FUZZ_CHECK(wire.size() <= can_worst_case_bits(f.payload_bytes(), f.extended), "worst-case bound");
    const std::size_t tail = can_tail_bits + can_intermission_bits;
    FUZZ_CHECK(wire.size() == region.size() + can_stuff_bit_count(f) + tail, "stuff bit count");
    std::vector<bool> back;
    FUZZ_CHECK(destuff(wire, wire.size() - tail, back), "no six equal bits in the stuffed region");
    FUZZ_CHECK(back == region, "destuffing gives the unstuffed bits back");
    for (std::size_t i = wire.size() - tail; i < wire.size(); ++i)
        FUZZ_CHECK(wire[i] == (i != wire.size() - tail + 1), "delimiters recessive, ACK slot dominant");
    FUZZ_CHECK(can_frame_time_ps(f, 500000, true) == 2000000ull * wire.size(), "frame time at 500 kbit/s");
}

void check_pair(const can_frame& a, const can_frame& b) {
    if (!is_valid(a) || !is_valid(b)) {
        FUZZ_CHECK(refuses([&] { (void)can_arbitrate(a, b); }), "can_arbitrate refuses an invalid frame");
        return;
    }
    const can_arbitration_result ab = can_arbitrate(a, b), ba = can_arbitrate(b, a);
    const std::uint32_t ka = can_arbitration_key(a), kb = can_arbitration_key(b);
    FUZZ_CHECK(can_arbitrate(a, a).winner == -1, "a frame does not beat itself");
    FUZZ_CHECK(ab.winner == (ka < kb ? 0 : ka > kb ? 1 : -1), "the lower key wins");
    FUZZ_CHECK(ba.winner == (ab.winner < 0 ? -1 : 1 - ab.winner), "swapping swaps the winner");
    if (ab.winner < 0)
        return;
    FUZZ_CHECK(ab.wire_bit == ba.wire_bit && ab.field_bit == ba.field_bit, "both see the same deciding bit");
    // On the wire both sent identical bits before the deciding one; there the loser is recessive.
    const std::vector<bool> wa = can_stuffed_bits(a), wb = can_stuffed_bits(b);
    FUZZ_CHECK(ab.wire_bit < wa.size() && ab.wire_bit < wb.size(), "deciding bit inside both frames");
    for (unsigned i = 0; i < ab.wire_bit; ++i)
        FUZZ_CHECK(wa[i] == wb[i], "identical wire bits before the deciding bit");
    const std::vector<bool>& loser = ab.winner == 0 ? wb : wa;
    const std::vector<bool>& winner = ab.winner == 0 ? wa : wb;
    FUZZ_CHECK(loser[ab.wire_bit] && !winner[ab.wire_bit], "the loser sends recessive where it loses");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_input in(data, size);
    const can_frame a = take_can_frame(in), b = take_can_frame(in);
    check_one(a);
    check_one(b);
    check_pair(a, b);
    return 0;
}
