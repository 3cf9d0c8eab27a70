// I2C transfer durations (protocol/i2c_timing.h) against values counted by hand from the frame
// layout: START/Sr = 1 SCL period, 9 periods per byte (address byte included), STOP = 1 period.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include "protocol/i2c_timing.h"

using namespace stacksim::proto;

TEST(I2cTiming, BitsCountedByHand) {
    EXPECT_EQ(i2c_transfer_bits(0, true), 11u);   // S, addr+ACK (9), P: an address probe
    EXPECT_EQ(i2c_transfer_bits(1, false), 19u);  // S, addr, command byte, no STOP (Sr follows)
    EXPECT_EQ(i2c_transfer_bits(2, true), 29u);   // Sr, addr+R, 2 bytes, P
    EXPECT_EQ(i2c_transfer_bits(3, true), 38u);   // S, addr, 0x3E, lo, hi, P
    EXPECT_EQ(i2c_transfer_bits(33, true), 308u); // S, addr, 0x40 + 32 buffer bytes, P
}

TEST(I2cTiming, StandardAndFastMode) {
    // 100 kHz: 10 us per bit. Cell-voltage read = write 0x14 (19 bits) + read 2 bytes (29 bits).
    EXPECT_DOUBLE_EQ(i2c_transfer_s(1, false, 100e3), 190e-6);
    EXPECT_DOUBLE_EQ(i2c_transfer_s(2, true, 100e3), 290e-6);
    // 400 kHz: 2.5 us per bit.
    EXPECT_DOUBLE_EQ(i2c_transfer_s(1, false, 400e3), 47.5e-6);
    EXPECT_DOUBLE_EQ(i2c_transfer_s(2, true, 400e3), 72.5e-6);
    EXPECT_EQ(i2c_transfer_ps(32, true, 400e3), 747'500'000u); // 1 + 297 + 1 = 299 bits * 2.5 us
    EXPECT_EQ(i2c_transfer_ps(0, true, 100e3), 110'000'000u);
}

TEST(I2cTiming, RejectsNonPositiveRates) {
    EXPECT_THROW(i2c_transfer_s(1, true, 0.0), std::invalid_argument);
    EXPECT_THROW(i2c_transfer_s(1, true, -1.0), std::invalid_argument);
    EXPECT_THROW(i2c_transfer_s(1, true, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}
