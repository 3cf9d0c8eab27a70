// Exact UART character timing (RS485 chain), protocols.md §3.2.
//
// A character is 1 start bit + data bits + (parity bit) + stop bits, sent back to back, so a frame
// of n characters lasts exactly n * bits_per_char / baud seconds, a rational number. For
// simulators with a fixed time resolution the *_ps/_fs helpers return that duration in whole
// picoseconds/femtoseconds rounded to the nearest unit (ties upward). Character starts are
// computed from the frame start (char_start_ps(i) = round(i * bits / baud)) so rounding never
// accumulates; e.g. 128 characters at 9600 8N1 = 4/30 s = 133 333 333 333.33 ps -> 133 333 333 333 ps.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stacksim::proto {

struct uart_format {
    std::uint32_t baud = 9600;
    std::uint8_t data_bits = 8;  // 5..9
    char parity = 'N';           // 'N', 'E' or 'O'
    std::uint8_t stop_bits = 1;  // 1 or 2

    // baud > 0, data bits 5..9, parity N/E/O, 1 or 2 stop bits.
    bool is_valid() const;
    // 1 start + data + parity + stop bits (8N1 -> 10).
    unsigned bits_per_char() const;
    double char_time_s() const;
    double frame_time_s(std::size_t n_chars) const;

    // Exact duration of n characters = numerator / denominator seconds (numerator = n * bits,
    // denominator = baud).
    std::uint64_t frame_time_num(std::size_t n_chars) const { return static_cast<std::uint64_t>(n_chars) * bits_per_char(); }
    std::uint64_t frame_time_den() const { return baud; }

    // n characters in whole picoseconds / femtoseconds, rounded to nearest.
    std::uint64_t frame_time_ps(std::size_t n_chars) const;
    std::uint64_t frame_time_fs(std::size_t n_chars) const;
    // Start of character i relative to the start of the frame (= frame_time_ps(i)).
    std::uint64_t char_start_ps(std::size_t i) const { return frame_time_ps(i); }
};

// round(n_bits * units_per_s / baud) without overflow for any realistic frame.
std::uint64_t uart_bits_to_units(std::uint64_t n_bits, std::uint64_t units_per_s, std::uint32_t baud);

} // namespace stacksim::proto
