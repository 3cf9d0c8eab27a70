// Boolean members of a message struct packed into, and unpacked from, an integer of a payload.
// One table of (member, mask) per flag set serves both the encoder and the decoder.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stacksim::proto {

template <typename M>
struct flag_bit {
    bool M::*field;
    std::uint32_t mask; // the bit(s) set on the wire while the flag is true
};

// The wire bits of every flag of `v` that is true.
template <typename M, std::size_t N>
std::uint32_t pack_flags(const M& v, const flag_bit<M> (&bits)[N]) {
    std::uint32_t word = 0;
    for (const flag_bit<M>& b : bits)
        if (v.*b.field)
            word |= b.mask;
    return word;
}

// Every flag of the table from `word` (true when any of its bits is set); other members untouched.
template <typename M, std::size_t N>
void unpack_flags(std::uint32_t word, M& out, const flag_bit<M> (&bits)[N]) {
    for (const flag_bit<M>& b : bits)
        out.*b.field = (word & b.mask) != 0;
}

} // namespace stacksim::proto
