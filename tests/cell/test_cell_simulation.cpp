// The standalone single cell uses the same core as the stack.
#include <gtest/gtest.h>

#include "cell_test_util.h"
#include "numeric/cell_array.h"
#include "numeric/cell_simulation.h"

using namespace stacksim::num;

TEST(CellSimulation, SameResultsAsTheCellArray) {
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
    EXPECT_EQ(r.voltage_v[0], c.voltage_v()(0));
    EXPECT_EQ(r.heat_w[0], 0.0);
    Eigen::ArrayXd cur(1);
    for (std::size_t k = 0; k + 1 < t.size(); ++k) {
        cur(0) = i[k];
        for (double s = t[k]; s < t[k + 1] - 1e-9; s += 1.0)
            c.step(1.0, cur, 283.15);
        EXPECT_EQ(r.t_s[k + 1], t[k + 1]);
        EXPECT_EQ(r.current_a[k + 1], i[k]);
        EXPECT_DOUBLE_EQ(r.voltage_v[k + 1], c.voltage_v()(0));
        EXPECT_DOUBLE_EQ(r.ocv_v[k + 1], c.ocv_v()(0));
        EXPECT_DOUBLE_EQ(r.hysteresis_v[k + 1], c.hysteresis_v()(0));
        EXPECT_DOUBLE_EQ(r.soc[k + 1], c.soc()(0));
        EXPECT_DOUBLE_EQ(r.temp_c[k + 1], c.temp_k()(0) - 273.15);
        EXPECT_DOUBLE_EQ(r.heat_w[k + 1], c.heat_w()(0));
    }
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
    EXPECT_DOUBLE_EQ(r.voltage_v[1], c.voltage_v()(0));
    EXPECT_DOUBLE_EQ(r.soc[1], c.soc()(0));
}

TEST(CellSimulation, RejectsBadProfiles) {
    const cell_params p = cell_test::default_params();
    EXPECT_THROW(simulate_cell(p, {0.0, 0.0}, {1.0, 1.0}, 25.0, 1.0), std::invalid_argument);
    EXPECT_THROW(simulate_cell(p, {0.0, 1.0}, {1.0}, 25.0, 1.0), std::invalid_argument);
    EXPECT_THROW(simulate_cell(p, {0.0, 1.0}, {1.0, 1.0}, 25.0, 0.0), std::invalid_argument);
    EXPECT_THROW(simulate_cell("/nonexistent.yaml", {0.0, 1.0}, {1.0, 1.0}, 25.0, 1.0), input_error);
}
