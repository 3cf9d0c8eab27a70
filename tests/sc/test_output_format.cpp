// Numbers in timeseries.csv: the text of the first of %.9g ... %.17g that reads back as the same
// double (shortest round trip, at least 9 significant digits' worth of notation). Checked against
// that definition, evaluated with snprintf + strtod, on hand-picked and a million random doubles,
// and on a million decimals of few digits (where %.9g writes 3600, not 3.6e+03). And the times of
// rs485.log against printf("%.9f"). The other notations the project writes (at least 1 digit's
// and 15 digits' worth, num::shortest_text) against the same definition.
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "numeric/number_text.h"
#include "sim/output_files.h"

using stacksim::sim::format_double;

namespace {
std::string by_definition(double v, int min_digits = 9) {
    char buf[40];
    for (int prec = min_digits; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v)
            break;
    }
    return buf;
}
} // namespace

TEST(output_format, hand_picked_values) {
    EXPECT_EQ(format_double(0.0), "0");
    EXPECT_EQ(format_double(-0.0), "-0");
    EXPECT_EQ(format_double(0.1), "0.1");
    EXPECT_EQ(format_double(3600.0), "3600");
    EXPECT_EQ(format_double(1.0 / 3.0), "0.3333333333333333");
    EXPECT_EQ(format_double(1e-5), "1e-05");
    EXPECT_EQ(format_double(123456789012.0), "123456789012");
    EXPECT_EQ(format_double(1e17), "1e+17");
    EXPECT_EQ(format_double(100.0), "100");
    EXPECT_EQ(format_double(1e9), "1e+09");
    EXPECT_EQ(format_double(-2.5e-7), "-2.5e-07");
    EXPECT_EQ(format_double(1e-300), "1e-300");
    EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "nan");
    EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-inf");
    for (double v : {std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                     std::numeric_limits<double>::max(), 56.8, -294.0, 2.5e-4})
        EXPECT_EQ(format_double(v), by_definition(v)) << v;
}

TEST(output_format, random_doubles_are_shortest_and_round_trip) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::uint64_t> bits;
    std::uniform_real_distribution<double> physical(-500.0, 500.0);
    for (int i = 0; i < 1000000; ++i) {
        double v;
        if (i % 2) {
            const std::uint64_t b = bits(rng);
            std::memcpy(&v, &b, sizeof v);
            if (!std::isfinite(v))
                continue;
        } else {
            v = physical(rng); // the range signals live in
        }
        const std::string s = format_double(v);
        ASSERT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
        ASSERT_EQ(s, by_definition(v));
    }
}

TEST(output_format, decimals_of_few_digits_over_every_exponent) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> digits(1, 9), exponent(-12, 22);
    std::uniform_int_distribution<std::uint64_t> mantissa(1, 999999999);
    for (int i = 0; i < 1000000; ++i) {
        const int d = digits(rng);
        std::uint64_t m = mantissa(rng);
        while (m >= static_cast<std::uint64_t>(std::pow(10.0, d)))
            m /= 10; // at most d digits
        const std::string text = std::to_string(m) + "e" + std::to_string(exponent(rng));
        double v = std::strtod(text.c_str(), nullptr);
        if (i % 2)
            v = -v;
        const std::string s = format_double(v);
        ASSERT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
        ASSERT_EQ(s, by_definition(v)) << text;
    }
    for (double v = 1.0; v < 1e18; v *= 10.0) // every power of ten and its neighbours in digits
        for (double k : {1.0, 2.0, 5.0, 9.0, 25.0, 125.0, 99999999.0, 123456789.0})
            EXPECT_EQ(format_double(k * v), by_definition(k * v)) << k * v;
}

// num::shortest_text with the other minimum widths in use: 15 (SPICE netlists) and 1 (values in
// error messages), where %.1g writes 7.64e+03 for 7640 (its shortest digits are three, and the
// exponent is not below three).
TEST(output_format, other_minimum_widths_follow_the_definition) {
    using stacksim::num::shortest_text;
    EXPECT_EQ(shortest_text(7640.0, 1), "7.64e+03");
    EXPECT_EQ(shortest_text(10.0, 1), "1e+01");
    EXPECT_EQ(shortest_text(0.1, 1), "0.1");
    EXPECT_EQ(shortest_text(7640.0, 15), "7640");
    EXPECT_EQ(shortest_text(0.1, 15), "0.1");
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::uint64_t> bits;
    std::normal_distribution<double> physical(0.0, 100.0);
    std::uniform_int_distribution<int> exponent(-8, 20);
    for (int i = 0; i < 300000; ++i) {
        double v;
        if (i % 3 == 0) {
            const std::uint64_t b = bits(rng);
            std::memcpy(&v, &b, sizeof v);
            if (!std::isfinite(v))
                continue;
        } else if (i % 3 == 1) {
            v = physical(rng);
        } else {
            v = std::nearbyint(physical(rng) * 100.0) * std::pow(10.0, exponent(rng)); // few digits
        }
        for (int min_digits : {1, 15})
            ASSERT_EQ(shortest_text(v, min_digits), by_definition(v, min_digits)) << v << " " << min_digits;
    }
}

// Values in waveforms.vcd: num::write_general_text against glibc's printf("%.16g") (and other
// precisions), which rounds the exact binary value to nearest, ties to even -- on random bit
// patterns, physical values, decimals of few digits, exact ties (an integer and a half past 2^40,
// short binary fractions), and the doubles next to every power of ten (where a rounding carries
// into the next exponent).
TEST(output_format, general_text_is_printfs_g) {
    using stacksim::num::write_general_text;
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<std::uint64_t> bits;
    std::normal_distribution<double> physical(0.0, 100.0);
    std::uniform_int_distribution<int> exponent(-14, 18), precision(1, 17);
    char got[stacksim::num::general_text_max + 1], want[64];
    for (int i = 0; i < 600000; ++i) {
        double v = 0.0;
        switch (i % 6) {
        case 0: {
            const std::uint64_t b = bits(rng);
            std::memcpy(&v, &b, sizeof v);
            break;
        }
        case 1: v = physical(rng); break;
        case 2: v = std::nearbyint(physical(rng) * 1e4) * std::pow(10.0, exponent(rng)); break;
        case 3: v = std::floor(std::ldexp(1.0, 40 + static_cast<int>(bits(rng) % 13))) + 0.5 + static_cast<double>(bits(rng) % 1000); break;
        case 4: v = std::ldexp(std::floor(physical(rng) * 1000.0), -static_cast<int>(bits(rng) % 30)); break;
        default: {
            const double p10 = std::pow(10.0, exponent(rng));
            v = (i % 12 == 5) ? std::nextafter(p10, 0.0) : std::nextafter(p10, 1e300);
            break;
        }
        }
        if (bits(rng) & 1u)
            v = -v;
        const int p = (i % 4) ? 16 : precision(rng);
        *write_general_text(got, v, p) = '\0';
        std::snprintf(want, sizeof want, "%.*g", p, v);
        ASSERT_STREQ(got, want) << "precision " << p;
    }
    // Every double within 4 units in the last place of each power of ten from 1e-14 to 1e18, at
    // every precision: where the exponent is decided (a value just below 10^k whose rounding
    // carries to it is written with k, the others with k - 1).
    for (int k = -14; k <= 18; ++k) {
        double v = std::strtod(("1e" + std::to_string(k)).c_str(), nullptr);
        for (int u = 0; u < 4; ++u)
            v = std::nextafter(v, 0.0);
        for (int u = 0; u <= 8; ++u, v = std::nextafter(v, 1e300))
            for (int p = 1; p <= 17; ++p) {
                *write_general_text(got, v, p) = '\0';
                std::snprintf(want, sizeof want, "%.*g", p, v);
                ASSERT_STREQ(got, want) << "precision " << p;
            }
    }
    for (const double v : {0.0, -0.0, 1.0, 100.0, 0.1, 1e-12, 9.999999999999999e15, 1e16, 1e22, 5e-324,
                           std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
        *write_general_text(got, v, 16) = '\0';
        std::snprintf(want, sizeof want, "%.16g", v);
        EXPECT_STREQ(got, want);
    }
}

// Times in rs485.log: num::write_fixed9_text against glibc's printf("%.9f"), which rounds the
// exact binary value to nearest, ties to even -- on kernel times (whole picoseconds as seconds),
// exact ties (odd multiples of 2^-10 s are k + 0.5 ns exactly), the doubles next to every
// rounding boundary, random bit patterns (beyond 1.8e10 s the library path), zeros and signs.
namespace {
std::string fixed9(double v) {
    char buf[stacksim::num::fixed9_text_max];
    return std::string(buf, stacksim::num::write_fixed9_text(buf, v));
}
std::string printf_fixed9(double v) {
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.9f", v);
    return buf;
}
} // namespace

TEST(output_format, fixed9_is_printfs_text) {
    for (double v : {0.0, -0.0, 1e-12, -1e-12, 5e-10, 1.5e-9, 2.5e-9, 0.0009765625, 1.0 / 3.0, 86400.0, 86399.9999999995,
                     1.8e10, -1.8e10, 1.7999999999e10, 1e300, -1e-300, std::numeric_limits<double>::denorm_min(),
                     std::numeric_limits<double>::max(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()})
        ASSERT_EQ(fixed9(v), printf_fixed9(v)) << v;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> ps(0, 400'000'000'000'000'000ull); // up to 4.6 days, in ps
    std::uniform_int_distribution<std::uint64_t> bits;
    std::uniform_int_distribution<std::uint64_t> odd(0, 1ull << 40);
    std::uniform_int_distribution<int> k(1, 60);
    std::uniform_int_distribution<std::uint64_t> ns(0, 20'000'000'000'000'000ull);
    int ties = 0;
    for (int i = 0; i < 1000000; ++i) {
        double v = 0.0;
        switch (i % 5) {
        case 0: v = static_cast<double>(ps(rng)) * 1e-12; break; // a kernel time, as bus::to_s gives it
        case 1: {
            const std::uint64_t b = bits(rng);
            std::memcpy(&v, &b, sizeof v);
            if (std::isnan(v))
                continue;
            break;
        }
        case 2: { // an odd multiple of 2^-k: exact ties for k = 10 (x.5 ns), exact quarters etc. else
            const int e = (i & 16) ? 10 : k(rng);
            v = std::ldexp(static_cast<double>(2 * odd(rng) + 1), -e);
            ties += e == 10;
            break;
        }
        case 3: { // next to a rounding boundary (n + 0.5) ns
            const double boundary = (static_cast<double>(ns(rng) % 100'000'000'000'000ull) + 0.5) * 1e-9;
            v = std::nextafter(boundary, (i & 8) ? 0.0 : 1e300);
            break;
        }
        default: v = -static_cast<double>(ps(rng)) * 1e-15; break; // negative and small
        }
        ASSERT_EQ(fixed9(v), printf_fixed9(v)) << std::hexfloat << v;
    }
    EXPECT_GT(ties, 90000); // about 200,000 x (1/2 + 1/120)
}
