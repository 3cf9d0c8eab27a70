// The stack plant: cells and network solved consistently in every step (no one-step lag),
// Kirchhoff's current law, and the energy books closing over a charge/discharge cycle.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "numeric/stack_plant.h"

using namespace stacksim::num;

namespace {

stack_plant_config config(std::size_t modules, wiring_topology topology) {
    stack_plant_config c;
    c.n_modules = modules;
    c.cells_per_module = 16;
    c.cells = load_cell_params(default_cell_params_path());
    c.wiring_parameters = wiring_params::load_file(std::string(STACKSIM_SOURCE_DIR) + "/models/params/wiring_default.yaml");
    c.wiring.topology = topology;
    c.wiring.n_modules = modules;
    c.initial_soc.assign(modules, 0.6);
    c.initial_temp_k.assign(modules, 298.15);
    c.ambient_k = 298.15;
    c.seed = 7;
    return c;
}

// A plant with every module switch closed (the plant starts with them open).
stack_plant closed_plant(std::size_t modules, wiring_topology topology) {
    stack_plant p(config(modules, topology));
    for (std::size_t m = 0; m < modules; ++m)
        p.set_switch(m, true);
    return p;
}

} // namespace

TEST(StackPlant, starts_with_every_switch_open) {
    stack_plant p(config(3, wiring_topology::loop));
    p.set_port_current(-10.0);
    p.step(0.1);
    for (std::size_t m = 0; m < 3; ++m) {
        EXPECT_FALSE(p.switch_closed(m));
        EXPECT_NEAR(p.module_current_a(m), 0.0, 1e-12);
    }
    EXPECT_EQ(p.power_network().port_state(), port_status::open_circuit);
}

TEST(StackPlant, module_currents_add_up_to_the_port_current_every_step) {
    stack_plant p = closed_plant(3, wiring_topology::loop);
    p.set_port_current(-60.0);
    for (int n = 0; n < 50; ++n) {
        p.step(0.1);
        double sum = 0;
        for (std::size_t m = 0; m < 3; ++m)
            sum += p.module_current_a(m);
        ASSERT_NEAR(sum, -60.0, 1e-9);
        ASSERT_NEAR(p.port_current_a(), -60.0, 1e-12);
        ASSERT_LT(p.kcl_residual_a(), 1e-9);
    }
}

TEST(StackPlant, a_module_s_cell_block_is_its_cells_one_by_one) {
    // The bulk read an AFE conversion takes (module_cell_voltages_v / _temps_k) against the
    // per-cell accessors, for every module of a stack with spread cells, after a discharge.
    stack_plant p = closed_plant(3, wiring_topology::loop);
    p.set_port_current(-60.0);
    for (int n = 0; n < 20; ++n)
        p.step(0.1);
    std::vector<double> v(16 + 1, -1.0), t(16 + 1, -1.0);
    for (std::size_t m = 0; m < 3; ++m) {
        p.module_cell_voltages_v(m, v.data());
        p.module_cell_temps_k(m, t.data());
        for (std::size_t k = 0; k < 16; ++k) {
            EXPECT_EQ(v[k], p.cell_voltage_v(m, k)) << m << " " << k;
            EXPECT_EQ(t[k], p.cell_temp_k(m, k)) << m << " " << k;
        }
        EXPECT_EQ(v[16], -1.0); // nothing written past the module's cells
        EXPECT_EQ(t[16], -1.0);
    }
    EXPECT_NE(p.cell_voltage_v(0, 0), p.cell_voltage_v(1, 0)); // the modules differ: a wrong block shows
}

TEST(StackPlant, cell_voltages_sum_to_the_solved_string_voltage_in_the_same_step) {
    // No one-step lag: after a step, the sum of the cells' terminal voltages (from the cell model)
    // equals the voltage the network solved across each module's cell-string branch, and every
    // cell carries the module current (no balancing here).
    stack_plant p = closed_plant(4, wiring_topology::same_side);
    p.set_port_current(-120.0);
    p.step(1.0);
    p.set_port_current(80.0);
    for (int n = 0; n < 20; ++n) {
        p.step(2.5);
        const auto& net = p.power_network();
        for (std::size_t m = 0; m < 4; ++m) {
            double sum_v = 0;
            for (std::size_t k = 0; k < 16; ++k) {
                sum_v += p.cell_voltage_v(m, k);
                ASSERT_NEAR(p.cells().current_a()[static_cast<Eigen::Index>(m * 16 + k)], p.module_current_a(m), 1e-12);
            }
            ASSERT_NEAR(sum_v, net.net().voltage_v(net.index().cells[m]), 1e-9 * sum_v);
        }
    }
}

struct cycle_books {
    plant_energy e;
    double throughput_j = 0;
};

// A discharge, a rest with balancing and a charge, stepped with dt_s.
cycle_books run_cycle(double dt_s) {
    stack_plant p = closed_plant(3, wiring_topology::loop);
    cycle_books b;
    auto run = [&](double current_a, double seconds) {
        p.set_port_current(current_a);
        const double before = p.energy().port_j;
        const auto steps = static_cast<int>(std::lround(seconds / dt_s));
        for (int n = 0; n < steps; ++n)
            p.step(dt_s);
        b.throughput_j += std::abs(p.energy().port_j - before);
    };
    run(-90.0, 1200);
    p.set_balancing(1, 0x00FFu);
    run(0.0, 300);
    run(60.0, 1500);
    b.e = p.energy();
    return b;
}

TEST(StackPlant, energy_books_close_over_a_cycle_with_balancing) {
    // Port energy = energy into the cells + wiring losses + bleed heat (Tellegen on the solved
    // network), to 1e-9 of the throughput.
    const cycle_books b = run_cycle(1.0);
    EXPECT_GT(b.e.bleed_j, 0.0);
    EXPECT_GT(b.e.network_loss_j, 0.0);
    const double residual = b.e.port_j - (b.e.cell_in_j + b.e.network_loss_j + b.e.bleed_j);
    EXPECT_LT(std::abs(residual), 1e-9 * b.throughput_j) << residual << " J of " << b.throughput_j << " J";
}

TEST(StackPlant, held_current_error_against_exact_cell_energy_is_first_order_in_the_step) {
    // The cells integrate their power exactly within a step; the network holds the end-of-step
    // voltage. Their difference is the discretisation error of the hold: it must shrink about
    // tenfold when the step does, and be below 1e-6 of the throughput at the default 0.1 s step.
    const cycle_books coarse = run_cycle(1.0);
    const cycle_books fine = run_cycle(0.1);
    const double err_coarse = std::abs(coarse.e.cell_exact_in_j - coarse.e.cell_in_j);
    const double err_fine = std::abs(fine.e.cell_exact_in_j - fine.e.cell_in_j);
    EXPECT_GT(err_coarse, 0.0);
    EXPECT_NEAR(err_coarse / err_fine, 10.0, 1.0);
    EXPECT_LT(err_fine, 1e-6 * fine.throughput_j);
}

TEST(StackPlant, an_open_module_carries_no_current_and_the_rest_share_the_load) {
    stack_plant p = closed_plant(3, wiring_topology::loop);
    p.set_port_current(-90.0);
    p.step(1.0);
    p.set_switch(1, false);
    p.step(1.0);
    EXPECT_NEAR(p.module_current_a(1), 0.0, 1e-12); // a dangling branch: solver round-off only
    EXPECT_NEAR(p.module_current_a(0) + p.module_current_a(2), -90.0, 1e-9);
}

TEST(StackPlant, an_internal_short_drains_its_cell_and_the_books_still_close) {
    // 0.1 Ohm across cell 5 of module 1, switches open: the cell loses charge at v / 0.1 Ohm
    // (about 33 A, held over each step from its start voltage) on top of its own self-discharge.
    stack_plant p(config(2, wiring_topology::loop));
    p.set_cell_short(1, 5, 0.1);
    const auto c = static_cast<Eigen::Index>(1 * 16 + 5);
    const double soc0 = p.cell_soc(1, 5);
    const double sd_per_s = p.cells().self_discharge_per_s()[c];
    double expected_as = 0.0;
    for (int n = 0; n < 600; ++n) {
        expected_as += p.cell_voltage_v(1, 5) / 0.1 * 0.1;
        p.step(0.1);
    }
    const double cap_as = p.cells().capacity_ah()[c] * 3600.0;
    EXPECT_NEAR(soc0 - p.cell_soc(1, 5), expected_as / cap_as + sd_per_s * 60.0, 1e-9);
    const auto& e = p.energy();
    EXPECT_GT(e.bleed_j, 0.0);
    EXPECT_NEAR(e.port_j, e.cell_in_j + e.network_loss_j + e.bleed_j, 1e-9 * e.bleed_j);
    // removed: only self-discharge is left
    p.set_cell_short(1, 5, 0.0);
    const double soc_after = p.cell_soc(1, 5);
    p.step(10.0);
    EXPECT_NEAR(soc_after - p.cell_soc(1, 5), sd_per_s * 10.0, 1e-9);
}

// A welded main switch on m1 and a 5 mOhm short across the inverter's terminals: m0 and m2 open
// (as their AFEs would), m1 cannot, so its fuse carries the fault alone and blows at the curve's
// time (Miner's sum of the steps' dt / t_melt crosses 1 in the blow's step). Afterwards no
// current flows anywhere, Kirchhoff holds, and the energy books close with the short's heat in
// the network losses.
TEST(StackPlant, a_welded_switch_cannot_open_and_its_fuse_blows_on_a_bus_short) {
    stack_plant p = closed_plant(3, wiring_topology::loop);
    std::vector<std::size_t> stuck;
    p.on_switch_stuck([&](std::size_t m) { stuck.push_back(m); });
    p.set_port_current(0.0);
    p.step(1.0);
    p.set_switch_welded(1, true);
    p.set_bus_short(5e-3);
    ASSERT_TRUE(p.power_network().bus_short_element().has_value());
    const auto short_el = *p.power_network().bus_short_element();
    const double dt = 1e-4;
    p.step(dt);
    double i_short = p.power_network().net().current_a(short_el);
    EXPECT_GT(std::abs(i_short), 3000.0); // ~53 V over the short and the stack's ~10 mOhm
    for (std::size_t m : {0u, 1u, 2u})
        p.set_switch(m, false);
    EXPECT_EQ(stuck, std::vector<std::size_t>{1});
    EXPECT_FALSE(p.switch_closed(0));
    EXPECT_TRUE(p.switch_closed(1)); // welded
    EXPECT_FALSE(p.switch_commanded(1));
    const fuse_curve& curve = p.config().wiring_parameters.module.fuse;
    double miner = p.fuse_damage(1); // from the first step
    double blow_t = NAN;
    for (int n = 0; n < 100000 && std::isnan(blow_t); ++n) {
        p.step(dt);
        const auto& blown = p.fuses_blown_last_step();
        if (!blown.empty()) {
            ASSERT_EQ(blown, std::vector<std::size_t>{1}) << "only m1's fuse";
            blow_t = p.time_s();
            miner += dt / curve.melt_time_s_at(p.fuse_blow_current_a(1));
            EXPECT_GE(miner, 1.0 - 1e-9);
            EXPECT_LT(miner - dt / curve.melt_time_s_at(p.fuse_blow_current_a(1)), 1.0);
            break;
        }
        EXPECT_NEAR(p.module_current_a(0), 0.0, 1e-9);
        EXPECT_NEAR(p.module_current_a(2), 0.0, 1e-9);
        EXPECT_NEAR(p.fuse_current_a(1), -p.module_current_a(1), 1e-9); // + from the cells to the terminal
        miner += dt / curve.melt_time_s_at(p.fuse_current_a(1));
    }
    ASSERT_FALSE(std::isnan(blow_t)) << "m1's fuse never blew";
    EXPECT_TRUE(p.fuse_blown(1));
    EXPECT_FALSE(p.fuse_blown(0));
    EXPECT_FALSE(p.fuse_blown(2));
    EXPECT_DOUBLE_EQ(p.module_fuse(1).blow_time_s(), blow_t);
    // The blow's current: m1 alone on the short (thousands of A) -> milliseconds on the curve.
    const double i_blow = std::abs(p.fuse_blow_current_a(1));
    EXPECT_GT(i_blow, 2000.0);
    EXPECT_LT(blow_t - (1.0 + dt), 0.1);
    // The fuse's element is open: the next step carries nothing, after one re-analysis of the
    // network's topology (an opened switch).
    const std::size_t analyses = p.power_network().net().symbolic_analyses();
    p.step(dt);
    EXPECT_EQ(p.power_network().net().symbolic_analyses(), analyses + 1);
    EXPECT_FALSE(p.power_network().net().closed(p.power_network().index().fuse[1]));
    for (std::size_t m : {0u, 1u, 2u})
        EXPECT_NEAR(p.module_current_a(m), 0.0, 1e-9);
    EXPECT_NEAR(p.power_network().net().current_a(short_el), 0.0, 1e-9);
    EXPECT_LT(p.kcl_residual_a(), 1e-9);
    const auto& e = p.energy();
    EXPECT_GT(p.power_network().loss_energy_j()[static_cast<Eigen::Index>(short_el)], 0.0);
    EXPECT_NEAR(e.port_j, e.cell_in_j + e.network_loss_j + e.bleed_j, 1e-9 * std::abs(e.cell_in_j));
    // Stays blown for the run, whatever the switches do.
    p.set_switch_welded(1, false);
    p.set_switch(1, true);
    p.step(1.0);
    EXPECT_TRUE(p.fuse_blown(1));
    EXPECT_NEAR(p.module_current_a(1), 0.0, 1e-9);
}

TEST(StackPlant, a_released_weld_follows_its_command_and_a_removed_short_carries_nothing) {
    stack_plant p = closed_plant(2, wiring_topology::loop);
    p.set_switch_welded(0, true);
    p.set_switch(0, false);
    EXPECT_TRUE(p.switch_closed(0));
    p.set_switch_welded(0, false);
    EXPECT_FALSE(p.switch_closed(0));
    // An open switch that gets welded can still close; then it stays closed.
    p.set_switch_welded(0, true);
    p.set_switch(0, true);
    p.set_switch(0, false);
    EXPECT_TRUE(p.switch_closed(0));
    p.set_bus_short(0.01);
    p.step(0.001);
    EXPECT_GT(std::abs(p.module_current_a(0)), 100.0);
    p.set_bus_short(0.0);
    p.step(0.001);
    EXPECT_NEAR(p.module_current_a(0) + p.module_current_a(1), 0.0, 1e-9); // only a circulating current
    EXPECT_FALSE(p.fuse_blown(0));
    EXPECT_GT(p.fuse_damage(0), 0.0);
}
