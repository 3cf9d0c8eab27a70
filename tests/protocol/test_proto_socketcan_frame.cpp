// struct can_frame records (protocol/socketcan_frame.h). The expected bytes are written out by hand
// from <linux/can.h>'s layout (can_id u32 in host order with EFF 0x80000000 / RTR 0x40000000 /
// ERR 0x20000000, len at byte 4, data at byte 8), not produced by the code under test.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/socketcan_frame.h"

namespace stacksim::proto {
namespace {

socketcan_record record(std::uint32_t can_id, std::uint8_t len, std::vector<std::uint8_t> data) {
    socketcan_record r{};
    std::memcpy(r.data(), &can_id, 4); // host order, as the kernel
    r[4] = len;
    for (std::size_t i = 0; i < data.size(); ++i)
        r[8 + i] = data[i];
    return r;
}

TEST(proto_socketcan_frame, encodes_the_kernel_layout) {
    EXPECT_EQ(encode_socketcan_frame(make_can_frame(0x351, {0x2C, 0x02, 0xE8, 0x03})),
              record(0x351, 4, {0x2C, 0x02, 0xE8, 0x03}));
    EXPECT_EQ(encode_socketcan_frame(make_can_frame(0x18FF50E5, {1, 2}, true)), record(0x98FF50E5u, 2, {1, 2}));
    EXPECT_EQ(encode_socketcan_frame(make_can_remote(0x123, 5)), record(0x40000123u, 5, {}));
    EXPECT_EQ(encode_socketcan_frame(make_can_remote(0x1AAAAAAA, 2, true)), record(0xDAAAAAAAu, 2, {}));
    EXPECT_THROW(encode_socketcan_frame(make_can_frame(0x800, {})), std::invalid_argument);
}

TEST(proto_socketcan_frame, decodes_and_ignores_padding_and_bytes_past_len) {
    socketcan_record r = record(0x98FF50E5u, 2, {1, 2, 3, 4, 5, 6, 7, 8});
    r[5] = 0xAA;
    r[6] = 0xBB;
    r[7] = 0xCC;
    socketcan_decode_result d = decode_socketcan_frame(r.data(), r.size());
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.frame, make_can_frame(0x18FF50E5, {1, 2}, true));
    EXPECT_EQ(d.frame.data[2], 0);
    r = record(0x40000123u, 8, {9, 9, 9, 9, 9, 9, 9, 9});
    d = decode_socketcan_frame(r.data(), r.size());
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.frame, make_can_remote(0x123, 8));
    EXPECT_EQ(d.frame.data[0], 0);
}

TEST(proto_socketcan_frame, refuses_what_the_bus_cannot_carry) {
    const socketcan_record err = record(0x20000004u, 8, {});
    EXPECT_FALSE(decode_socketcan_frame(err.data(), err.size()).ok);
    const socketcan_record long_dlc = record(0x123, 9, {});
    socketcan_decode_result d = decode_socketcan_frame(long_dlc.data(), long_dlc.size());
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.error.find("len 9"), std::string::npos) << d.error;
    const socketcan_record wide_std = record(0x00000800u, 0, {});
    EXPECT_FALSE(decode_socketcan_frame(wide_std.data(), wide_std.size()).ok);
    const std::vector<std::uint8_t> fd(72, 0);
    d = decode_socketcan_frame(fd.data(), fd.size());
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.error.find("CAN FD"), std::string::npos);
    const socketcan_record ok = record(0x123, 0, {});
    EXPECT_FALSE(decode_socketcan_frame(ok.data(), 15).ok);
    EXPECT_FALSE(decode_socketcan_frame(ok.data(), 0).ok);
}

} // namespace
} // namespace stacksim::proto
