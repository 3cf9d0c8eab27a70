// Duration of one I2C transfer on the wire, from its bits (I2C-bus specification UM10204).
//
// One transfer (one TLM payload of bus/tlm/i2c_socket.h) is: a START or repeated START, the
// address byte and n data bytes of 9 bits each (8 data bits + ACK/NACK), and a STOP if the
// transfer ends the bus transaction. Counted in SCL periods T = 1 / scl_hz:
//
//     bits(n, stop) = 1 (START / Sr) + 9 * (1 + n) + (stop ? 1 : 0)
//     duration      = bits(n, stop) / scl_hz
//
// Approximation: START (tHD;STA, plus tSU;STA for a repeated START) and STOP (tSU;STO) are each
// counted as one SCL period. One period is longer than the specification's minimum for both
// conditions in standard mode (100 kHz: T = 10 us against tHD;STA >= 4.0 us, tSU;STA >= 4.7 us,
// tSU;STO >= 4.0 us) and in fast mode (400 kHz: T = 2.5 us against 0.6 / 0.6 / 0.6 us), so the
// figure is what a controller clocking at exactly scl_hz with symmetric conditions produces.
// The bus free time between a STOP and the next START (tBUF) belongs to the controller's next
// transfer and is not included. Clock stretching by a target is added by the target on top.
// Example: a 1-byte command write with a repeated START (no STOP) at 100 kHz is 1 + 18 = 19 bits
// = 190 us; the 2-byte read that follows, with its STOP, is 1 + 27 + 1 = 29 bits = 290 us.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stacksim::proto {

constexpr double i2c_standard_mode_hz = 100e3;
constexpr double i2c_fast_mode_hz = 400e3;

// SCL periods of a transfer with n data bytes after the address byte.
std::uint64_t i2c_transfer_bits(std::size_t n_data_bytes, bool stop);
// Seconds; scl_hz must be finite and positive (std::invalid_argument otherwise).
double i2c_transfer_s(std::size_t n_data_bytes, bool stop, double scl_hz);
// Whole picoseconds, rounded to nearest (the SystemC time resolution used by the simulator).
std::uint64_t i2c_transfer_ps(std::size_t n_data_bytes, bool stop, double scl_hz);

} // namespace stacksim::proto
