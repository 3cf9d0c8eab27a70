// A CAN frame taken from the front of a fuzz input, for the CAN targets: one flags byte (bit 0
// extended, bit 1 RTR, bit 2 keep identifier bits beyond the format's width, bits 4-7 the DLC,
// so 9..15 occur too), a little-endian 32-bit identifier, then all 8 data bytes (past the DLC as
// well, so a decoder that reads them is caught by the invariants).
#pragma once

#include "fuzz_check.h"
#include "protocol/can_frame.h"

namespace stacksim::fuzz {

inline proto::can_frame take_can_frame(fuzz_input& in) {
    const std::uint8_t flags = in.u8();
    proto::can_frame f;
    f.extended = flags & 1;
    f.rtr = flags & 2;
    f.dlc = static_cast<std::uint8_t>(flags >> 4);
    f.id = in.u32_le();
    if (!(flags & 4))
        f.id &= f.extended ? proto::can_ext_id_max : proto::can_std_id_max;
    for (std::uint8_t& b : f.data)
        b = in.u8();
    return f;
}

} // namespace stacksim::fuzz
