#include "numeric/normal_source.h"

#include <cmath>
#include <cstring>

// Compiled with -ffp-contract=off and -fno-math-errno (models/numeric/CMakeLists.txt): no fused
// multiply-adds, so x x + y y and z stddev + mean round as the standard library's code does in
// the baseline build; and square roots without an errno branch, so they vectorise (their
// arguments are never negative: ln(r2) <= 0 for 0 < r2 <= 1).

namespace stacksim::num {

namespace {

// w = hi 2^32 + lo. The bit patterns 0x453 << 52 | hi and 0x433 << 52 | lo are the doubles
// 2^84 + hi 2^32 and 2^52 + lo; subtracting 2^84 + 2^52 from the first is exact, and adding the
// second then gives w with a single rounding to nearest: the correctly rounded conversion, as the
// compiler's scalar one, in operations that vectorise.
inline double u64_to_double(std::uint64_t w) {
    const std::uint64_t hi_bits = (w >> 32) | 0x4530000000000000ull;
    const std::uint64_t lo_bits = (w & 0xFFFFFFFFull) | 0x4330000000000000ull;
    double hi, lo;
    std::memcpy(&hi, &hi_bits, sizeof hi);
    std::memcpy(&lo, &lo_bits, sizeof lo);
    return (hi - 0x1.00000001p+84) + lo;
}

constexpr double below_one = 1.0 - 0x1p-53; // std::nextafter(1.0, 0.0)

} // namespace

void normal_source::canonical(const std::uint64_t* words, double* out, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
        const double u = u64_to_double(words[k]) * 0x1p-64; // exact: a power of two
        out[k] = u < below_one ? u : below_one;
    }
}

void normal_source::refill() {
    // The attempts in the standard's order: (u, v) from consecutive words. A rejected attempt
    // consumes its two words as the standard's loop does; an accepted one is kept at the next
    // free slot (the slot index only advances on acceptance, so the test is not a branch).
    std::size_t n = 0;
    do {
        m_engine.generate(m_words.data(), m_words.size());
        canonical(m_words.data(), m_uniform.data(), m_uniform.size());
        for (std::size_t k = 0; k < batch_attempts; ++k) {
            const double x = 2.0 * m_uniform[2 * k] - 1.0;
            const double y = 2.0 * m_uniform[2 * k + 1] - 1.0;
            const double r2 = x * x + y * y;
            m_x[n] = x;
            m_y[n] = y;
            m_r2[n] = r2;
            n += static_cast<std::size_t>((r2 <= 1.0) & (r2 != 0.0));
        }
    } while (n == 0); // 64 rejections in a row: probability 0.215^64
    // The same libm logarithm the standard's code calls, one accepted pair at a time (the calls
    // are independent, so they overlap), kept in m_first until the vector loop below replaces
    // each with the pair's first deviate.
    for (std::size_t k = 0; k < n; ++k)
        m_first[k] = std::log(m_r2[k]);
    for (std::size_t k = 0; k < n; ++k) {
        const double mult = std::sqrt(-2.0 * m_first[k] / m_r2[k]);
        m_first[k] = m_y[k] * mult;
        m_second[k] = m_x[k] * mult;
    }
    m_next = 0;
    m_count = n;
}

} // namespace stacksim::num
