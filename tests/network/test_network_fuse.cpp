// The module fuse (models/numeric/fuse.h): its pre-arcing time-current characteristic,
// Miner's-rule damage under varying current, cooling, and the default 160 A curve's anchors.
#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "network_test_util.h"
#include "numeric/fuse.h"

using namespace stacksim::num;

namespace {

// A hand-made characteristic: 100 A -> 100 s, 1000 A -> 1 s, 10000 A -> 0.01 s: t = 1e6 / I^2
// on both segments (log-log slope -2), so t(I) is known in closed form between the points.
fuse_curve square_law(double cooling_time_s = 10.0) {
    fuse_curve c;
    c.current_a = {100.0, 1000.0, 10000.0};
    c.melt_time_s = {100.0, 1.0, 0.01};
    c.cooling_time_s = cooling_time_s;
    return c;
}

// Steps of dt_s at a constant current until the fuse blows (or max_s); returns the blow time.
double blow_time(fuse& f, double current_a, double dt_s, double max_s) {
    while (f.time_s() < max_s)
        if (f.update(dt_s, current_a))
            return f.time_s();
    return NAN;
}

} // namespace

TEST(NetworkFuse, LogLogInterpolationOfTheTable) {
    const fuse_curve c = square_law();
    EXPECT_DOUBLE_EQ(c.melt_time_s_at(100.0), 100.0);
    EXPECT_DOUBLE_EQ(c.melt_time_s_at(1000.0), 1.0);
    EXPECT_NEAR(c.melt_time_s_at(316.227766), 10.0, 1e-6);  // 1e6 / 316.23^2
    EXPECT_NEAR(c.melt_time_s_at(500.0), 4.0, 1e-12);       // 1e6 / 500^2
    EXPECT_NEAR(c.melt_time_s_at(-2000.0), 0.25, 1e-12);    // |i|: either direction
    EXPECT_NEAR(c.melt_time_s_at(20000.0), 0.0025, 1e-15);  // beyond the last point: last segment's law
    EXPECT_TRUE(std::isinf(c.melt_time_s_at(99.9)));
    EXPECT_TRUE(std::isinf(c.melt_time_s_at(0.0)));
}

TEST(NetworkFuse, ConstantCurrentBlowsAtTheMeltTimeWithinOneStep) {
    // Several points of the curve, each with a step that does not divide the melt time.
    for (double i_a : {120.0, 316.227766, 1000.0, 2500.0, 10000.0, 40000.0}) {
        const double t_melt = 1e6 / (i_a * i_a);
        const double dt = t_melt / 997.3;
        fuse f(square_law());
        const double t = blow_time(f, i_a, dt, 2.0 * t_melt);
        ASSERT_FALSE(std::isnan(t)) << i_a << " A never blew";
        EXPECT_GE(t, t_melt * (1.0 - 1e-12)) << i_a << " A";
        EXPECT_LT(t, t_melt + dt) << i_a << " A";
        EXPECT_TRUE(f.blown());
        EXPECT_DOUBLE_EQ(f.damage(), 1.0);
        EXPECT_DOUBLE_EQ(f.blow_time_s(), t);
    }
    // A step that lands exactly on the melt time blows in that step, not one later.
    fuse f(square_law());
    EXPECT_DOUBLE_EQ(blow_time(f, 1000.0, 0.1, 5.0), 1.0);
}

TEST(NetworkFuse, TimeToBlowPredictsTheBlow) {
    fuse f(square_law());
    for (int k = 0; k < 30; ++k)
        f.update(0.1, 316.227766); // 3 s of a 10 s melt: damage 0.3
    EXPECT_NEAR(f.damage(), 0.3, 1e-9);
    EXPECT_NEAR(f.time_to_blow_s(2000.0), 0.7 * 0.25, 1e-9);
    EXPECT_TRUE(std::isinf(f.time_to_blow_s(50.0)));
    EXPECT_FALSE(f.update(0.7 * 0.25 * (1.0 - 1e-6), 2000.0));
    EXPECT_TRUE(f.update(0.7 * 0.25 * 2e-6, 2000.0));
}

TEST(NetworkFuse, BelowTheLowestPointItNeverBlowsAndDamageRelaxes) {
    fuse f(square_law(10.0));
    for (int k = 0; k < 100000; ++k)
        ASSERT_FALSE(f.update(100.0, 99.0)); // 1e7 s just below the curve
    EXPECT_EQ(f.damage(), 0.0);
    // Damage 0.5, then 20 s at no current: 0.5 exp(-2).
    for (int k = 0; k < 50; ++k)
        f.update(0.01, 1000.0);
    EXPECT_NEAR(f.damage(), 0.5, 1e-12);
    for (int k = 0; k < 200; ++k)
        f.update(0.1, 0.0);
    EXPECT_NEAR(f.damage(), 0.5 * std::exp(-2.0), 1e-12);
}

TEST(NetworkFuse, PulsesAccumulateByMinersRuleUnlessTheGapCoolsThem) {
    // Two pulses of 1000 A (t_melt 1 s), each half the melt time, cooling constant 10 s.
    const double dt = 1e-3, tau = 10.0;
    auto pulses = [&](double gap_s, double second_s) {
        fuse f(square_law(tau));
        for (int k = 0; k < 500; ++k)
            f.update(dt, 1000.0);
        for (long k = 0; k < std::lround(gap_s / dt); ++k)
            f.update(dt, 0.0);
        const double start = f.time_s();
        for (long k = 0; k < std::lround(second_s / dt); ++k)
            if (f.update(dt, 1000.0))
                break;
        return std::make_pair(f, start);
    };
    // Short gap (10 ms << 10 s): the second pulse needs 1 - 0.5 exp(-0.001) of a melt time, i.e.
    // it blows at the end of its half melt time plus 0.5 ms -- within one step of its end.
    {
        auto [f, start] = pulses(0.01, 0.6);
        ASSERT_TRUE(f.blown());
        const double expected = start + (1.0 - 0.5 * std::exp(-0.01 / tau)) * 1.0;
        EXPECT_NEAR(f.blow_time_s(), expected, dt);
        EXPECT_NEAR(f.blow_time_s(), start + 0.5, 2.0 * dt);
    }
    // Long gap (50 s = 5 tau): the first pulse is forgotten but for 0.5 exp(-5); two half pulses
    // leave 0.5 + 0.5 exp(-5) = 0.503.
    {
        auto [f, start] = pulses(50.0, 0.5);
        EXPECT_FALSE(f.blown());
        EXPECT_NEAR(f.damage(), 0.5 + 0.5 * std::exp(-5.0), 1e-9);
    }
}

TEST(NetworkFuse, ABlownFuseStaysBlownUntilReplaced) {
    fuse f(square_law());
    EXPECT_TRUE(f.update(2.0, 1000.0));
    EXPECT_FALSE(f.update(100.0, 0.0)); // no second blow, no cooling
    EXPECT_TRUE(f.blown());
    EXPECT_DOUBLE_EQ(f.damage(), 1.0);
    EXPECT_TRUE(std::isinf(f.time_to_blow_s(5000.0)));
    f.reset();
    EXPECT_FALSE(f.blown());
    EXPECT_EQ(f.damage(), 0.0);
}

TEST(NetworkFuse, BadCurvesAreRefused) {
    fuse_curve c = square_law();
    c.melt_time_s = {100.0, 200.0, 0.01}; // time grows with current
    EXPECT_THROW(fuse{c}, std::invalid_argument);
    c = square_law();
    c.current_a = {100.0};
    c.melt_time_s = {1.0};
    EXPECT_THROW(fuse{c}, std::invalid_argument);
    c = square_law(0.0);
    EXPECT_THROW(fuse{c}, std::invalid_argument);
}

// The default 160 A curve (wiring_default.yaml) against the anchors its source names:
// IEC 60269-1 gG conventional currents (conventional time 2 h for 63 A < In <= 160 A) and the
// typical pre-arcing I^2 t of ~1e5 A^2 s below 10 ms.
TEST(NetworkFuse, DefaultCurveMeetsItsGates) {
    const auto& mi = network_test::params().module;
    const fuse_curve& c = mi.fuse;
    const double in_a = mi.fuse_rating_a, conventional_s = 2.0 * 3600.0;
    EXPECT_DOUBLE_EQ(in_a, 160.0);
    EXPECT_GT(c.min_current_a(), in_a);                        // carries its rating indefinitely
    EXPECT_GT(c.melt_time_s_at(1.25 * in_a), conventional_s); // non-fusing current
    EXPECT_LT(c.melt_time_s_at(1.6 * in_a), conventional_s);  // fusing current
    for (double t_s : {0.01, 0.001, 0.0001}) {
        // the current that melts the fuse in t_s: bisection on the monotone curve
        double lo = 200.0, hi = 1e6;
        for (int k = 0; k < 200; ++k) {
            const double mid = std::sqrt(lo * hi);
            (c.melt_time_s_at(mid) > t_s ? lo : hi) = mid;
        }
        EXPECT_NEAR(lo * lo * t_s, 1e5, 0.05e5) << t_s << " s";
    }
    // monotone: more current, less time
    double prev = INFINITY;
    for (double i = 200.0; i < 1e5; i *= 1.05) {
        const double t = c.melt_time_s_at(i);
        ASSERT_LT(t, prev) << i;
        prev = t;
    }
    EXPECT_GT(c.cooling_time_s, 0.0);
}
