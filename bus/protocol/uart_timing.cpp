#include "protocol/uart_timing.h"

#include <limits>
#include <stdexcept>

namespace stacksim::proto {

bool uart_format::is_valid() const {
    return baud > 0 && data_bits >= 5 && data_bits <= 9 && (parity == 'N' || parity == 'E' || parity == 'O') &&
           (stop_bits == 1 || stop_bits == 2);
}

unsigned uart_format::bits_per_char() const {
    if (!is_valid())
        throw std::invalid_argument("uart_format: invalid baud/data/parity/stop combination");
    return 1u + data_bits + (parity == 'N' ? 0u : 1u) + stop_bits;
}

double uart_format::char_time_s() const { return static_cast<double>(bits_per_char()) / baud; }

double uart_format::frame_time_s(std::size_t n_chars) const {
    return static_cast<double>(frame_time_num(n_chars)) / static_cast<double>(baud);
}

std::uint64_t uart_bits_to_units(std::uint64_t n_bits, std::uint64_t units_per_s, std::uint32_t baud) {
    if (baud == 0)
        throw std::invalid_argument("uart_bits_to_units: baud must be positive");
    // n * U / b = n * q + n * r / b with U = q * b + r, r < b; n * r < n * b fits for n < 2^32.
    const std::uint64_t q = units_per_s / baud, r = units_per_s % baud;
    if (n_bits > std::numeric_limits<std::uint32_t>::max() || (q != 0 && n_bits > std::numeric_limits<std::uint64_t>::max() / q / 2))
        throw std::overflow_error("uart_bits_to_units: duration out of range");
    return n_bits * q + (n_bits * r + baud / 2) / baud;
}

std::uint64_t uart_format::frame_time_ps(std::size_t n_chars) const {
    return uart_bits_to_units(frame_time_num(n_chars), 1000000000000ull, baud);
}

std::uint64_t uart_format::frame_time_fs(std::size_t n_chars) const {
    return uart_bits_to_units(frame_time_num(n_chars), 1000000000000000ull, baud);
}

} // namespace stacksim::proto
