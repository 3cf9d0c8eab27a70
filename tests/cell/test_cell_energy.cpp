// Energy conservation of the cell core over a full charge/discharge cycle with thermal coupling.
#include <cmath>

#include <gtest/gtest.h>

#include "cell_test_util.h"
#include "numeric/cell_array.h"

using namespace stacksim::num;

namespace {

struct cycle_record {
    double v_i_dt_j = 0.0;   // the test's own sum of v_end * i * dt
    double gross_j = 0.0;    // sum of |v i| dt
    double extra_j = 0.0;    // external heat the test put in
};

// One module of 16 cells with spread: charge 0.5C from 10 % to ~90 %, rest, discharge 1C to
// ~10 %, rest 3 h; balancing heat on some cells and a bus-bar loss on the case throughout.
cycle_record run_cycle(cell_array& c, double dt) {
    const auto n = static_cast<Eigen::Index>(c.size());
    Eigen::ArrayXd i(n), cell_heat = Eigen::ArrayXd::Zero(n), module_heat = Eigen::ArrayXd::Constant(static_cast<Eigen::Index>(c.n_modules()), 2.0);
    for (Eigen::Index k = 0; k < n; k += 3)
        cell_heat(k) = 0.11; // 33 Ohm bleed resistor at ~3.3 V
    cycle_record r;
    const auto phase = [&](double current_a, double duration_s) {
        i.setConstant(current_a);
        for (double t = 0.0; t < duration_s - 1e-9; t += dt) {
            c.step(dt, i, 298.15, cell_heat, module_heat);
            r.v_i_dt_j += (c.voltage_v() * i).sum() * dt;
            r.gross_j += (c.voltage_v() * i).abs().sum() * dt;
            r.extra_j += (cell_heat.sum() + module_heat.sum()) * dt;
        }
    };
    phase(50.0, 0.8 * 3600.0 * 102.2 / 50.0);
    phase(0.0, 1800.0);
    phase(-100.0, 0.8 * 3600.0 * 102.2 / 100.0);
    phase(0.0, 3.0 * 3600.0);
    return r;
}

} // namespace

TEST(CellEnergy, ElectricalInEqualsChemicalPlusHeatOverACycle) {
    cell_array c(cell_test::default_params(), 1, 16, 3);
    c.set_all_soc(0.1);
    const cycle_record r = run_cycle(c, 1.0);
    const cell_energy_totals e = c.energy();
    // The cycle's net electrical energy is its loss: a few % of the throughput.
    ASSERT_GT(e.electrical_in_j, 0.0);
    ASSERT_LT(e.electrical_in_j, 0.1 * r.gross_j);
    // Exact balance of the model's terms (heat from int v^2/R, electrical from int v i, capacitor energy).
    EXPECT_NEAR(e.electrical_in_j, e.chemical_j + e.heat_generated_j + e.rc_field_j, 1e-6 * e.electrical_in_j);
    // After a 3 h rest (27 tau2) the capacitors hold almost nothing: in = chemical + heat.
    EXPECT_LT(std::abs(e.rc_field_j), 1e-6 * e.electrical_in_j);
    EXPECT_NEAR(e.electrical_in_j, e.chemical_j + e.heat_generated_j, 2e-6 * e.electrical_in_j);
    // Independent check of the electrical energy: the test's own sum of v_end i dt differs from
    // the exact integral only by the RC transients within steps (dt = 1 s << tau1 = 10 s).
    EXPECT_NEAR(e.electrical_in_j, r.v_i_dt_j, 1e-4 * r.gross_j);
    // Heat is positive overall and of the expected size: ~I^2 R over the cycle, R ~ 1 mOhm.
    EXPECT_GT(e.heat_generated_j, 0.0);
}

TEST(CellEnergy, HeatGeneratedEqualsHeatStoredPlusHeatToAmbient) {
    const cell_params p = cell_test::default_params();
    cell_array c(p, 1, 16, 3);
    c.set_all_soc(0.1);
    c.set_module_temperature_k(0, 303.15); // start warmer than ambient
    c.set_case_temperature_k(0, 300.0);
    const cycle_record r = run_cycle(c, 1.0);
    const cell_energy_totals e = c.energy();
    EXPECT_NEAR(e.extra_heat_j, r.extra_j, 1e-9 * r.extra_j);
    // Stored heat from the temperatures and the parameter set's heat capacities (the test's own sum).
    double stored = 0.0;
    for (Eigen::Index k = 0; k < 16; ++k)
        stored += p.heat_capacity_j_per_k * (c.temp_k()(k) - 303.15);
    stored += p.case_heat_capacity_j_per_k * (c.case_temp_k()(0) - 300.0);
    EXPECT_NEAR(stored, e.thermal_stored_j, 1e-9 * std::abs(stored) + 1e-6);
    const double in = e.heat_generated_j + e.extra_heat_j;
    EXPECT_NEAR(in, stored + e.heat_to_ambient_j, 1e-6 * in);
    EXPECT_GT(e.heat_to_ambient_j, 0.0);
}

TEST(CellEnergy, BalanceHoldsForLargeSteps) {
    cell_array c(cell_test::default_params(), 2, 16, 9);
    c.set_all_soc(0.1);
    run_cycle(c, 60.0);
    const cell_energy_totals e = c.energy();
    EXPECT_NEAR(e.electrical_in_j, e.chemical_j + e.heat_generated_j + e.rc_field_j, 1e-6 * e.electrical_in_j);
    const double in = e.heat_generated_j + e.extra_heat_j;
    EXPECT_NEAR(in, e.thermal_stored_j + e.heat_to_ambient_j, 1e-6 * in);
}
