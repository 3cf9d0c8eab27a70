// Linux SocketCAN's classical frame record, struct can_frame of <linux/can.h>: 16 bytes in host
// byte order, as a CAN_RAW socket reads and writes them (and as a test's socketpair carries them).
//
//   bytes 0..3  can_id: identifier in bits 0..28 (0..10 for 11-bit) | CAN_EFF_FLAG (bit 31,
//               29-bit) | CAN_RTR_FLAG (bit 30, remote) | CAN_ERR_FLAG (bit 29, error frame)
//   byte  4     len (can_dlc): 0..8
//   bytes 5..7  padding, reserved, len8_dlc: ignored on decoding, written 0
//   bytes 8..15 data; bytes at and after len are ignored on decoding and written 0
//
// Decoding refuses (with a reason) what stacksim's bus cannot carry: a record that is not exactly
// 16 bytes (a CAN FD record has 72), an error frame, len above 8, an 11-bit identifier with bits
// above bit 10 set. Pure functions, no sockets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/can_frame.h"

namespace stacksim::proto {

constexpr std::size_t socketcan_frame_bytes = 16;  // sizeof(struct can_frame), CAN_MTU
constexpr std::size_t socketcanfd_frame_bytes = 72; // sizeof(struct canfd_frame), CANFD_MTU

using socketcan_record = std::array<std::uint8_t, socketcan_frame_bytes>;

// The record for a frame; an invalid frame (is_valid false) -> std::invalid_argument.
socketcan_record encode_socketcan_frame(const can_frame& f);

struct socketcan_decode_result {
    bool ok = false;
    can_frame frame;   // when ok: valid, payload past dlc 0 (remote frames: all 0)
    std::string error; // when !ok: the reason
};

// Never throws; reads exactly `size` bytes at `bytes`.
socketcan_decode_result decode_socketcan_frame(const std::uint8_t* bytes, std::size_t size);

} // namespace stacksim::proto
