// The exact on-wire bit string of a classical CAN frame (ISO 11898-1), for frame durations,
// arbitration and error modelling. Pure C++; bit 0 = dominant, 1 = recessive.
//
// Frame = SOF, arbitration, control, data, CRC-15 (all stuffed), CRC delimiter, ACK slot, ACK
// delimiter, 7 EOF bits; the 3-bit intermission separates it from the next SOF. Stuffing: after
// five equal bits from SOF to the last CRC bit, one complementary bit is inserted (it starts the
// next run; a stuff bit also follows the last CRC bit when that completes a run of five).
// protocols.md §3.1 [C] (S25, S26).
//
// Every function here requires is_valid(frame) and throws std::invalid_argument otherwise.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/can_frame.h"

namespace stacksim::proto {

constexpr std::uint16_t can_crc15_poly = 0x4599;    // x^15+x^14+x^10+x^8+x^7+x^4+x^3+1, init 0
constexpr unsigned can_tail_bits = 10;              // CRC delimiter + ACK slot + ACK delimiter + 7 EOF
constexpr unsigned can_intermission_bits = 3;

// CRC-15 over a bit sequence (generator 0x4599, initial 0, no reflection, no final XOR).
std::uint16_t crc15(const std::vector<bool>& bits);

// SOF up to the last CRC bit, before stuffing (the CRC and the stuffing operate on this).
// Standard: SOF, ID10..0, RTR, IDE=0, r0=0, DLC3..0, data, CRC14..0 (34 + 8n bits).
// Extended: SOF, ID28..18, SRR=1, IDE=1, ID17..0, RTR, r1=0, r0=0, DLC, data, CRC (54 + 8n bits).
std::vector<bool> can_unstuffed_bits(const can_frame& f);

// `bits` with stuff bits inserted (the whole sequence is treated as the stuffed region).
std::vector<bool> can_stuff(const std::vector<bool>& bits);

// The whole frame as it appears on the bus: stuffed SOF..CRC, CRC delimiter (1), ACK slot
// (0 when `acknowledged`, as driven by the receivers; 1 = nobody acknowledged), ACK delimiter (1),
// EOF (7 x 1), and with `with_intermission` three more recessive bits.
// size() == can_frame_bits(f, with_intermission).
std::vector<bool> can_stuffed_bits(const can_frame& f, bool with_intermission = false, bool acknowledged = true);

// Number of stuff bits of this frame.
unsigned can_stuff_bit_count(const can_frame& f);

// Exact frame length in bits, stuff bits included; +3 intermission bits by default.
// Example (protocols.md §3.1): ID 0x305 with 8 zero bytes = 125 bits with intermission.
// No allocation (called once per frame by the bus model).
unsigned can_frame_bits(const can_frame& f, bool with_intermission = true);

// Upper bound over every frame with `data_bytes` payload bytes (0 for remote frames), intermission
// included: 55 + 10n (11-bit) / 80 + 10n (29-bit) = unstuffed length + floor((L - 1) / 4) stuff
// bits over the L = 34 + 8n (54 + 8n) stuffed bits (protocols.md §3.1, S25).
unsigned can_worst_case_bits(unsigned data_bytes, bool extended);

// Duration of the frame in seconds at `bitrate_bps`.
double can_frame_time_s(const can_frame& f, double bitrate_bps, bool with_intermission = true);
// The same in whole picoseconds, rounded to nearest (exact when 1e12 / bitrate is an integer,
// as for 125/250/500 kbit/s and 1 Mbit/s).
std::uint64_t can_frame_time_ps(const can_frame& f, std::uint32_t bitrate_bps, bool with_intermission = true);

// Arbitration: the bits that decide who wins, in wire order (unstuffed), compared
// lexicographically with dominant 0 winning.
// Standard: ID10..0, RTR, IDE(0) (13 bits; IDE included so that a standard frame beats an
// extended one with the same base ID). Extended: ID28..18, SRR(1), IDE(1), ID17..0, RTR (32 bits).
std::vector<bool> can_arbitration_field(const can_frame& f);
// The same bits packed MSB first, left-aligned in 32 bits: the lower key wins arbitration.
std::uint32_t can_arbitration_key(const can_frame& f);

struct can_arbitration_result {
    int winner = -1;            // 0 = a, 1 = b, -1 = identical arbitration fields (both go on)
    unsigned field_bit = 0;     // index in the arbitration field of the deciding bit
    unsigned wire_bit = 0;      // index of that bit on the wire counted from SOF = 0, stuff bits included
};
// Which of two frames starting on the same SOF wins, and at which bit the loser drops out.
can_arbitration_result can_arbitrate(const can_frame& a, const can_frame& b);

} // namespace stacksim::proto
