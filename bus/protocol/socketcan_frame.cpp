#include "protocol/socketcan_frame.h"

#include <cstring>
#include <stdexcept>

#include <linux/can.h>

// The kernel's struct, named apart from proto::can_frame.
using kernel_can_frame = ::can_frame;
using kernel_canfd_frame = ::canfd_frame;

namespace stacksim::proto {

// The kernel's layout is the contract; the constants above must agree with it.
static_assert(sizeof(kernel_can_frame) == socketcan_frame_bytes);
static_assert(sizeof(kernel_canfd_frame) == socketcanfd_frame_bytes);
static_assert(offsetof(kernel_can_frame, can_id) == 0);
static_assert(offsetof(kernel_can_frame, data) == 8);

namespace {

std::string hex32(std::uint32_t v) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s = "0x";
    for (int i = 7; i >= 0; --i)
        s.push_back(digits[(v >> (4 * i)) & 0xFu]);
    return s;
}

} // namespace

socketcan_record encode_socketcan_frame(const can_frame& f) {
    if (!is_valid(f))
        throw std::invalid_argument("encode_socketcan_frame: invalid CAN frame");
    kernel_can_frame k;
    std::memset(&k, 0, sizeof k);
    k.can_id = f.id;
    if (f.extended)
        k.can_id |= CAN_EFF_FLAG;
    if (f.rtr)
        k.can_id |= CAN_RTR_FLAG;
    k.can_dlc = f.dlc;
    for (unsigned i = 0; i < f.payload_bytes(); ++i)
        k.data[i] = f.data[i];
    socketcan_record r;
    std::memcpy(r.data(), &k, sizeof k);
    return r;
}

socketcan_decode_result decode_socketcan_frame(const std::uint8_t* bytes, std::size_t size) {
    socketcan_decode_result r;
    if (size != socketcan_frame_bytes) {
        r.error = size == socketcanfd_frame_bytes
                      ? "CAN FD record (72 bytes): only classical CAN frames are carried"
                      : "record of " + std::to_string(size) + " bytes, a struct can_frame has 16";
        return r;
    }
    kernel_can_frame k;
    std::memcpy(&k, bytes, sizeof k);
    if (k.can_id & CAN_ERR_FLAG) {
        r.error = "error frame (CAN_ERR_FLAG), can_id " + hex32(k.can_id);
        return r;
    }
    if (k.can_dlc > CAN_MAX_DLEN) {
        r.error = "len " + std::to_string(k.can_dlc) + " above 8, can_id " + hex32(k.can_id);
        return r;
    }
    can_frame& f = r.frame;
    f.extended = (k.can_id & CAN_EFF_FLAG) != 0;
    f.rtr = (k.can_id & CAN_RTR_FLAG) != 0;
    f.id = k.can_id & CAN_EFF_MASK;
    if (!f.extended && f.id > CAN_SFF_MASK) {
        r.error = "11-bit identifier with bits above bit 10 set, can_id " + hex32(k.can_id);
        return r;
    }
    f.dlc = k.can_dlc;
    for (unsigned i = 0; i < f.payload_bytes(); ++i)
        f.data[i] = k.data[i];
    r.ok = true;
    return r;
}

} // namespace stacksim::proto
