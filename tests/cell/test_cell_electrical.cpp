// Electrical behaviour of the cell core: RC branches, the exact linear model, constant-current
// discharge, hysteresis, temperature, no clamping, coulombic efficiency and self-discharge.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "cell_test_util.h"
#include "numeric/cell_array.h"

using namespace stacksim::num;
using cell_test::rel_near;

namespace {

constexpr double t25_k = 298.15;

// One free-standing nominal cell at 25 degC.
cell_array single_cell(const cell_params& p, double soc, double hysteresis_fraction = 0.0) {
    cell_array c(p, 1, 1, 0, thermal_layout::free_standing);
    c.set_all_temperature_k(t25_k);
    c.set_all_soc(soc);
    c.set_all_hysteresis(hysteresis_fraction);
    return c;
}

Eigen::ArrayXd constant(double v) { return Eigen::ArrayXd::Constant(1, v); }

} // namespace

// RC branch response to current steps: v_j(t) = R_j I (1 - e^{-t/tau_j}) from rest, then after the
// switch to I2 at t1: v_j = R_j I2 + (v_j(t1) - R_j I2) e^{-(t - t1)/tau_j}. R_j is made constant
// (flat SoC shape, no temperature dependence) so the analytic solution applies.
TEST(CellRc, StepResponseMatchesAnalyticForOneMsOneSAndSixtyS) {
    cell_params p = cell_test::nominal_params();
    p.rc_soc_factor.value.assign(p.rc_soc_factor.value.size(), 1.0);
    p.ea_rc_j_per_mol = 0.0;
    const double i1 = -100.0, i2 = 60.0;
    for (double dt : {1e-3, 1.0, 60.0}) {
        const double t_switch = dt < 0.5 ? 30.0 : 1200.0;
        const double t_end = 2.0 * t_switch;
        cell_array c = single_cell(p, 0.6);
        const auto steps = static_cast<long>(std::llround(t_end / dt));
        const long switch_step = static_cast<long>(std::llround(t_switch / dt));
        double worst = 0.0;
        for (long k = 1; k <= steps; ++k) {
            const double cur = k <= switch_step ? i1 : i2;
            c.step(dt, constant(cur), t25_k);
            const double t = static_cast<double>(k) * dt;
            for (int j = 0; j < 2; ++j) {
                const double r = j == 0 ? p.r1_ohm : p.r2_ohm;
                const double tau = j == 0 ? p.tau1_s : p.tau2_s;
                const double v_switch = r * i1 * -std::expm1(-t_switch / tau);
                const double expected = t <= t_switch + 1e-12 ? r * i1 * -std::expm1(-t / tau)
                                                              : r * i2 + (v_switch - r * i2) * std::exp(-(t - t_switch) / tau);
                const double got = j == 0 ? c.rc1_v()(0) : c.rc2_v()(0);
                worst = std::max(worst, std::abs(got - expected) / std::abs(expected));
            }
        }
        EXPECT_LT(worst, 1e-9) << "dt = " << dt;
    }
}

// v = e + r i at the end of every step, for random states, currents and step sizes.
TEST(CellLinearise, StepEndsExactlyOnTheLinearModel) {
    const cell_params p = cell_test::default_params();
    cell_array c(p, 2, 16, 11);
    std::mt19937_64 gen(5);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (std::size_t k = 0; k < c.size(); ++k) {
        c.set_soc(k, 0.02 + 0.96 * u(gen));
        c.set_temperature_k(k, 263.15 + 50.0 * u(gen));
        c.set_hysteresis(k, 2.0 * u(gen) - 1.0);
    }
    const auto n = static_cast<Eigen::Index>(c.size());
    Eigen::ArrayXd i(n), dir(n), e(n), r(n), cell_heat = Eigen::ArrayXd::Constant(n, 0.05), module_heat(2);
    module_heat << 1.0, 2.0;
    double worst = 0.0;
    for (double dt : {1e-3, 0.1, 1.0, 60.0}) {
        for (int rep = 0; rep < 5; ++rep) {
            for (Eigen::Index k = 0; k < n; ++k) {
                i(k) = k % 7 == 0 ? 0.0 : 200.0 * u(gen) - 100.0;
                dir(k) = i(k) > 0.0 ? 1.0 : i(k) < 0.0 ? -1.0 : 0.0;
            }
            c.linearise(dt, dir, e, r);
            c.step(dt, i, 300.0, cell_heat, module_heat);
            for (Eigen::Index k = 0; k < n; ++k)
                worst = std::max(worst, std::abs(c.voltage_v()(k) - (e(k) + r(k) * i(k))) / std::abs(c.voltage_v()(k)));
        }
    }
    EXPECT_LT(worst, 1e-12);
}

// The linear model's parts, by hand: e = U + h + a1 v1 + a2 v2, r = R0 + (1 - a1) R1 + (1 - a2) R2.
TEST(CellLinearise, TermsMatchTheParameterSet) {
    const cell_params p = cell_test::nominal_params();
    cell_array c = single_cell(p, 0.5, -1.0);
    const double dt = 2.0;
    Eigen::ArrayXd e(1), r(1);
    c.linearise(dt, constant(-1.0), e, r);
    const double a1 = std::exp(-dt / p.tau1_s), a2 = std::exp(-dt / p.tau2_s);
    // SoC 0.5, 25 degC: every factor is 1.
    EXPECT_NEAR(r(0), p.r0_discharge_ohm + (1 - a1) * p.r1_ohm + (1 - a2) * p.r2_ohm, 1e-15);
    EXPECT_NEAR(e(0), 3.300 - 0.019, 1e-12);
    c.linearise(dt, constant(1.0), e, r);
    EXPECT_NEAR(r(0), p.r0_charge_ohm + (1 - a1) * p.r1_ohm + (1 - a2) * p.r2_ohm, 1e-15);
    c.linearise(dt, constant(0.0), e, r);
    EXPECT_NEAR(r(0), 0.5 * (p.r0_charge_ohm + p.r0_discharge_ohm) + (1 - a1) * p.r1_ohm + (1 - a2) * p.r2_ohm, 1e-15);
}

namespace {

struct discharge_result {
    double ah = 0.0;
    double v_at_half_ah = 0.0; // terminal voltage when half the rated capacity is out
};

// Free-standing nominal cell, full (SoC 1, charge branch, relaxed), 25 degC ambient, constant
// current until the terminal voltage reaches voltage_min_v (crossing interpolated in the step).
discharge_result discharge(const cell_params& p, double c_rate) {
    cell_array c = single_cell(p, 1.0, 1.0);
    const double i = -c_rate * p.capacity_ah, dt = 1.0;
    discharge_result r;
    double ah = 0.0, v_prev = c.voltage_v()(0);
    for (int k = 0; k < 20000; ++k) {
        c.step(dt, constant(i), t25_k);
        const double v = c.voltage_v()(0);
        const double ah_next = ah - i * dt / 3600.0;
        if (ah < 0.5 * p.capacity_ah && ah_next >= 0.5 * p.capacity_ah)
            r.v_at_half_ah = v;
        if (v <= p.voltage_min_v) {
            const double w = (v_prev - p.voltage_min_v) / (v_prev - v);
            r.ah = ah + w * (ah_next - ah);
            return r;
        }
        ah = ah_next;
        v_prev = v;
    }
    ADD_FAILURE() << "never reached voltage_min_v";
    return r;
}

} // namespace

TEST(CellDischarge, OneCDeliversRatedCapacity) {
    const cell_params p = cell_test::default_params();
    const discharge_result r = discharge(p, 1.0);
    EXPECT_NEAR(r.ah, p.capacity_ah, 0.01 * p.capacity_ah) << "delivered " << r.ah << " Ah";
}

TEST(CellDischarge, HigherRateGivesLessCapacityAndLowerVoltage) {
    const cell_params p = cell_test::default_params();
    const discharge_result half = discharge(p, 0.5), one = discharge(p, 1.0), two = discharge(p, 2.0);
    EXPECT_GT(half.ah, one.ah);
    EXPECT_GT(one.ah, two.ah);
    EXPECT_GT(half.v_at_half_ah, one.v_at_half_ah);
    EXPECT_GT(one.v_at_half_ah, two.v_at_half_ah);
    // Mid-plateau sag is roughly I x DCIR (~1 mOhm): 2C sags ~0.1 V more than 1C.
    EXPECT_GT(one.v_at_half_ah - two.v_at_half_ah, 0.05);
    EXPECT_LT(one.v_at_half_ah - two.v_at_half_ah, 0.2);
}

namespace {

// Run a current for a duration, then rest (dt 1 s).
void run(cell_array& c, double current_a, double duration_s) {
    for (double t = 0.0; t < duration_s - 1e-9; t += 1.0)
        c.step(1.0, constant(current_a), t25_k);
}

// Relaxed voltage by the tables, independently of the model: OCV_ref(soc) + dU/dT (T - Tref) + h.
double table_ocv(const cell_params& p, double soc, double temp_k) {
    return cell_test::table_at(p.ocv_v, soc) + cell_test::table_at(p.entropic_v_per_k, soc) * (temp_k - p.reference_temp_k);
}

} // namespace

// The one-state hysteresis follows the branch with a lag of (d gap / d soc) / rate where the gap
// changes with SoC (2 mV on the default table's steepest segment), so the checks end after 10 %
// of SoC on a segment where the table's gap is flat (0.5..0.6: 19 mV), where the lag has decayed
// by e^-3.
TEST(CellHysteresis, AfterChargeDischargeRestTheOcvIsOnTheDischargeBranch) {
    const cell_params p = cell_test::nominal_params();
    const double per_soc_s = 3600.0 * p.table_capacity_ah / 50.0; // seconds at 50 A per unit SoC
    cell_array c = single_cell(p, 0.4);
    run(c, 50.0, 0.4 * per_soc_s);  // charge 0.4 -> 0.8: on the charge branch
    run(c, -50.0, 0.3 * per_soc_s); // discharge 0.8 -> 0.5
    run(c, 0.0, 4.0 * 3600.0);      // rest 4 h (36 tau2)
    const double soc = c.soc()(0), temp = c.temp_k()(0);
    ASSERT_NEAR(soc, 0.5, 0.002);
    const double gap = cell_test::table_at(p.hysteresis_half_gap_v, soc);
    const double discharge_branch = table_ocv(p, soc, temp) - gap;
    EXPECT_NEAR(c.voltage_v()(0), discharge_branch, 2e-4);
    EXPECT_NEAR(c.ocv_v()(0) + c.hysteresis_v()(0), discharge_branch, 2e-4);
    EXPECT_NEAR(c.hysteresis_v()(0), -gap, 2e-4);
}

TEST(CellHysteresis, LoopWidthMatchesTheTable) {
    const cell_params p = cell_test::nominal_params();
    const double per_soc_s = 3600.0 * p.table_capacity_ah / 50.0;
    // Charge branch: from 0.2 charge 40 % to ~0.6 and rest.
    cell_array up = single_cell(p, 0.2);
    run(up, 50.0, 0.4 * per_soc_s);
    run(up, 0.0, 4.0 * 3600.0);
    // Discharge branch: from 0.9 discharge 40 % to ~0.5 and rest.
    cell_array down = single_cell(p, 0.9);
    run(down, -50.0, 0.4 * per_soc_s);
    run(down, 0.0, 4.0 * 3600.0);
    const double s_up = up.soc()(0), s_down = down.soc()(0);
    ASSERT_NEAR(s_up, 0.6, 0.002);
    ASSERT_NEAR(s_down, 0.5, 0.002);
    // The loop's width at SoC 0.5..0.6, the OCV difference between s_up and s_down removed.
    const double width = (up.voltage_v()(0) - table_ocv(p, s_up, up.temp_k()(0))) -
                         (down.voltage_v()(0) - table_ocv(p, s_down, down.temp_k()(0)));
    EXPECT_NEAR(width, 2.0 * 0.019, 2e-4); // table: half gap 0.019 V at SoC 0.5 and 0.6
    EXPECT_NEAR(width, cell_test::table_at(p.hysteresis_half_gap_v, s_up) + cell_test::table_at(p.hysteresis_half_gap_v, s_down), 2e-4);
}

// At -10 degC, R0 grows by exp(Ea_R0/R (1/263.15 - 1/298.15)) and the RC resistances by the same
// law with Ea_RC; the voltage sag of a 10 s, 100 A discharge step grows accordingly.
TEST(CellTemperature, ResistanceAndSagScaleByTheArrheniusFactor) {
    const cell_params p = cell_test::nominal_params();
    const double cold_k = 263.15;
    const double f0 = cell_test::arrhenius(p.ea_r0_j_per_mol, cold_k, p.reference_temp_k);
    const double frc = cell_test::arrhenius(p.ea_rc_j_per_mol, cold_k, p.reference_temp_k);
    EXPECT_NEAR(f0, 2.92, 0.01);  // hand: exp(20000/8.3145 * (1/263.15 - 1/298.15)) = exp(1.0731)
    EXPECT_NEAR(frc, 6.54, 0.01); // hand: exp(35000/8.3145 * 4.4609e-4) = exp(1.8778)
    cell_array warm = single_cell(p, 0.5);
    cell_array cold = single_cell(p, 0.5);
    cold.set_all_temperature_k(cold_k);
    ASSERT_EQ(cold.temp_k()(0), cold_k);
    EXPECT_NEAR(cold.r0_discharge_ohm()(0) / warm.r0_discharge_ohm()(0), f0, 1e-12 * f0);
    EXPECT_NEAR(cold.r0_charge_ohm()(0) / warm.r0_charge_ohm()(0), f0, 1e-12 * f0);
    EXPECT_NEAR(cold.r1_ohm()(0) / warm.r1_ohm()(0), frc, 1e-12 * frc);
    EXPECT_NEAR(cold.r2_ohm()(0) / warm.r2_ohm()(0), frc, 1e-12 * frc);
    EXPECT_NEAR(warm.r0_discharge_ohm()(0), p.r0_discharge_ohm, 1e-15);

    const double dt = 10.0, i = -100.0;
    const double a1 = std::exp(-dt / p.tau1_s), a2 = std::exp(-dt / p.tau2_s);
    const double r0_part = p.r0_discharge_ohm, rc_part = (1 - a1) * p.r1_ohm + (1 - a2) * p.r2_ohm;
    const double sag_warm_hand = -i * (r0_part + rc_part);
    const double sag_cold_hand = -i * (r0_part * f0 + rc_part * frc);
    const double rest_warm = warm.voltage_v()(0), rest_cold = cold.voltage_v()(0);
    warm.step(dt, constant(i), t25_k);
    cold.step(dt, constant(i), cold_k);
    const double sag_warm = rest_warm - warm.voltage_v()(0), sag_cold = rest_cold - cold.voltage_v()(0);
    EXPECT_NEAR(sag_warm, sag_warm_hand, 1e-12);
    EXPECT_NEAR(sag_cold, sag_cold_hand, 1e-12);
    EXPECT_GT(sag_cold / sag_warm, f0); // RC terms scale more than R0
    EXPECT_LT(sag_cold / sag_warm, frc);
}

TEST(CellTemperature, ArrheniusIsHeldBelowTheClampTemperature) {
    const cell_params p = cell_test::nominal_params();
    cell_array a = single_cell(p, 0.5), b = single_cell(p, 0.5);
    a.set_all_temperature_k(p.arrhenius_min_temp_k);
    b.set_all_temperature_k(p.arrhenius_min_temp_k - 10.0);
    EXPECT_DOUBLE_EQ(a.r0_discharge_ohm()(0), b.r0_discharge_ohm()(0));
}

// Nothing stops the cell: over-charge and over-discharge show in the numbers.
TEST(CellNoClamp, OverchargeAndOverdischargeShow) {
    const cell_params p = cell_test::nominal_params();
    cell_array c = single_cell(p, 0.95, 1.0);
    run(c, 100.0, 0.15 * 3600.0 * p.table_capacity_ah / 100.0);
    EXPECT_GT(c.soc()(0), 1.09);
    EXPECT_GT(c.voltage_v()(0), p.voltage_max_v);
    const double v_over = c.voltage_v()(0);
    run(c, 100.0, 60.0);
    EXPECT_GT(c.voltage_v()(0), v_over); // keeps rising (OCV extrapolated)

    cell_array d = single_cell(p, 0.05, -1.0);
    run(d, -100.0, 0.15 * 3600.0 * p.table_capacity_ah / 100.0);
    EXPECT_LT(d.soc()(0), -0.09);
    EXPECT_LT(d.voltage_v()(0), p.voltage_min_v);
}

// SoC bookkeeping: charge counts eta * I, discharge I, self-discharge removes its share.
TEST(CellCharge, CoulombicEfficiencyAndSelfDischarge) {
    const cell_params p = cell_test::nominal_params();
    const double q_as = p.table_capacity_ah * 3600.0;
    const double sd = p.self_discharge_pct_per_month / 100.0 / (30.0 * 86400.0);
    cell_array c = single_cell(p, 0.3);
    run(c, 50.0, 3600.0);
    // dsoc/dt = (eta I - sd Q) / Q, constant: exact after one hour.
    EXPECT_NEAR(c.soc()(0), 0.3 + (p.coulombic_efficiency * 50.0 - sd * q_as) * 3600.0 / q_as, 1e-12);
    const double s1 = c.soc()(0);
    run(c, -50.0, 3600.0);
    EXPECT_NEAR(c.soc()(0), s1 + (-50.0 - sd * q_as) * 3600.0 / q_as, 1e-12);
    // 30 days of rest lose self_discharge_pct_per_month.
    cell_array r = single_cell(p, 0.5);
    for (int k = 0; k < 30 * 24; ++k)
        r.step(3600.0, constant(0.0), t25_k);
    EXPECT_NEAR(r.soc()(0), 0.5 - p.self_discharge_pct_per_month / 100.0, 1e-12);
}
