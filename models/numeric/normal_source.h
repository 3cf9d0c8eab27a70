// Normal deviates exactly as std::normal_distribution<double> (libstdc++) draws them from
// std::mt19937_64, generated in batches.
//
// libstdc++'s normal_distribution uses the polar method of Marsaglia and Bray. A fresh call
// draws uniforms u, v = generate_canonical<double, 53>(engine), i.e. the engine's next word w
// converted to double (rounded to nearest) times 2^-64, held below 1; forms x = 2u - 1,
// y = 2v - 1 and r2 = x x + y y, and repeats until 0 < r2 <= 1. With m = sqrt(-2 ln(r2) / r2) it
// returns y m and keeps x m, which the distribution object's next call returns without touching
// the engine. Every result is then scaled: z stddev + mean.
//
// normal_source owns the engine and runs that method over a batch of attempts at once: the word
// draws, the conversions, the rejection test (branch-free), the square roots and products in
// vector loops, the logarithms with the same libm call. It hands out the accepted pairs
// (y m, x m) in the order the standard's loop would accept them, so that a
// normal_source::distribution gives the same values, bit for bit, as a std::normal_distribution
// with the same parameters drawing from std::mt19937_64 with the same seed, also when several
// distributions share one source in any interleaving (the n-th fresh call, whichever object
// makes it, gets the n-th accepted pair). The batch runs ahead of the draws, so the engine is
// the source's own: nothing else may draw from it.
//
// The arithmetic is IEEE double without contraction into fused multiply-adds, as the standard
// library's inline code is compiled in the project's baseline x86-64 build (no FMA): test
// NormalSource compares both, draw for draw, for several seeds and interleavings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "numeric/mersenne_twister_64.h"

namespace stacksim::num {

class normal_source {
public:
    explicit normal_source(std::uint64_t seed) : m_engine(seed) {}

    // One accepted polar-method pair: `first` is what a fresh call returns (y m), `second` what
    // it keeps for the next call (x m). Both standard normal.
    struct pair {
        double first;
        double second;
    };
    pair next() {
        if (m_next == m_count)
            refill();
        const pair p{m_first[m_next], m_second[m_next]};
        ++m_next;
        return p;
    }

    // std::normal_distribution<double>'s state and call over a normal_source: mean, standard
    // deviation and the kept second value of its last pair.
    class distribution {
    public:
        distribution(double mean, double stddev) : m_mean(mean), m_stddev(stddev) {}
        double operator()(normal_source& source) {
            double z;
            if (m_saved_available) {
                m_saved_available = false;
                z = m_saved;
            } else {
                const pair p = source.next();
                m_saved = p.second;
                m_saved_available = true;
                z = p.first;
            }
            return z * m_stddev + m_mean;
        }

    private:
        double m_mean;
        double m_stddev;
        double m_saved = 0.0;
        bool m_saved_available = false;
    };

    // generate_canonical<double, 53>'s value for each engine word: words[k] rounded to the
    // nearest double, times 2^-64, and 1 - 2^-53 where that rounds up to 1. Exposed for tests.
    static void canonical(const std::uint64_t* words, double* out, std::size_t n);

    static constexpr std::size_t batch_attempts = 64; // candidate pairs per batch (~50 accepted)

private:
    void refill();

    mersenne_twister_64 m_engine;
    alignas(32) std::array<std::uint64_t, 2 * batch_attempts> m_words{};
    alignas(32) std::array<double, 2 * batch_attempts> m_uniform{};
    alignas(32) std::array<double, batch_attempts> m_x{};
    alignas(32) std::array<double, batch_attempts> m_y{};
    alignas(32) std::array<double, batch_attempts> m_r2{};
    alignas(32) std::array<double, batch_attempts> m_first{};
    alignas(32) std::array<double, batch_attempts> m_second{};
    std::size_t m_next = 0;
    std::size_t m_count = 0;
};

} // namespace stacksim::num
