// SLCAN device session (protocol/slcan.h). Vectors: the Lawicel CANUSB command list as adapter
// manuals give it (t00231199FF, r0023, t123499887766, T1234567829988 -> z/Z CR; S0..S8; BEL on
// error) and what python-can 4.1's slcan interface writes (C, S6, O at open; C at shutdown;
// "t%03X%d" + "%02X" bytes; "r%03X%d" remote; V and N answers of 6 characters).
#include <string>

#include <gtest/gtest.h>

#include "protocol/slcan.h"

namespace stacksim::proto {
namespace {

constexpr std::uint32_t bus_bps = 500000;

slcan_output feed(slcan_session& s, std::string_view in) {
    slcan_output out;
    s.feed(in, out);
    return out;
}

TEST(proto_slcan, python_can_open_sequence_and_shutdown) {
    // can.Bus(interface="slcan", bitrate=500000): set_bitrate() writes C, S6, O, then __init__ O again.
    slcan_session s(bus_bps);
    slcan_output out = feed(s, "C\rS6\rO\rO\r");
    EXPECT_EQ(out.replies, "\r\r\r\r");
    EXPECT_TRUE(out.issues.empty());
    EXPECT_TRUE(s.is_open());
    EXPECT_EQ(out.units, 4u);
    EXPECT_EQ(out.events, std::vector<std::string>{"open"});
    out = feed(s, "C\r");
    EXPECT_EQ(out.replies, "\r");
    EXPECT_FALSE(s.is_open());
}

TEST(proto_slcan, transmit_examples_of_the_adapter_manuals) {
    slcan_session s(bus_bps);
    feed(s, "O\r");
    slcan_output out = feed(s, "t00231199FF\rr0023\rt123499887766\rT1234567829988\rR1AAAAAAA2\r");
    EXPECT_TRUE(out.issues.empty()) << out.issues[0].reason;
    EXPECT_EQ(out.replies, "z\rz\rz\rZ\rZ\r");
    ASSERT_EQ(out.frames.size(), 5u);
    EXPECT_EQ(out.frames[0], make_can_frame(0x002, {0x11, 0x99, 0xFF}));
    EXPECT_EQ(out.frames[1], make_can_remote(0x002, 3));
    EXPECT_EQ(out.frames[2], make_can_frame(0x123, {0x99, 0x88, 0x77, 0x66}));
    EXPECT_EQ(out.frames[3], make_can_frame(0x12345678, {0x99, 0x88}, true));
    EXPECT_EQ(out.frames[4], make_can_remote(0x1AAAAAAA, 2, true));
    out = feed(s, "t35e80a0b0c0d0e0f1011\r"); // lower-case hex accepted
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0], make_can_frame(0x35E, {0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11}));
}

TEST(proto_slcan, frames_to_the_host) {
    EXPECT_EQ(format_slcan_frame(make_can_frame(0x351, {0x2C, 0x02, 0xE8, 0x03}), false, 0.0), "t35142C02E803\r");
    EXPECT_EQ(format_slcan_frame(make_can_frame(0x18FF50E5, {0xAB}, true), false, 0.0), "T18FF50E51AB\r");
    EXPECT_EQ(format_slcan_frame(make_can_remote(0x123, 5), false, 0.0), "r1235\r");
    EXPECT_EQ(format_slcan_frame(make_can_remote(0x1AAAAAAA, 0, true), false, 0.0), "R1AAAAAAA0\r");
    // tttt: milliseconds modulo 60000 (0..EA5F)
    EXPECT_EQ(format_slcan_frame(make_can_frame(0x305, {}), true, 1.2345), "t305004D2\r");
    EXPECT_EQ(format_slcan_frame(make_can_frame(0x305, {}), true, 59.9999), "t3050EA5F\r");
    EXPECT_EQ(format_slcan_frame(make_can_frame(0x305, {}), true, 60.0), "t30500000\r");
    EXPECT_EQ(format_slcan_frame(make_can_frame(0x305, {}), true, -1.0), "t30500000\r");
    EXPECT_EQ(format_slcan_transmit(make_can_frame(0x7FF, {1})), "t7FF101\r");
    EXPECT_THROW(format_slcan_frame(make_can_frame(0x800, {}), false, 0.0), std::invalid_argument);
}

TEST(proto_slcan, frames_go_to_the_host_only_while_open_with_the_timestamp_setting) {
    slcan_session s(bus_bps);
    const can_frame f = make_can_frame(0x356, {0x4E, 0x14});
    EXPECT_EQ(s.frame_to_host(f, 1.0), "");
    feed(s, "Z1\rO\r");
    EXPECT_EQ(s.frame_to_host(f, 1.0), "t35624E1403E8\r");
    feed(s, "C\rZ0\rO\r");
    EXPECT_EQ(s.frame_to_host(f, 1.0), "t35624E14\r");
    s.reset();
    EXPECT_FALSE(s.is_open());
    EXPECT_EQ(s.frame_to_host(f, 1.0), "");
}

TEST(proto_slcan, version_serial_number_and_status) {
    slcan_session s(bus_bps);
    slcan_output out = feed(s, "V\rN\r");
    EXPECT_EQ(out.replies, "V0100\rNSTSM\r"); // python-can wants "V" + 4 digits and "N" + 4 characters
    out = feed(s, "F\r");
    EXPECT_EQ(out.replies, "\a");
    ASSERT_EQ(out.issues.size(), 1u);
    EXPECT_EQ(out.issues[0].kind, slcan_issue_kind::refused);
    feed(s, "O\r");
    out = feed(s, "F\r");
    EXPECT_EQ(out.replies, "F00\r");
    s.note_overrun();
    out = feed(s, "F\rF\r");
    EXPECT_EQ(out.replies, "F08\rF00\r");
}

TEST(proto_slcan, bit_rates_and_mismatch) {
    for (std::size_t n = 0; n < slcan_bitrates_bps.size(); ++n) {
        slcan_session s(slcan_bitrates_bps[n]);
        const std::string cmd = "S" + std::to_string(n) + "\r";
        slcan_output out = feed(s, cmd);
        EXPECT_EQ(out.replies, "\r") << cmd;
        EXPECT_TRUE(out.issues.empty()) << cmd;
        EXPECT_EQ(slcan_bitrate_index(slcan_bitrates_bps[n]), static_cast<int>(n));
    }
    EXPECT_EQ(slcan_bitrates_bps[7], 800000u);
    EXPECT_EQ(slcan_bitrate_index(750000), -1);
    slcan_session s(bus_bps);
    slcan_output out = feed(s, "S5\r");
    EXPECT_EQ(out.replies, "\a");
    ASSERT_EQ(out.issues.size(), 1u);
    EXPECT_EQ(out.issues[0].kind, slcan_issue_kind::bitrate_mismatch);
    EXPECT_NE(out.issues[0].reason.find("250000"), std::string::npos) << out.issues[0].reason;
    EXPECT_NE(out.issues[0].reason.find("500000"), std::string::npos) << out.issues[0].reason;
    out = feed(s, "O\rS6\r");
    EXPECT_EQ(out.replies, "\r\a"); // opened; S refused while open
    EXPECT_EQ(out.issues.at(0).kind, slcan_issue_kind::refused);
}

TEST(proto_slcan, states_refuse_what_they_do_not_allow) {
    slcan_session s(bus_bps);
    slcan_output out = feed(s, "t1230\r");
    EXPECT_EQ(out.replies, "\a");
    EXPECT_TRUE(out.frames.empty());
    EXPECT_EQ(out.issues.at(0).kind, slcan_issue_kind::refused);
    out = feed(s, "L\rt1230\rO\rZ1\rC\rO\rt1230\r");
    EXPECT_EQ(out.replies, "\r\a\a\a\r\rz\r");
    EXPECT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.events, (std::vector<std::string>{"open listen-only", "closed", "open"}));
}

TEST(proto_slcan, malformed_lines_get_bel_and_a_reason) {
    slcan_session s(bus_bps);
    feed(s, "O\r");
    const char* bad[] = {"t12\r",       "t1239\r",        "t80000\r",        "t1231AAB\r",   "t1232AA\r",
                         "tXYZ0\r",     "T1234567\r",     "T2000000000\r",   "r12310\r",     "S9\r",
                         "S\r",         "Z2\r",           "O1\r",            "x\r",          "s031C\r",
                         "garbage\r",   "t123\x01\r",     "V1\r",            "\xff\r"};
    for (const char* b : bad) {
        slcan_output out = feed(s, b);
        EXPECT_EQ(out.replies, "\a") << b;
        ASSERT_EQ(out.issues.size(), 1u) << b;
        EXPECT_EQ(out.issues[0].kind, slcan_issue_kind::malformed) << b;
        EXPECT_FALSE(out.issues[0].reason.empty());
        EXPECT_TRUE(out.frames.empty()) << b;
        EXPECT_EQ(out.units, 1u) << b;
    }
    EXPECT_TRUE(s.is_open()); // the session goes on
    slcan_output out = feed(s, "t1230\r");
    EXPECT_EQ(out.frames.size(), 1u);
}

TEST(proto_slcan, empty_lines_lf_and_chunking) {
    slcan_session s(bus_bps);
    slcan_output out = feed(s, "\r\r\n\nO\nt1230\r\n");
    EXPECT_EQ(out.replies, "\rz\r");
    EXPECT_EQ(out.units, 2u);
    const std::string in = "C\rS6\rO\rt35142C02E803\rjunk\rT18FF50E51AB\rF\rV\r";
    slcan_session a(bus_bps), b(bus_bps);
    const slcan_output whole = feed(a, in);
    slcan_output bytewise;
    for (char c : in)
        b.feed(std::string_view(&c, 1), bytewise);
    EXPECT_EQ(whole.frames, bytewise.frames);
    EXPECT_EQ(whole.replies, bytewise.replies);
    EXPECT_EQ(whole.replies, "\r\r\rz\r\aZ\rF00\rV0100\r");
    EXPECT_EQ(whole.issues.size(), 1u);
    EXPECT_EQ(bytewise.issues.size(), 1u);
}

TEST(proto_slcan, over_long_line_is_skipped_to_its_end) {
    slcan_session s(bus_bps);
    feed(s, "O\r");
    slcan_output out = feed(s, std::string(1000, 't') + "\rt1230\r");
    EXPECT_EQ(out.replies, "\az\r");
    ASSERT_EQ(out.issues.size(), 1u);
    EXPECT_NE(out.issues[0].reason.find("longer than 64"), std::string::npos);
    EXPECT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.units, 2u);
    const std::string exact(slcan_max_line_chars, 'V'); // at the bound: a line, malformed but whole
    out = feed(s, exact + "\r");
    ASSERT_EQ(out.issues.size(), 1u);
    EXPECT_EQ(out.issues[0].reason.find("longer"), std::string::npos);
    EXPECT_EQ(s.buffered_chars(), 0u);
}

} // namespace
} // namespace stacksim::proto
