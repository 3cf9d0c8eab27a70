// num::normal_source must give std::normal_distribution<double>'s values over std::mt19937_64
// bit for bit: the AFE's measurement noise (and every output that depends on it) is drawn from
// it. Compared with the standard library itself: the uniform conversion at the edges of the
// 64-bit range, long runs for several seeds, several distributions sharing one source in an
// irregular interleaving, and one fresh distribution per draw (as the BQ76952 model draws).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "numeric/normal_source.h"

namespace {

using stacksim::num::normal_source;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A generator that returns one given word: std::generate_canonical's value for that word.
struct one_word {
    using result_type = std::uint64_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return ~result_type{0}; }
    result_type word;
    result_type operator()() const { return word; }
};

TEST(NormalSource, UniformsAreGenerateCanonicalsAtTheEdges) {
    std::vector<std::uint64_t> words = {0,
                                        1,
                                        2,
                                        0xFFFFFFFFull,
                                        0x100000000ull,
                                        (1ull << 53) - 1,
                                        1ull << 53,
                                        (1ull << 53) + 1, // ties and near-ties of the rounding
                                        (1ull << 54) + 2,
                                        (1ull << 54) + 6,
                                        0x7FFFFFFFFFFFFFFFull,
                                        0x8000000000000000ull,
                                        0x8000000000000400ull, // halfway at 2^63: ties to even
                                        0x8000000000000C00ull,
                                        0x8000000000000401ull,
                                        0xFFFFFFFFFFFFF7FFull,
                                        0xFFFFFFFFFFFFFBFFull,
                                        0xFFFFFFFFFFFFFC00ull, // rounds up to 2^64: held below 1
                                        0xFFFFFFFFFFFFFFFFull};
    std::mt19937_64 rng(3);
    for (int k = 0; k < 20000; ++k)
        words.push_back(rng() >> (k % 64));
    std::vector<double> got(words.size());
    normal_source::canonical(words.data(), got.data(), words.size());
    for (std::size_t k = 0; k < words.size(); ++k) {
        one_word g{words[k]};
        const double want = std::generate_canonical<double, std::numeric_limits<double>::digits>(g);
        ASSERT_TRUE(same_bits(got[k], want)) << "word " << words[k] << ": " << got[k] << " vs " << want;
    }
}

TEST(NormalSource, OneDistributionGivesTheStandardSequence) {
    for (const std::uint64_t seed : {0ull, 1ull, 42ull, 5489ull, ~0ull}) {
        std::mt19937_64 ref_engine(seed);
        std::normal_distribution<double> ref(0.25, 1.5);
        normal_source source(seed);
        normal_source::distribution dist(0.25, 1.5);
        for (int k = 0; k < 100000; ++k) { // about 1,000 batches, 1,800 state regenerations
            const double want = ref(ref_engine), got = dist(source);
            ASSERT_TRUE(same_bits(got, want)) << "seed " << seed << " draw " << k;
        }
    }
}

TEST(NormalSource, SharedSourceFollowsTheStandardInAnyInterleaving) {
    // As the AFE draws: three distributions (16 cells, the module, the current), each keeping
    // the second value of its pair, on one engine; plus an irregular pattern.
    std::mt19937_64 ref_engine(7);
    std::normal_distribution<double> ref_cell(0.0, 0.7e-3), ref_module(0.0, 5e-3), ref_current(0.01, 0.02);
    normal_source source(7);
    normal_source::distribution cell(0.0, 0.7e-3), module(0.0, 5e-3), current(0.01, 0.02);
    for (int k = 0; k < 60000; ++k) {
        const int which = k % 18 < 16 ? 0 : (k % 18 == 16 ? 1 : 2);
        const int odd = (k % 23 == 5) ? 2 : (k % 11 == 4 ? 1 : which);
        double want, got;
        if (odd == 0) {
            want = ref_cell(ref_engine);
            got = cell(source);
        } else if (odd == 1) {
            want = ref_module(ref_engine);
            got = module(source);
        } else {
            want = ref_current(ref_engine);
            got = current(source);
        }
        ASSERT_TRUE(same_bits(got, want)) << "draw " << k;
    }
}

TEST(NormalSource, FreshDistributionPerDrawUsesEachPairsFirstValue) {
    std::mt19937_64 ref_engine(1234);
    normal_source source(1234);
    for (int k = 0; k < 20000; ++k) {
        const double sigma = 1e-3 * (1 + k % 5);
        std::normal_distribution<double> ref(0.0, sigma);
        normal_source::distribution dist(0.0, sigma);
        ASSERT_TRUE(same_bits(dist(source), ref(ref_engine))) << "draw " << k;
    }
}

} // namespace
