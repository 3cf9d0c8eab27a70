// The standalone single cell uses the same core as the stack.
#include <gtest/gtest.h>

#include <cmath>

#include "cell_test_util.h"
#include "numeric/cell_array.h"
#include "numeric/cell_simulation.h"
#include "numeric/units.h"

using namespace stacksim::num;

// The cell array an instant (1 us) after `c`'s present state with current i_a flowing: its
// end-of-step voltage and mean heat are the instantaneous ones at the start, to within the
// 1 us of RC and SoC motion.
cell_array just_after(const cell_array& c, double i_a, double ambient_k) {
    cell_array probe = c;
    probe.step(1e-6, Eigen::ArrayXd::Constant(1, i_a), ambient_k);
    return probe;
}

TEST(CellSimulation, SameResultsAsTheCellArray) {
    // Sample k: the instant t[k] with i[k] flowing (the input's alignment); the states are the
    // array's after stepping to t[k], the voltage and heat those with i[k] just switched on.
    const cell_params p = cell_test::default_params();
    const std::vector<double> t = {0.0, 100.0, 250.0, 1000.0, 1003.0};
    const std::vector<double> i = {-100.0, 0.0, 50.0, -20.0, 0.0};
    const cell_simulation_result r = simulate_cell(p, t, i, 10.0, 1.0, 0.8, -1.0);
    ASSERT_EQ(r.voltage_v.size(), t.size());

    cell_params nominal = cell_test::nominal_params();
    cell_array c(nominal, 1, 1, 0, thermal_layout::free_standing);
    c.set_all_temperature_k(283.15);
    c.set_all_soc(0.8);
    c.set_all_hysteresis(-1.0);
    Eigen::ArrayXd cur(1);
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (k > 0) {
            cur(0) = i[k - 1];
            for (double s = t[k - 1]; s < t[k] - 1e-9; s += 1.0)
                c.step(1.0, cur, 283.15);
        }
        EXPECT_EQ(r.t_s[k], t[k]);
        EXPECT_EQ(r.current_a[k], i[k]);
        const cell_array probe = just_after(c, i[k], 283.15);
        EXPECT_NEAR(r.voltage_v[k], probe.voltage_v()(0), 1e-8) << k;
        EXPECT_NEAR(r.heat_w[k], probe.heat_w()(0), 1e-6 * (1.0 + std::abs(probe.heat_w()(0)))) << k;
        EXPECT_DOUBLE_EQ(r.ocv_v[k], c.ocv_v()(0));
        EXPECT_DOUBLE_EQ(r.hysteresis_v[k], c.hysteresis_v()(0));
        EXPECT_DOUBLE_EQ(r.soc[k], c.soc()(0));
        EXPECT_DOUBLE_EQ(r.temp_c[k], c.temp_k()(0) - zero_celsius_k);
    }
}

TEST(CellSimulation, CurrentStepShowsAtItsOwnSample) {
    // Rest, then -100 A from sample 3: the voltage falls by R0_discharge * 100 A at sample 3
    // (R0 at SoC 0.5 and 25 degC = r0_discharge_ohm x r0_soc_factor(0.5) = 1.0).
    const cell_params p = cell_test::default_params();
    const std::vector<double> t = {0.0, 1.0, 2.0, 3.0, 4.0};
    const std::vector<double> i = {0.0, 0.0, 0.0, -100.0, -100.0};
    const auto r = simulate_cell(p, t, i, 25.0, 1.0, 0.5, 0.0);
    EXPECT_NEAR(r.voltage_v[2] - r.voltage_v[1], 0.0, 1e-7);
    EXPECT_NEAR(r.voltage_v[3] - r.voltage_v[2], -p.r0_discharge_ohm * 100.0, 1e-6);
}

TEST(CellSimulation, SplitsIntervalsIntoEqualStepsNoLongerThanDt) {
    const std::vector<double> t = {0.0, 10.0};
    const std::vector<double> i = {-100.0, 0.0};
    // 10 s at dt 3 s -> 4 steps of 2.5 s; compare with 4 explicit steps.
    const auto r = simulate_cell(cell_test::default_path(), t, i, 25.0, 3.0, 0.5, 0.0);
    cell_array c(cell_test::nominal_params(), 1, 1, 0, thermal_layout::free_standing);
    c.set_all_temperature_k(298.15);
    c.set_all_soc(0.5);
    c.set_all_hysteresis(0.0);
    Eigen::ArrayXd cur = Eigen::ArrayXd::Constant(1, -100.0);
    for (int k = 0; k < 4; ++k)
        c.step(2.5, cur, 298.15);
    EXPECT_NEAR(r.voltage_v[1], just_after(c, 0.0, 298.15).voltage_v()(0), 1e-8); // i[1] = 0 from t = 10 s
    EXPECT_DOUBLE_EQ(r.soc[1], c.soc()(0));
}

TEST(CellSimulation, RejectsBadProfiles) {
    const cell_params p = cell_test::default_params();
    EXPECT_THROW(simulate_cell(p, {0.0, 0.0}, {1.0, 1.0}, 25.0, 1.0), std::invalid_argument);
    EXPECT_THROW(simulate_cell(p, {0.0, 1.0}, {1.0}, 25.0, 1.0), std::invalid_argument);
    EXPECT_THROW(simulate_cell(p, {0.0, 1.0}, {1.0, 1.0}, 25.0, 0.0), std::invalid_argument);
    EXPECT_THROW(simulate_cell("/nonexistent.yaml", {0.0, 1.0}, {1.0, 1.0}, 25.0, 1.0), input_error);
}
