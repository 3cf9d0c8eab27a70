// num::mersenne_twister_64 must give std::mt19937_64's sequence bit for bit: the AFE's noise (and
// every output that depends on it) is drawn from it. Compared with the standard library's engine
// over many regenerations of the state, for several seeds, after reseeding and after discard, and
// through std::normal_distribution as the AFE uses it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>

#include "numeric/mersenne_twister_64.h"

namespace {

using stacksim::num::mersenne_twister_64;

TEST(MersenneTwister64, GivesTheStandardSequence) {
    // The standard fixes the 10000th output of a default-constructed mt19937_64.
    mersenne_twister_64 first;
    first.discard(9999);
    EXPECT_EQ(first(), 9981545732273789042ull);
    for (const std::uint64_t seed : {0ull, 1ull, 5489ull, 0x243F6A8885A308D3ull, ~0ull}) {
        std::mt19937_64 ref(seed);
        mersenne_twister_64 eng(seed);
        std::size_t differ = 0;
        for (int k = 0; k < 100000; ++k) // 320 regenerations of the state
            differ += eng() != ref();
        EXPECT_EQ(differ, 0u) << "seed " << seed;
    }
}

TEST(MersenneTwister64, ReseedAndDiscardFollowTheStandard) {
    std::mt19937_64 ref(7);
    mersenne_twister_64 eng(7);
    for (int k = 0; k < 500; ++k)
        (void)eng();
    eng.seed(11); // mid-state: the state and the position restart
    ref.seed(11);
    ref.discard(1000);
    eng.discard(1000);
    for (int k = 0; k < 2000; ++k)
        ASSERT_EQ(eng(), ref()) << "draw " << k;
}

TEST(MersenneTwister64, GenerateGivesTheSameWordsAsSingleDraws) {
    // Runs of every length up to past a regeneration, starting anywhere in the state.
    std::mt19937_64 ref(99);
    mersenne_twister_64 eng(99);
    std::uint64_t out[700];
    for (std::size_t n = 0; n < 700; n += 1 + n / 3) {
        eng.generate(out, n);
        for (std::size_t k = 0; k < n; ++k)
            ASSERT_EQ(out[k], ref()) << "run of " << n << ", word " << k;
        ASSERT_EQ(eng(), ref()) << "the draw after a run of " << n;
    }
}

TEST(MersenneTwister64, NormalDrawsAreTheStandardEnginesBits) {
    // As the AFE draws: several distributions (each keeps the second value of its pair) sharing
    // one engine, in an irregular interleaving.
    std::mt19937_64 ref(42);
    mersenne_twister_64 eng(42);
    std::normal_distribution<double> ref_cell(0.0, 0.7e-3), ref_current(0.0, 0.02);
    std::normal_distribution<double> eng_cell(0.0, 0.7e-3), eng_current(0.0, 0.02);
    for (int k = 0; k < 50000; ++k) {
        const bool current = k % 17 == 0 || k % 5 == 3;
        const double x = current ? ref_current(ref) : ref_cell(ref);
        const double y = current ? eng_current(eng) : eng_cell(eng);
        ASSERT_EQ(std::memcmp(&x, &y, sizeof x), 0) << "draw " << k;
    }
}

} // namespace
