// UART character timing (protocols.md §3.2).
#include <gtest/gtest.h>

#include "protocol/uart_timing.h"

namespace stacksim::proto {
namespace {

TEST(proto_uart, bits_per_character) {
    EXPECT_EQ((uart_format{9600, 8, 'N', 1}.bits_per_char()), 10u);
    EXPECT_EQ((uart_format{9600, 8, 'E', 1}.bits_per_char()), 11u);
    EXPECT_EQ((uart_format{9600, 8, 'O', 2}.bits_per_char()), 12u);
    EXPECT_EQ((uart_format{9600, 7, 'N', 2}.bits_per_char()), 10u);
    EXPECT_THROW((uart_format{9600, 8, 'X', 1}.bits_per_char()), std::invalid_argument);
    EXPECT_THROW((uart_format{0, 8, 'N', 1}.bits_per_char()), std::invalid_argument);
    EXPECT_FALSE((uart_format{9600, 8, 'N', 3}.is_valid()));
}

TEST(proto_uart, issue_figures_128_chars) {
    // 128 characters x 10 bits = 1280 bits: 1280 / 9600 s = 2/15 s = 133.333... ms,
    // 1280 / 115200 s = 1/90 s = 11.111... ms.
    const uart_format slow{9600, 8, 'N', 1}, fast{115200, 8, 'N', 1};
    EXPECT_DOUBLE_EQ(slow.frame_time_s(128), 2.0 / 15.0);
    EXPECT_DOUBLE_EQ(fast.frame_time_s(128), 1.0 / 90.0);
    EXPECT_EQ(slow.frame_time_num(128), 1280u);
    EXPECT_EQ(slow.frame_time_den(), 9600u);
    // 2/15 s = 133 333 333 333.33 ps -> 133 333 333 333 ps; in fs 133 333 333 333 333.33 -> ...333.
    EXPECT_EQ(slow.frame_time_ps(128), 133333333333ull);
    EXPECT_EQ(slow.frame_time_fs(128), 133333333333333ull);
    // 1/90 s = 11 111 111 111.11 ps.
    EXPECT_EQ(fast.frame_time_ps(128), 11111111111ull);
    EXPECT_EQ(fast.frame_time_fs(128), 11111111111111ull);
}

TEST(proto_uart, other_protocols_md_figures_and_rounding) {
    const uart_format slow{9600, 8, 'N', 1}, fast{115200, 8, 'N', 1};
    // One character: 10/9600 s = 1.041666.. ms = 1 041 666 666.67 ps -> rounds up.
    EXPECT_EQ(slow.frame_time_ps(1), 1041666667ull);
    EXPECT_NEAR(slow.char_time_s(), 1.0416666e-3, 1e-9);
    // 10/115200 s = 86.805555.. us.
    EXPECT_EQ(fast.frame_time_ps(1), 86805556ull);
    // 148 characters: 1480/9600 = 154.1666.. ms; 234 at 9600 = 243.75 ms exactly.
    EXPECT_EQ(slow.frame_time_ps(148), 154166666667ull);
    EXPECT_EQ(slow.frame_time_ps(234), 243750000000ull);
    // Character starts come from the frame start, no accumulated rounding:
    // start of char 3 = 30/9600 s = 3.125 ms exactly, though 3 x round(1 char) would be 3.125000001.
    EXPECT_EQ(slow.char_start_ps(3), 3125000000ull);
    EXPECT_EQ(slow.char_start_ps(0), 0u);
    // 19200 8E1: 11 bits -> 1 char = 572 916 666.67 ps.
    EXPECT_EQ((uart_format{19200, 8, 'E', 1}.frame_time_ps(1)), 572916667ull);
    // A tie rounds up: 1 bit at 8 Gbaud... use an exact half: 1 bit at 2e12/... -> units helper.
    EXPECT_EQ(uart_bits_to_units(1, 3, 2), 2u);   // 1.5 -> 2
    EXPECT_EQ(uart_bits_to_units(5, 1, 4), 1u);   // 1.25 -> 1
    EXPECT_EQ(uart_bits_to_units(7, 1, 4), 2u);   // 1.75 -> 2
}

} // namespace
} // namespace stacksim::proto
