// The loosening law of bolted contacts over months (numeric/bolt_preload.h) against its equations
// (docs/models/network.md, "Contact loosening over months"), and fast-aging jumps against the
// same months simulated in steps, within the bound derived there.
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <gtest/gtest.h>

#include "network_test_util.h"
#include "numeric/bolt_preload.h"
#include "numeric/contact.h"

using namespace stacksim::num;
using network_test::params;
using network_test::t20_k;

namespace {

constexpr double day_s = 86400.0;
constexpr double pi = 3.14159265358979323846;

bolt_preload_law creep_only() {
    bolt_preload_law l;
    l.embedding_fraction = 0.10;
    l.embedding_time_s = day_s;
    l.creep_per_decade = 0.03;
    l.creep_onset_s = 3600.0;
    l.cycle_hysteresis_k = 1.0;
    return l;
}

bolt_preload_law cycles_only(double k = 0.004) {
    bolt_preload_law l;
    l.cycle_loss_per_cycle = k;
    l.cycle_reference_k = 20.0;
    l.cycle_exponent = 2.0;
    l.cycle_hysteresis_k = 1.0;
    return l;
}

// Written out from the documented equations, not from the class.
double expected_creep_fraction(double t0_s, double t_s) {
    const double emb = 0.10 * (std::exp(-t0_s / day_s) - std::exp(-t_s / day_s));
    const double creep = 0.03 / std::log(10.0) * std::log(1.0 + (t_s - t0_s) / 3600.0);
    return 1.0 - emb - creep;
}

} // namespace

// Held at a constant temperature the preload relaxes by embedding and creep only: no cycle is
// counted, p(t) follows the closed form at every check, also after a re-tightening at 90 days.
TEST(NetworkBoltPreload, ConstantTemperatureRelaxesAsTheLawSays) {
    bolt_preload b(creep_only());
    const double dt = 60.0;
    double t = 0.0;
    for (double check : {3600.0, day_s, 30 * day_s, 90 * day_s}) {
        while (t < check - 0.5 * dt) {
            b.advance(dt, t20_k + 15.0, t20_k, 1e-5);
            t += dt;
        }
        EXPECT_NEAR(b.fraction(), expected_creep_fraction(0.0, t), 1e-12) << "t = " << t;
        EXPECT_EQ(b.half_cycles(), 0.0);
    }
    // 90 days: embedding has almost all happened (0.1 (1 - e^-90)), creep 3 % x log10(2161) = 10.0 %.
    EXPECT_NEAR(b.fraction(), 1.0 - 0.10 - 0.03 * std::log10(2161.0), 1e-9);
    b.tighten(); // the inspection: preload restored, only the embedding still to come is lost
    EXPECT_NEAR(b.fraction(), 1.0, 1e-15);
    const double t0 = t;
    while (t < t0 + 30 * day_s - 0.5 * dt) {
        b.advance(dt, t20_k + 15.0, t20_k, 1e-5);
        t += dt;
    }
    EXPECT_NEAR(b.fraction(), expected_creep_fraction(t0, t), 1e-12);
    EXPECT_NEAR(b.fraction(), 1.0 - 0.03 * std::log10(1.0 + 30 * 24.0), 1e-9);
}

// A daily temperature cycle of range R starting at its minimum, sampled every minute for N days:
// 2N - 1 turning points are confirmed after the start (the last minimum needs a rise after it);
// rainflow closes a half-cycle at each from the second on: 2N - 2 half-cycles, each losing
// k/2 (R / 20 K)^2, the first a little short. Doubling the range quadruples the loss (exponent 2); swings under the
// hysteresis are not counted.
TEST(NetworkBoltPreload, ThermalCyclesAddWhatTheLawSays) {
    const int days = 30;
    auto run = [&](double range_k) {
        bolt_preload b(cycles_only());
        for (int i = 1; i <= days * 1440; ++i) {
            const double t = 60.0 * i;
            const double temp = t20_k + 5.0 - 0.5 * range_k * std::cos(2.0 * pi * t / day_s);
            b.advance(60.0, temp, t20_k, 1e-5);
        }
        return b;
    };
    // sampled from t = 60 s: the first sample is just after the minimum, so the first half-cycle's
    // range is R/2 (1 - cos(2 pi 60 / 86400)) short of R.
    const double first_short_k = 0.5 * (1.0 - std::cos(2.0 * pi * 60.0 / day_s));
    for (double range : {16.0, 32.0}) {
        const bolt_preload b = run(range);
        EXPECT_EQ(b.half_cycles(), 2.0 * days - 2.0) << range;
        const double first = 0.5 * 0.004 * std::pow((range - range * first_short_k) / 20.0, 2.0);
        const double expected = first + (2.0 * days - 3.0) * 0.5 * 0.004 * std::pow(range / 20.0, 2.0);
        EXPECT_NEAR(b.cycle_loss(), expected, 1e-12) << range;
        EXPECT_NEAR(b.fraction(), 1.0 - expected, 1e-12) << range;
    }
    EXPECT_NEAR(run(32.0).cycle_loss() / run(16.0).cycle_loss(), 4.0, 1e-6);
    EXPECT_EQ(run(0.8).half_cycles(), 0.0); // under the 1 K hysteresis
}

// Rainflow: 0 -> 10 -> 7 -> 9 -> 0 -> 10 -> 0 -> 5 K (ramps of 0.25 K per sample, h = 0.5 K). The
// swing 7 -> 9 inside the large one is a full cycle of 2 K; the large ranges stay whole: three
// half-cycles of 10 K (ASTM E1049-85 5.4.4 by hand).
TEST(NetworkBoltPreload, RainflowKeepsNestedCyclesApart) {
    bolt_preload_law law = cycles_only();
    law.cycle_hysteresis_k = 0.5;
    bolt_preload b(law);
    double temp = 0.0;
    b.advance(60.0, t20_k + temp, t20_k, 1e-5);
    for (double target : {10.0, 7.0, 9.0, 0.0, 10.0, 0.0, 5.0}) {
        while (std::abs(target - temp) > 1e-9) {
            temp += target > temp ? 0.25 : -0.25;
            b.advance(60.0, t20_k + temp, t20_k, 1e-5);
        }
    }
    EXPECT_EQ(b.half_cycles(), 5.0);
    EXPECT_NEAR(b.cycle_loss(), 2.0 * 0.002 * std::pow(2.0 / 20.0, 2.0) + 3.0 * 0.002 * std::pow(10.0 / 20.0, 2.0), 1e-15);
}

// The heating feeds back: the same ambient swing with a contact rising 10 K above ambient while a
// current flows cycles harder than one that stays at ambient.
TEST(NetworkBoltPreload, HotterContactCyclesHarder) {
    auto run = [&](double rise_k) {
        bolt_preload b(cycles_only());
        for (int i = 1; i <= 10 * 1440; ++i) {
            const double t = 60.0 * i;
            const double amb = t20_k + 5.0 - 5.0 * std::cos(2.0 * pi * t / day_s);
            const bool loaded = std::fmod(t, day_s) >= 10 * 3600.0 && std::fmod(t, day_s) < 14 * 3600.0;
            b.advance(60.0, amb + (loaded ? rise_k : 0.0), amb, 1e-5);
        }
        return b.cycle_loss();
    };
    EXPECT_GT(run(10.0), 1.5 * run(0.0));
}

TEST(NetworkBoltPreload, InactiveChangesNothingAndBadLawsAreRefused) {
    contact c("contact.m0.pos.inv", contact_location::terminal, 14.0, params().terminal);
    c.set_preload_law(bolt_preload_law{});
    c.advance(1e7, t20_k + 40.0, t20_k);
    c.jump(1e8);
    EXPECT_EQ(c.torque_nm(), 14.0);
    bolt_preload_law bad = creep_only();
    bad.embedding_fraction = 1.0;
    EXPECT_THROW(bolt_preload{bad}, std::invalid_argument);
    bad = cycles_only();
    bad.cycle_reference_k = 0.0;
    EXPECT_THROW(bolt_preload{bad}, std::invalid_argument);
}

// Creep and embedding are closed forms in time: a jump gives them exactly.
TEST(NetworkBoltPreload, JumpAtConstantTemperatureIsExact) {
    bolt_preload a(creep_only()), b(creep_only());
    for (int i = 0; i < 1440; ++i) {
        a.advance(60.0, t20_k, t20_k, 1e-5);
        b.advance(60.0, t20_k, t20_k, 1e-5);
    }
    for (int i = 0; i < 89 * 1440; ++i)
        a.advance(60.0, t20_k, t20_k, 1e-5);
    b.jump(89 * day_s, [](double) { return 1e-5; });
    EXPECT_NEAR(a.fraction(), b.fraction(), 1e-12);
}

namespace {

// A terminal contact (14 Nm law of the parameter file) in a daily cycle: ambient 15..25 degC, 100 A
// from 10:00 to 14:00 and 120 A from 18:00 to 20:00; its temperature is quasi-static,
// T = T_amb + I^2 R_ref(p) / G with G = 0.5 W/K (the jump's assumption: the rise scales with R).
struct daily_contact {
    contact c;
    double t_s = 0.0;
    double t_min_k = 1e9, t_max_k = 0.0; // since the last reset
    explicit daily_contact(const bolt_preload_law& law)
        : c("contact.m0.pos.inv", contact_location::terminal, 14.0, params().terminal) {
        c.set_preload_law(law);
    }
    void simulate(double duration_s) {
        const double dt = 60.0;
        for (double end = t_s + duration_s; t_s < end - 0.5 * dt;) {
            t_s += dt;
            const double h = std::fmod(t_s, day_s) / 3600.0;
            const double amb = t20_k - 5.0 * std::cos(2.0 * pi * t_s / day_s);
            const double i_a = (h >= 10 && h < 14) ? 100.0 : (h >= 18 && h < 20) ? 120.0 : 0.0;
            const double temp = amb + i_a * i_a * c.law().r_ref_ohm(c.torque_nm()) / 0.5;
            c.advance(dt, temp, amb);
            t_min_k = std::min(t_min_k, temp);
            t_max_k = std::max(t_max_k, temp);
        }
    }
};

} // namespace

// 120 days simulated minute by minute against 6 one-day windows, each followed by a 19-day jump.
// Bound (docs/models/network.md, "Fast aging of the contacts"): the jump holds the heating
// feedback of each one-window sub-step at its start, and the loss rate r only grows as p falls,
// so the jumps lose at most window x (r_end - r_first) less than the steps (a telescoping sum,
// r_end the rate at the end of the last jump); the first window starts at the run's first point
// instead of a turning point (at most one half-cycle of the window's largest range per repeated
// window of its jump: its first point is the first sample, delta above the day's minimum at
// t = 0, so two of its ranges are at most delta short, each repetition), and at the end the
// stepped run's rainflow residue holds at most two half-cycles not yet counted.
TEST(NetworkBoltPreload, JumpsMatchSimulatedMonthsWithinTheDerivedBound) {
    bolt_preload_law law = creep_only();
    law.cycle_loss_per_cycle = 0.01; // the file's values
    law.cycle_hysteresis_k = 0.1;
    law.cycle_reference_k = 20.0;
    law.cycle_exponent = 2.0;
    constexpr int windows = 6, jump_days = 19;
    daily_contact steps(law), jumps(law);
    steps.simulate(windows * (1 + jump_days) * day_s);

    double r_first = -1.0, windows_loss = 0.0, frozen_jump_loss = 0.0, edge_loss = 0.0, r_w_last = 0.0;
    for (int w = 0; w < windows; ++w) {
        jumps.c.start_window();
        jumps.t_min_k = 1e9;
        jumps.t_max_k = 0.0;
        jumps.simulate(day_s);
        const bolt_preload& p = jumps.c.preload();
        const double r = p.window_cycle_loss_rate(1.0);
        if (r_first < 0) {
            r_first = r;
            const double range = jumps.t_max_k - jumps.t_min_k;
            const double delta = jumps.t_min_k - (t20_k - 5.0); // first sample above the minimum at t = 0
            edge_loss += 2.0 * jump_days * (law.half_cycle_loss(range + delta) - law.half_cycle_loss(range));
        }
        if (w == windows - 1) {
            edge_loss += 2.0 * law.half_cycle_loss(jumps.t_max_k - jumps.t_min_k);
            r_w_last = jumps.c.law().r_ref_ohm(jumps.c.torque_nm()); // about the window's mean R
        }
        windows_loss += p.window_cycle_loss();
        frozen_jump_loss += r * jump_days * day_s;
        jumps.c.jump(jump_days * day_s);
        jumps.t_s += jump_days * day_s; // the day profile goes on at the same phase
    }
    // The rate at the end: the last window's block with the rise scaled to the final resistance.
    const double r_end = jumps.c.preload().window_cycle_loss_rate(jumps.c.law().r_ref_ohm(jumps.c.torque_nm()) / r_w_last);
    const double bound = day_s * (r_end - r_first) + edge_loss;
    const double p_steps = steps.c.preload().fraction();
    const double p_jumps = jumps.c.preload().fraction();
    // The same jumps without the feedback: each window's loss rate held over its jump.
    const double p_frozen = 1.0 - jumps.c.preload().embedding_loss() - jumps.c.preload().creep_loss() - windows_loss -
                            frozen_jump_loss;
    std::printf("[ figures ] %d days: p steps %.6f, jumps %.6f, |diff| %.2e, bound %.2e; without feedback %.6f\n",
                windows * (1 + jump_days), p_steps, p_jumps, std::abs(p_steps - p_jumps), bound, p_frozen);
    EXPECT_GT(p_steps, 0.05); // not saturated: the comparison means something
    EXPECT_LT(p_steps, 0.7);  // the feedback has had something to do
    EXPECT_LE(std::abs(p_steps - p_jumps), bound);
    EXPECT_GT(std::abs(p_steps - p_frozen), bound); // the feedback is what makes the jumps right
}
