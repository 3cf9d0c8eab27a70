#include "numeric/mersenne_twister_64.h"

namespace stacksim::num {

namespace {

constexpr std::size_t n_words = mersenne_twister_64::state_words;
constexpr std::size_t shift_words = 156;                          // m
constexpr std::uint64_t upper_mask = ~std::uint64_t{0} << 31;     // the upper w - r bits
constexpr std::uint64_t lower_mask = ~upper_mask;                 // the lower r bits
constexpr std::uint64_t twist_matrix = 0xB5026F5AA96619E9ull;     // a

// x_i = x_{i+m} xor (y >> 1) xor (a if y is odd), y = upper bits of x_i | lower bits of x_{i+1}.
inline std::uint64_t twist(std::uint64_t xi, std::uint64_t xnext, std::uint64_t xm) {
    const std::uint64_t y = (xi & upper_mask) | (xnext & lower_mask);
    return xm ^ (y >> 1) ^ ((std::uint64_t{0} - (y & 1u)) & twist_matrix);
}

} // namespace

void mersenne_twister_64::seed(result_type value) {
    m_x[0] = value;
    for (std::size_t i = 1; i < n_words; ++i)
        m_x[i] = 6364136223846793005ull * (m_x[i - 1] ^ (m_x[i - 1] >> 62)) + i;
    m_next = n_words;
}

// In the first loop word i reads words i + 1 and i + m, neither written yet (each is read before
// the iteration that rewrites it); in the second, i reads i - (n - m), already rewritten by the
// first loop, and i + 1, not yet rewritten. Neither has a dependence shorter than n - m = 156
// words, so both run several words at a time with the standard's results.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void mersenne_twister_64::refill() {
    std::uint64_t* x = m_x.data();
    for (std::size_t i = 0; i < n_words - shift_words; ++i)
        x[i] = twist(x[i], x[i + 1], x[i + shift_words]);
    for (std::size_t i = n_words - shift_words; i < n_words - 1; ++i)
        x[i] = twist(x[i], x[i + 1], x[i - (n_words - shift_words)]);
    x[n_words - 1] = twist(x[n_words - 1], x[0], x[shift_words - 1]);
    m_next = 0;
}

// The tempering has no dependence between words: a plain vector loop.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void mersenne_twister_64::temper_run(const result_type* x, result_type* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        out[i] = temper(x[i]);
}

void mersenne_twister_64::generate(result_type* out, std::size_t n) {
    while (n > 0) {
        if (m_next >= state_words)
            refill();
        const std::size_t run = n < state_words - m_next ? n : state_words - m_next;
        temper_run(m_x.data() + m_next, out, run);
        m_next += run;
        out += run;
        n -= run;
    }
}

} // namespace stacksim::num
