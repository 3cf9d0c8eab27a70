// Numbers as text for the output files and netlists: exact and reproducible.
#pragma once

#include <cstddef>
#include <string>

namespace stacksim::num {

// The text printf's "%.Ng" gives for the first N in min_digits ... 17 whose text reads back as v:
// the shortest round trip, written with at least min_digits significant digits' worth of
// notation (fixed when -4 <= exponent < N, else scientific), trailing zeros trimmed. "nan",
// "inf", "-inf" for the non-finite values.
std::string shortest_text(double v, int min_digits);

// The same text written to out[0 .. shortest_text_max), without allocating; returns the end of
// the text (not terminated). For writers that format many numbers into one reused buffer.
constexpr std::size_t shortest_text_max = 48;
char* write_shortest_text(char* out, double v, int min_digits);

} // namespace stacksim::num
