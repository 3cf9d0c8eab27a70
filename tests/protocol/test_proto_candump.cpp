// candump -L lines and the can_frame value type.
#include <sstream>

#include <gtest/gtest.h>

#include "protocol/candump.h"

namespace stacksim::proto {
namespace {

TEST(proto_candump, formats_the_documented_example) {
    const can_frame f = make_can_frame(0x351, {0x0E, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0x00, 0x00});
    EXPECT_EQ(format_candump_line(1700000000.123456, "can0", f), "(1700000000.123456) can0 351#0E02E803E8030000");
    EXPECT_EQ(format_candump_line_us(1700000000123456ull, "can0", f), "(1700000000.123456) can0 351#0E02E803E8030000");
}

TEST(proto_candump, timestamps_have_exactly_six_decimals_rounded_to_the_microsecond) {
    const can_frame f = make_can_frame(0x305, {});
    EXPECT_EQ(format_candump_line(0.0, "can0", f), "(0.000000) can0 305#");
    EXPECT_EQ(format_candump_line(1.5, "vcan0", f), "(1.500000) vcan0 305#");
    EXPECT_EQ(format_candump_line(2.000250, "can0", f), "(2.000250) can0 305#");
    EXPECT_EQ(format_candump_line(0.0000004, "can0", f), "(0.000000) can0 305#");
    EXPECT_EQ(format_candump_line(0.0000006, "can0", f), "(0.000001) can0 305#");
    EXPECT_EQ(format_candump_line(9.9999996, "can0", f), "(10.000000) can0 305#");
    EXPECT_THROW(format_candump_line(-1.0, "can0", f), std::invalid_argument);
}

TEST(proto_candump, remote_and_extended_frames) {
    EXPECT_EQ(format_can_frame(make_can_remote(0x123)), "123#R");
    EXPECT_EQ(format_can_frame(make_can_remote(0x123, 5)), "123#R5");
    EXPECT_EQ(format_can_frame(make_can_frame(0x1ABCDEF, {0xAB}, true)), "01ABCDEF#AB");
    EXPECT_EQ(format_can_frame(make_can_frame(0x7, {})), "007#");
    std::ostringstream os;
    os << make_can_frame(0x35E, {'P', 'Y'});
    EXPECT_EQ(os.str(), "35E#5059");
}

TEST(proto_candump, parses_lines) {
    const candump_parse_result r = parse_candump_line("(1700000000.123456) can0 351#0E02E803E8030000\n");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.record.time_us, 1700000000123456ull);
    EXPECT_EQ(r.record.interface, "can0");
    EXPECT_EQ(r.record.frame, make_can_frame(0x351, {0x0E, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0x00, 0x00}));
    EXPECT_DOUBLE_EQ(r.record.time_s(), 1700000000.123456);

    const candump_parse_result rr = parse_candump_line("(0.000001) vcan0 123#R");
    ASSERT_TRUE(rr.ok) << rr.error;
    EXPECT_TRUE(rr.record.frame.rtr);
    EXPECT_EQ(rr.record.frame.dlc, 0);
    const candump_parse_result r5 = parse_candump_line("(0.000001) vcan0 123#R5");
    ASSERT_TRUE(r5.ok);
    EXPECT_EQ(r5.record.frame, make_can_remote(0x123, 5));

    const candump_parse_result ext = parse_candump_line("(12.500000) can1 18FF50E5#0102");
    ASSERT_TRUE(ext.ok);
    EXPECT_TRUE(ext.record.frame.extended);
    EXPECT_EQ(ext.record.frame.id, 0x18FF50E5u);
    EXPECT_EQ(ext.record.frame.dlc, 2);
    const candump_parse_result lower = parse_candump_line("(1.000000) can0 35e#50594c4f4e202020\r\n");
    ASSERT_TRUE(lower.ok);
    EXPECT_EQ(lower.record.frame.data[0], 'P');
    const candump_parse_result empty = parse_candump_line("(1.000000) can0 305#");
    ASSERT_TRUE(empty.ok);
    EXPECT_EQ(empty.record.frame.dlc, 0);
}

TEST(proto_candump, round_trip) {
    for (const can_frame& f : {make_can_frame(0x351, {1, 2, 3, 4, 5, 6, 7, 8}), make_can_frame(0, {}),
                               make_can_remote(0x7FF, 8), make_can_frame(0x1FFFFFFF, {0xFF}, true),
                               make_can_remote(0x0, 0, true)}) {
        const candump_parse_result r = parse_candump_line(format_candump_line_us(123456789, "can0", f));
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.record.frame, f);
        EXPECT_EQ(r.record.time_us, 123456789u);
    }
}

TEST(proto_candump, malformed_lines_are_errors_with_line_and_expectation) {
    struct bad {
        const char* line;
        const char* expect;
    };
    const bad cases[] = {
        {"1700000000.123456 can0 351#00", "expected '(' starting the timestamp"},
        {"(1700000000.123456 can0 351#00", "expected ')'"},
        {"(1700000000.1234) can0 351#00", "exactly 6 decimals"},
        {"(17000x0000.123456) can0 351#00", "decimal digit"},
        {"(1.000000) can0", "expected '<interface> <id>#<data>'"},
        {"(1.000000) can0 35100", "expected '#'"},
        {"(1.000000) can0 3510#00", "3-digit (11-bit) or 8-digit (29-bit)"},
        {"(1.000000) can0 35G#00", "hex digit in the identifier"},
        {"(1.000000) can0 800#00", "exceeds 0x7FF"},
        {"(1.000000) can0 20000080#0000000000000000", "exceeds 29 bits"},
        {"(1.000000) can0 351#0", "even number of hex digits"},
        {"(1.000000) can0 351#0Z", "hex digits in the data"},
        {"(1.000000) can0 351#010203040506070809", "more than 8 data bytes"},
        {"(1.000000) can0 351##100", "CAN FD"},
        {"(1.000000) can0 351#R9", "remote frame"},
        {"(1.000000) can0 351#00 extra", "unexpected text"},
    };
    for (const bad& b : cases) {
        const candump_parse_result r = parse_candump_line(b.line, 7);
        EXPECT_FALSE(r.ok) << b.line;
        EXPECT_NE(r.error.find("line 7: "), std::string::npos) << r.error;
        EXPECT_NE(r.error.find(b.expect), std::string::npos) << b.line << " -> " << r.error;
    }
}

TEST(proto_candump, log_keeps_going_after_bad_lines) {
    std::istringstream in("(0.100000) can0 305#0000000000000000\n"
                          "\n"
                          "garbage\n"
                          "(0.200000) can0 351#0E02E803E8030000\n"
                          "(0.3) can0 351#00\n");
    const candump_log log = parse_candump_log(in);
    ASSERT_EQ(log.records.size(), 2u);
    EXPECT_EQ(log.records[1].frame.id, 0x351u);
    ASSERT_EQ(log.errors.size(), 2u);
    EXPECT_EQ(log.errors[0].rfind("line 3: ", 0), 0u);
    EXPECT_EQ(log.errors[1].rfind("line 5: ", 0), 0u);
}

TEST(proto_can_frame, equality_looks_at_what_is_on_the_wire) {
    can_frame a = make_can_frame(0x351, {1, 2});
    can_frame b = a;
    b.data[5] = 0x99; // beyond the DLC: not on the wire
    EXPECT_EQ(a, b);
    b.data[1] = 3;
    EXPECT_NE(a, b);
    can_frame r1 = make_can_remote(0x10, 2), r2 = r1;
    r2.data[0] = 7;
    EXPECT_EQ(r1, r2);
    r2.dlc = 3;
    EXPECT_NE(r1, r2);
    EXPECT_NE(make_can_frame(0x10, {}), make_can_frame(0x10, {}, true));
    EXPECT_THROW(make_can_frame(1, {1, 2, 3, 4, 5, 6, 7, 8, 9}), std::invalid_argument);
    EXPECT_FALSE(is_valid(make_can_frame(0x800, {})));
    EXPECT_TRUE(is_valid(make_can_frame(0x800, {}, true)));
}

// Identifiers in text: the candump digits with a 0x prefix (0x351 = 849 decimal).
TEST(proto_candump, can_id_text_is_hex_like_candump) {
    EXPECT_EQ(can_id_text(0x351), "0x351");
    EXPECT_EQ(can_id_text(849), "0x351");
    EXPECT_EQ(can_id_text(0x35), "0x035");
    EXPECT_EQ(can_id_text(0x7FF), "0x7FF");
    EXPECT_EQ(can_id_text(0x18FF50E5, true), "0x18FF50E5");
    EXPECT_EQ(can_id_text(0x123, true), "0x00000123");
}

} // namespace
} // namespace stacksim::proto
