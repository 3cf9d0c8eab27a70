// Numbers as text for the output files and netlists: exact and reproducible.
#pragma once

#include <cstddef>
#include <string>

namespace stacksim::num {

// The text printf's "%.Ng" gives for the first N in min_digits ... 17 whose text reads back as v:
// the shortest round trip, written with at least min_digits significant digits' worth of
// notation (fixed when -4 <= exponent < N, else scientific), trailing zeros trimmed. "nan",
// "inf", "-inf" for the non-finite values. min_digits is 1 ... 15 (up to 15, %.Ng of a double
// with N >= its shortest digit count shows those digits and zeros; see number_text.cpp).
std::string shortest_text(double v, int min_digits);

// The same text written to out[0 .. shortest_text_max), without allocating; returns the end of
// the text (not terminated). For writers that format many numbers into one reused buffer.
constexpr std::size_t shortest_text_max = 48;
char* write_shortest_text(char* out, double v, int min_digits);

// The text printf's "%.Pg" (and std::to_chars(general, P)) gives for v, precision P in 1 ... 17:
// v's exact binary value rounded to P significant digits, ties to even, trailing zeros trimmed,
// fixed when -4 <= exponent < P, else scientific. Written to out[0 .. general_text_max) without
// allocating; returns the end. For 1e-12 <= |v| < 1e16 the digits come from one exact 128-bit
// product in integer arithmetic (std::to_chars with a precision takes an arbitrary-precision
// path); other values go through std::to_chars.
constexpr std::size_t general_text_max = 48;
char* write_general_text(char* out, double v, int precision);

// The text printf's "%.9f" (and std::to_chars(fixed, 9)) gives for v: v's exact binary value
// rounded to 9 decimals, ties to even, "-" kept for negative values and -0. Written to
// out[0 .. fixed9_text_max) without allocating; returns the end. For |v| < 1.8e10 the digits
// come from one exact 128-bit product in integer arithmetic (std::to_chars with a precision
// takes an arbitrary-precision path: about 700 instructions a call); other values, and the
// non-finite ones, go through std::to_chars.
constexpr std::size_t fixed9_text_max = 340; // the longest %.9f of a double, -1.8e308
char* write_fixed9_text(char* out, double v);

} // namespace stacksim::num
