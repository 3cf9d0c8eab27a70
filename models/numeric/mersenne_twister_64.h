// The 64-bit Mersenne Twister of the C++ standard (std::mt19937_64: w 64, n 312, m 156, r 31,
// a 0xB5026F5AA96619E9, tempering u 29 / d 0x5555555555555555, s 17 / b 0x71D67FFFEDA60000,
// t 37 / c 0xFFF7EEE000000000, l 43, seeding f 6364136223846793005), giving exactly its
// sequence for every seed: a drop-in uniform random bit generator for the standard
// distributions, so a model's draws (and every output that depends on them) do not change.
//
// Why not std::mt19937_64 itself: libstdc++ regenerates the 312 words of state one at a time in
// a loop the compiler does not vectorise; this regeneration (refill()) is written as two loops
// without a dependence shorter than their vector width, compiled for SSE2 and cloned for AVX2,
// and costs about a quarter as much. The words it draws, their order and the tempering are the
// standard's, so the sequence is the same bit for bit (test MersenneTwister64 compares it with
// std::mt19937_64 over many refills, after seeding and after discard).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace stacksim::num {

class mersenne_twister_64 {
public:
    using result_type = std::uint64_t;
    static constexpr result_type default_seed = 5489u;

    explicit mersenne_twister_64(result_type value = default_seed) { seed(value); }

    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type{0}; }

    // The standard's seeding: x0 = value, x_i = f (x_{i-1} xor (x_{i-1} >> 62)) + i.
    void seed(result_type value);

    result_type operator()() {
        if (m_next >= state_words)
            refill();
        return temper(m_x[m_next++]);
    }

    // The next n outputs, as n calls of operator() would give them, into out[0 .. n): the
    // tempering runs over whole runs of state words in a vector loop.
    void generate(result_type* out, std::size_t n);

    void discard(unsigned long long count) {
        for (; count != 0; --count)
            (void)(*this)();
    }

    static constexpr std::size_t state_words = 312;

private:
    static result_type temper(result_type y) {
        y ^= (y >> 29) & 0x5555555555555555ull;
        y ^= (y << 17) & 0x71D67FFFEDA60000ull;
        y ^= (y << 37) & 0xFFF7EEE000000000ull;
        return y ^ (y >> 43);
    }
    static void temper_run(const result_type* x, result_type* out, std::size_t n);
    void refill(); // the next 312 words of state (the standard's "twist")

    alignas(32) std::array<result_type, state_words> m_x{};
    std::size_t m_next = state_words;
};

} // namespace stacksim::num
