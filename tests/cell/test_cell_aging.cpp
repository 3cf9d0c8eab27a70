// Aging against hand computations of the published models (BLAST-Lite LFP 250 Ah prismatic for
// capacity, Naumann/SimSES for resistance).
#include <cmath>

#include <gtest/gtest.h>

#include "cell_test_util.h"
#include "numeric/aging.h"
#include "numeric/cell_array.h"

using namespace stacksim::num;

namespace {
constexpr double year_s = 365.0 * 86400.0;
constexpr double t25_k = 298.15;
} // namespace

// Graphite potential at 50 % SoC (Safari & Delacourt fit, as in BLAST-Lite):
// Xa = 0.0085 + 0.5 * (0.78 - 0.0085) = 0.39425
// Ua = 0.6379 + 0.5416 e^(-305.5309 Xa) + 0.044 tanh(-(Xa - 0.1958)/0.1088) - 0.1978 tanh((Xa - 1.0571)/0.0854)
//      - 0.6875 tanh((Xa + 0.0117)/0.0529) - 0.0175 tanh((Xa - 0.5692)/0.0875)
//    = 0.6379 + 3.2e-53 - 0.04316 + 0.19780 - 0.68750 + 0.01722 = 0.1233037
TEST(CellAging, AnodePotential) {
    EXPECT_NEAR(anode_potential_v(0.5), 0.12330367674277443, 1e-14);
    EXPECT_GT(anode_potential_v(0.0), anode_potential_v(1.0));
}

// One year at 25 degC and 50 % SoC, BLAST-Lite Lfp_Gr_250AhPrismatic calendar fade:
// k_cal = 8.37e4 * exp(-5210 / 298.15) * exp(-3560 * 0.1233037 / 298.15)
//       = 8.37e4 * 2.5828e-8 * 0.228801 = 4.946233e-4 per day^0.526
// qLoss = k_cal * 365^0.526 = 4.946233e-4 * 22.27211 = 0.011016424  (1.10 % per year)
TEST(CellAging, OneYearCalendarAgingMatchesBlastLite) {
    const double hand = 0.011016423572855863;
    const cell_params p = cell_test::nominal_params();
    EXPECT_NEAR(calendar_fade_rate(p.aging, t25_k, 0.5), 4.946233097081536e-4, 1e-6 * 4.946233e-4);

    // (a) Fast aging: one call for the whole year.
    cell_array fast(p, 1, 1, 0, thermal_layout::free_standing);
    aging_stress s;
    s.temp_k = t25_k;
    s.soc = 0.5;
    fast.age(year_s, s);
    EXPECT_NEAR(fast.aging(0).q_loss_calendar, hand, 1e-6 * hand);
    EXPECT_NEAR(1.0 - fast.soh()(0), hand, 1e-6 * hand);
    EXPECT_NEAR(fast.capacity_ah()(0), p.table_capacity_ah * (1.0 - hand), 1e-9);

    // (b) The same year simulated at rest, hour by hour (daily stress windows from the history).
    cell_params q = p;
    q.self_discharge_pct_per_month = 0.0; // keep SoC at exactly 50 %
    cell_array slow(q, 1, 1, 0, thermal_layout::free_standing);
    slow.set_all_temperature_k(t25_k);
    slow.set_all_soc(0.5);
    const Eigen::ArrayXd zero = Eigen::ArrayXd::Zero(1);
    for (int h = 0; h < 365 * 24; ++h)
        slow.step(3600.0, zero, t25_k);
    EXPECT_NEAR(slow.aging(0).q_loss_calendar, hand, 1e-6 * hand);
    EXPECT_EQ(slow.aging(0).q_loss_cycle, 0.0);
    EXPECT_NEAR(slow.aging(0).age_s, year_s, 1e-6);
}

// Cycling stress, BLAST-Lite: k_cyc = (4.38e-8 + 1.55e-8 * 1 + 1.68e-7 * 0.5) * (e^(2190/298.15) + e^(-1.55e5/298.15))
//   = 1.433e-7 * 1548.88 = 2.219564e-4 ; qLoss_EFC(1000) = 2.219564e-4 * 1000^0.828 = 0.0676500
// Naumann resistance: calendar 3.4194e-10 * 1.5604 * 365 * 86400 = 0.0168264 per year at 25 degC / 50 %;
// cyclic (-0.0020 * 0.5 + 0.0021) * (6.8477 * 0.5^3 + 0.9182) / 100 * 1000 = 0.0195158.
TEST(CellAging, CycleFadeAndResistanceGrowthMatchHandComputation) {
    const cell_params p = cell_test::nominal_params();
    cell_array c(p, 1, 1, 0, thermal_layout::free_standing);
    aging_stress s;
    s.temp_k = t25_k;
    s.soc = 0.5;
    s.dod = 1.0;
    s.c_rate = 0.5;
    s.efc = 1000.0;
    c.age(year_s, s);
    EXPECT_NEAR(c.aging(0).q_loss_cycle, 0.06764998546882386, 1e-6 * 0.0676);
    EXPECT_NEAR(c.aging(0).r_growth_calendar, 0.016826448318336, 1e-6 * 0.0168);
    EXPECT_NEAR(c.aging(0).r_growth_cycle, 0.0195157875, 1e-6 * 0.0195);
    const double r_factor = 1.0 + 0.016826448318336 + 0.0195157875;
    EXPECT_NEAR(c.resistance_factor()(0), r_factor, 1e-9);
    cell_array fresh(p, 1, 1, 0, thermal_layout::free_standing);
    EXPECT_NEAR(c.r0_discharge_ohm()(0) / fresh.r0_discharge_ohm()(0), r_factor, 1e-12);
    EXPECT_NEAR(c.r1_ohm()(0) / fresh.r1_ohm()(0), r_factor, 1e-12);
}

// Virtual-time continuation: splitting constant stress into pieces gives k t^p exactly.
TEST(CellAging, PiecewiseAgingEqualsOneSpan) {
    const cell_params p = cell_test::nominal_params();
    aging_state one, many;
    aging_stress s;
    s.temp_k = 308.15;
    s.soc = 0.9;
    advance_aging(p.aging, one, 10.0 * year_s, s);
    for (int k = 0; k < 120; ++k)
        advance_aging(p.aging, many, 10.0 * year_s / 120.0, s);
    EXPECT_NEAR(many.q_loss_calendar, one.q_loss_calendar, 1e-12);
    EXPECT_NEAR(one.q_loss_calendar, calendar_fade_rate(p.aging, 308.15, 0.9) * std::pow(3650.0, p.aging.cal_exponent), 1e-12);
}

// Stressors from the simulated history: one day with one 80 % cycle at 0.5C, then ten years of
// such days by fast aging.
TEST(CellAging, StressFromHistoryAndFastRepeat) {
    cell_params p = cell_test::nominal_params();
    p.self_discharge_pct_per_month = 0.0;
    p.coulombic_efficiency = 1.0;
    cell_array c(p, 1, 1, 0, thermal_layout::free_standing);
    c.set_all_soc(0.1);
    const double q_ah = p.table_capacity_ah, i = 0.5 * q_ah;
    const double t_half = 0.8 * 3600.0 * q_ah / i; // 5760 s
    Eigen::ArrayXd cur(1);
    double t = 0.0;
    const auto run = [&](double a, double d) {
        cur(0) = a;
        for (double s = 0; s < d - 1e-9; s += 10.0, t += 10.0)
            c.step(10.0, cur, t25_k);
    };
    run(i, t_half);
    run(-i, t_half);
    run(0.0, 86400.0 - 2.0 * t_half);
    ASSERT_NEAR(c.last_window_s(), 86400.0, 1e-6);
    const aging_stress& s = c.last_window_stress(0);
    EXPECT_NEAR(s.dod, 0.8, 1e-9);
    EXPECT_NEAR(s.efc, 0.8, 1e-9);                         // 2 x 0.8 Q passed / (2 Q)
    EXPECT_NEAR(s.c_rate, 0.5 * 2.0 * t_half / 86400.0, 1e-9); // 0.5C for 2 t_half of the day
    EXPECT_GT(s.temp_k, t25_k);                            // self-heating
    const aging_state after_day = c.aging(0);
    c.age_repeat_last_window(10.0 * year_s);
    aging_state expected = after_day;
    aging_stress ten_years = s;
    ten_years.efc = s.efc * 3650.0;
    advance_aging(p.aging, expected, 10.0 * year_s, ten_years);
    EXPECT_NEAR(c.aging(0).q_loss_calendar, expected.q_loss_calendar, 1e-12);
    EXPECT_NEAR(c.aging(0).q_loss_cycle, expected.q_loss_cycle, 1e-12);
    EXPECT_NEAR(c.aging(0).efc, 0.8 * 3651.0, 1e-6);
    EXPECT_GT(c.aging(0).q_loss_cycle, 0.05);
    EXPECT_NEAR(c.soh()(0), 1.0 - expected.q_loss_calendar - expected.q_loss_cycle, 1e-12);
    EXPECT_NEAR(c.capacity_ah()(0), p.table_capacity_ah * c.soh()(0), 1e-9);
}
