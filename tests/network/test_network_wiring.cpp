// Cables, contacts, cable/contact thermal nodes and the stack wiring (topologies, inrush,
// degenerate cases, energy bookkeeping, parameter file).
#include <cmath>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network_test_util.h"
#include "numeric/branch_thermal.h"
#include "numeric/cable.h"
#include "numeric/contact.h"

using namespace stacksim::num;
using network_test::params;
using network_test::t20_k;
using ::testing::HasSubstr;

// ------------------------------------------------------------------------------------ cable
// IEC 60228 class 5, 25 mm2: 0.780 mOhm/m at 20 degC. 2 m -> 1.560 mOhm; at 60 degC
// R = 1.560e-3 (1 + 0.00393 * 40) = 1.805232e-3 Ohm.
TEST(NetworkCable, IecTableAndAlpha) {
    const cable_table& t = params().cables;
    const cable c("c", {2.0, 25.0, conductor_class::class5}, t);
    EXPECT_NEAR(c.r20_ohm(), 1.560e-3, 1e-15);
    EXPECT_NEAR(c.resistance_ohm(t20_k), 1.560e-3, 1e-15);
    EXPECT_NEAR(c.resistance_ohm(t20_k + 40.0), 1.805232e-3, 1e-15);
    EXPECT_NEAR(cable("a", {1.0, 35.0, conductor_class::class2}, t).r20_ohm(), 0.524e-3, 1e-15);
    EXPECT_NEAR(cable("b", {3.0, 16.0, conductor_class::class5_tinned}, t).r20_ohm(), 3.0 * 1.24e-3, 1e-15);
    EXPECT_NEAR(cable("d", {1.0, 95.0, conductor_class::class2}, t).r20_ohm(), 0.193e-3, 1e-15);
    // rho / A for any size: 1.724e-8 / 25e-6 = 0.6896 mOhm/m
    EXPECT_NEAR(cable("e", {1.0, 25.0, conductor_class::ideal}, t).r20_ohm(), 0.6896e-3, 1e-15);
    EXPECT_NEAR(t.alpha_per_k, 0.00393, 0.0);
}

TEST(NetworkCable, UnknownSizeIsAnError) {
    try {
        cable("cable.pos.m0_m1", {1.0, 10.0, conductor_class::class5}, params().cables);
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("cable.pos.m0_m1"));
        EXPECT_THAT(e.what(), HasSubstr("10 mm2"));
        EXPECT_THAT(e.what(), HasSubstr("16 25 35 50 70 95"));
    }
    EXPECT_THROW(cable("x", {0.0, 25.0, conductor_class::class5}, params().cables), std::invalid_argument);
    EXPECT_THROW(parse_conductor_class("class3"), std::invalid_argument);
}

// ---------------------------------------------------------------------------------- contact
// R = min(r_max, r_nom (tau_nom / min(tau, tau_nom))^2.8) (1 + 0.00393 (T - 20 degC)).
// terminal: r_nom 10 uOhm at 14 Nm; 7 Nm -> 10 uOhm * 2^2.8 = 69.644 uOhm;
// 2 Nm -> 10 uOhm * 7^2.8 = 2.3243 mOhm; 1 Nm -> 16.2 mOhm -> capped at 5 mOhm.
TEST(NetworkContact, TorqueLaw) {
    const contact_law& t = params().terminal;
    EXPECT_DOUBLE_EQ(t.nominal_torque_nm, 14.0);
    EXPECT_NEAR(t.r_ref_ohm(14.0), 10e-6, 1e-18);
    EXPECT_NEAR(t.r_ref_ohm(20.0), 10e-6, 1e-18); // over-torque: no gain
    EXPECT_NEAR(t.r_ref_ohm(7.0), 10e-6 * std::pow(2.0, 2.8), 1e-15);
    EXPECT_NEAR(t.r_ref_ohm(7.0), 69.644e-6, 0.001e-6);
    EXPECT_NEAR(t.r_ref_ohm(2.0), 2.3243e-3, 0.0001e-3);
    EXPECT_NEAR(t.r_ref_ohm(1.0), 5e-3, 1e-18);
    EXPECT_NEAR(t.r_ref_ohm(0.0), 5e-3, 1e-18);
    EXPECT_NEAR(t.resistance_ohm(14.0, t20_k + 60.0), 10e-6 * (1.0 + 0.00393 * 60.0), 1e-18);
    const contact_law& b = params().busbar;
    EXPECT_DOUBLE_EQ(b.nominal_torque_nm, 40.0);
    EXPECT_NEAR(b.r_ref_ohm(40.0), 3e-6, 1e-18);
    EXPECT_NEAR(b.r_ref_ohm(20.0), 3e-6 * std::pow(2.0, 2.8), 1e-15);
}

// Loosening: tau(t) = tau0 exp(-t / t_loosen); after t = t_loosen ln 2 the torque halves.
TEST(NetworkContact, LooseningAndRetorque) {
    contact c("contact.m0.pos.m1", contact_location::terminal, 14.0, params().terminal, 1.0e6);
    c.advance(1.0e6 * std::log(2.0), t20_k, t20_k);
    EXPECT_NEAR(c.torque_nm(), 7.0, 1e-12);
    EXPECT_NEAR(c.resistance_ohm(t20_k), 10e-6 * std::pow(2.0, 2.8), 1e-15);
    c.set_torque_nm(14.0); // the 3-month re-check
    EXPECT_NEAR(c.torque_nm(), 14.0, 0.0);
    EXPECT_NEAR(c.resistance_ohm(t20_k), 10e-6, 1e-18);
    contact fixed("f", contact_location::busbar, 40.0, params().busbar);
    fixed.advance(1e9, t20_k, t20_k);
    EXPECT_DOUBLE_EQ(fixed.torque_nm(), 40.0);
}

// A contact keeps its torque factor while the torque stays: at every point of a history of
// loosening, re-torquing, untouched stretches and temperatures, its resistance must be the law's
// at its effective torque, to the bit.
TEST(NetworkContact, ResistanceFollowsTheTorqueAtEveryStep) {
    contact c("contact.m0.pos.m1", contact_location::terminal, 14.0, params().terminal, 3.0e5);
    contact fixed("f", contact_location::busbar, 40.0, params().busbar);
    int differ = 0;
    for (int k = 0; k < 2000; ++k) {
        const double temp_k = t20_k + 0.01 * (k % 700);
        c.advance(k % 500 < 250 ? 60.0 : 1.0, temp_k, t20_k);
        fixed.advance(60.0, temp_k, t20_k);
        if (k % 400 == 399)
            c.set_torque_nm(k % 800 == 399 ? 14.0 : 9.0);
        differ += c.resistance_ohm(temp_k) != c.law().resistance_ohm(c.torque_nm(), temp_k);
        differ += fixed.resistance_ohm(temp_k) != fixed.law().resistance_ohm(fixed.torque_nm(), temp_k);
    }
    EXPECT_EQ(differ, 0);
}

// ---------------------------------------------------------------------------------- thermal
// C = 30 J/K, G = 0.5 W/K, P = 10 W from ambient: T(t) = T_amb + 20 (1 - exp(-t / 60 s)).
TEST(NetworkThermal, ExactExponential) {
    for (double dt : {0.5, 10.0, 600.0}) {
        branch_thermal th;
        th.add("c", 30.0, 0.5, 303.15, 293.15);
        Eigen::ArrayXd p(1);
        p << 10.0;
        double t = 0.0;
        std::size_t up_step = 0, steps = 0;
        while (t < 600.0 - 1e-9) {
            th.step(dt, p, 293.15);
            t += dt;
            ++steps;
            if (!th.crossed_up().empty())
                up_step = steps;
        }
        EXPECT_NEAR(th.temp_k(0), 293.15 + 20.0 * (1.0 - std::exp(-600.0 / 60.0)), 1e-9) << dt;
        // rating +10 K is crossed at t = 60 ln 2 = 41.59 s
        const double t_cross = 60.0 * std::log(2.0);
        EXPECT_EQ(up_step, static_cast<std::size_t>(std::ceil(t_cross / dt))) << dt;
        // heat to ambient = P t - C dT
        EXPECT_NEAR(th.heat_to_ambient_j()[0], 10.0 * 600.0 - 30.0 * (th.temp_k(0) - 293.15), 1e-9);
    }
    // cooling back below the rating is reported too
    branch_thermal th;
    th.add("c", 30.0, 0.5, 303.15, 313.15);
    Eigen::ArrayXd p = Eigen::ArrayXd::Zero(1);
    th.step(60.0 * std::log(2.0) + 1e-6, p, 293.15); // 20 K -> 10 K excess
    ASSERT_EQ(th.crossed_down().size(), 1u);
    EXPECT_TRUE(th.crossed_up().empty());
}

// ------------------------------------------------------------------------------ parameters
TEST(NetworkParams, DefaultFileLoadsWithSources) {
    const wiring_params& p = params();
    EXPECT_EQ(p.cables.cross_section_mm2.size(), 6u);
    EXPECT_DOUBLE_EQ(p.defaults.terminal_torque_nm, 14.0);
    EXPECT_DOUBLE_EQ(p.defaults.busbar_torque_nm, 40.0);
    EXPECT_DOUBLE_EQ(p.defaults.inter_module.cross_section_mm2, 25.0);
    EXPECT_DOUBLE_EQ(p.defaults.inverter_for(1).cross_section_mm2, 25.0);
    EXPECT_DOUBLE_EQ(p.defaults.inverter_for(5).cross_section_mm2, 95.0);
    EXPECT_DOUBLE_EQ(p.defaults.inverter_for(16).cross_section_mm2, 95.0);
    EXPECT_NEAR(p.cable_thermal.rating_k, 363.15, 1e-12);
    EXPECT_GT(p.records.size(), 30u);
    for (const param_record& r : p.records)
        EXPECT_FALSE(r.source.empty()) << r.path;
}

TEST(NetworkParams, MissingSourceIsRefused) {
    const std::string text = R"(
copper:
  resistivity_ohm_m: {value: 1.724e-8}
)";
    EXPECT_THROW(wiring_params::from(param_node::load_string(text, "<test>")), input_error);
}

// ------------------------------------------------------------------------------- topologies
namespace {

stack_network make(wiring_topology t, std::size_t n, const std::vector<double>& e, double r_ohm = 0.012) {
    wiring_spec s;
    s.topology = t;
    s.n_modules = n;
    stack_network net(s, params(), t20_k);
    for (std::size_t m = 0; m < n; ++m)
        net.set_module_source(m, e[m % e.size()], r_ohm);
    return net;
}

std::set<std::string> names(const stack_network& s) {
    std::set<std::string> out;
    for (std::size_t e = 0; e < s.net().n_elements(); ++e)
        out.insert(s.net().element_name(e));
    return out;
}

} // namespace

TEST(NetworkWiring, LoopNamesAndStructure) {
    stack_network s = make(wiring_topology::loop, 3, {52.0});
    const auto n = names(s);
    for (const char* x : {"m0.cells", "m0.busbar", "m0.fuse", "m0.switch", "m0.precharge_r", "m0.precharge",
                          "cable.pos.m0_m1", "cable.neg.m1_m2", "cable.pos.inv_m0", "cable.neg.inv_m2",
                          "contact.m0.pos.m1", "contact.m1.pos.m0", "contact.m1.pos.m2", "contact.inv.pos.m0",
                          "contact.m0.pos.inv", "contact.m2.neg.inv", "contact.inv.neg.m2", "inverter.port"})
        EXPECT_TRUE(n.count(x)) << x;
    // 3 modules x 6 + cables 2*2 + 2 + contacts 2*6 + port
    EXPECT_EQ(s.net().n_elements(), 18u + 6u + 12u + 1u);
    EXPECT_EQ(s.cables().size(), 6u);
    EXPECT_EQ(s.contacts().size(), 12u);
    EXPECT_EQ(s.thermal().size(), 18u);
    EXPECT_EQ(s.net().node_name(network::ground), "inv.neg");
    EXPECT_EQ(s.cables()[s.find_cable("cable.pos.inv_m0")].cross_section_mm2(), 50.0); // 3 modules
    EXPECT_EQ(s.contacts()[s.find_contact("contact.m1.pos.m0")].location(), contact_location::terminal);
}

TEST(NetworkWiring, BusbarContactsUseTheBusbarLaw) {
    stack_network s = make(wiring_topology::busbar, 2, {52.0});
    const contact& bus = s.contacts()[s.find_contact("contact.bus.pos.m1")];
    EXPECT_EQ(bus.location(), contact_location::busbar);
    EXPECT_DOUBLE_EQ(bus.applied_torque_nm(), 40.0);
    EXPECT_NEAR(s.net().resistance_ohm(s.index().contact_elements[s.find_contact("contact.bus.pos.m1")]), 3e-6, 1e-18);
    EXPECT_TRUE(names(s).count("cable.pos.inv_bus"));
    EXPECT_TRUE(names(s).count("contact.m0.neg.bus"));
}

// Same-side, 2 equal modules (52 V, 12 mOhm), 100 A charging, all at 20 degC. Module m1 sees the
// extra jumpers (2 x 0.78 mOhm + 4 contacts x 10 uOhm = 1.6 mOhm); both branches share
// the rest: r_branch = 12 + 0.2 + 0.2 + 0.5 = 12.9 mOhm. Current divider:
//   i0 = 100 * (12.9 + 1.6) / (2 * 12.9 + 1.6) = 52.9197 A, i1 = 47.0803 A.
TEST(NetworkWiring, SameSideSharingByHand) {
    stack_network s = make(wiring_topology::same_side, 2, {52.0});
    s.set_port_current_a(100.0);
    s.solve();
    const module_internals& mi = params().module;
    const double rb = 0.012 + mi.busbar_ohm + mi.fuse_ohm + mi.switch_on_ohm;
    const double rj = 2.0 * 0.780e-3 * 1.0 + 4.0 * 10e-6;
    EXPECT_NEAR(s.module_current_a(0), 100.0 * (rb + rj) / (2.0 * rb + rj), 1e-9);
    EXPECT_NEAR(s.module_current_a(1), 100.0 * rb / (2.0 * rb + rj), 1e-9);
    EXPECT_NEAR(s.module_current_a(0) + s.module_current_a(1), s.port_current_a(), 1e-9);
    EXPECT_NEAR(s.module_share(0), (rb + rj) / (2.0 * rb + rj), 1e-12);
    EXPECT_LT(s.max_kcl_residual_a(), 1e-9);
    EXPECT_GT(s.imbalance(), 0.05);
}

// Loop wiring with equal modules: the paths are symmetric, so the two modules share equally.
TEST(NetworkWiring, LoopTwoModulesShareEqually) {
    stack_network s = make(wiring_topology::loop, 2, {52.0});
    s.set_port_current_a(-100.0);
    s.solve();
    EXPECT_NEAR(s.module_current_a(0), -50.0, 1e-9);
    EXPECT_NEAR(s.module_current_a(1), -50.0, 1e-9);
    EXPECT_NEAR(s.imbalance(), 0.0, 1e-12);
}

// Inrush: same-side, modules at 52 and 51 V, m1's switch open, port idle; closing m1's switch
// drives dV / R_loop; closing only its precharge path drives dV / (R_loop + R_pre + R_pre_sw - R_sw).
TEST(NetworkWiring, InrushByHand) {
    const module_internals& mi = params().module;
    const double r_cells = 0.012;
    // loop: both cell stacks, both busbars/fuses/switches, the +/- jumpers (1 m, 25 mm2 class 5)
    // and their 4 contacts at 14 Nm.
    const double r_loop = 2.0 * (r_cells + mi.busbar_ohm + mi.fuse_ohm + mi.switch_on_ohm) + 2.0 * 0.780e-3 +
                          4.0 * 10e-6;
    {
        stack_network s = make(wiring_topology::same_side, 2, {52.0, 51.0}, r_cells);
        s.set_switch(1, false);
        s.set_port_current_a(0.0);
        s.solve();
        EXPECT_NEAR(s.module_current_a(0), 0.0, 1e-12);
        EXPECT_NEAR(s.module_current_a(1), 0.0, 1e-12);
        s.set_switch(1, true);
        s.solve();
        EXPECT_NEAR(s.module_current_a(1), 1.0 / r_loop, 1e-9); // 38.68 A into the lower module
        EXPECT_NEAR(s.module_current_a(0), -1.0 / r_loop, 1e-9);
    }
    {
        stack_network s = make(wiring_topology::same_side, 2, {52.0, 51.0}, r_cells);
        s.set_switch(1, false);
        s.set_precharge(1, true);
        s.solve();
        const double r_pre_loop = r_loop - mi.switch_on_ohm + mi.precharge_ohm + mi.precharge_switch_on_ohm;
        EXPECT_NEAR(s.module_current_a(1), 1.0 / r_pre_loop, 1e-12); // ~0.05 A
    }
}

// Every module switch open: the port sees an open circuit and carries 0 A.
TEST(NetworkWiring, AllSwitchesOpenIsOpenCircuit) {
    stack_network s = make(wiring_topology::loop, 3, {52.0, 51.5, 51.0});
    for (std::size_t m = 0; m < 3; ++m)
        s.set_switch(m, false);
    s.set_port_current_a(50.0);
    s.solve();
    EXPECT_EQ(s.port_state(), port_status::open_circuit);
    EXPECT_EQ(s.port_current_a(), 0.0);
    for (std::size_t m = 0; m < 3; ++m)
        EXPECT_NEAR(s.module_current_a(m), 0.0, 1e-12);
    EXPECT_FALSE(s.net().floating_nodes().empty());
    EXPECT_NEAR(s.port_voltage_v(), 0.0, 1e-12);
    EXPECT_LT(s.max_kcl_residual_a(), 1e-12);
    s.set_port_power_w(1000.0);
    s.solve();
    EXPECT_EQ(s.port_state(), port_status::open_circuit);
    EXPECT_EQ(s.port_current_a(), 0.0);
    // one switch back: normal operation
    s.set_switch(2, true);
    s.solve();
    EXPECT_EQ(s.port_state(), port_status::ok);
    EXPECT_NEAR(s.port_voltage_v() * s.port_current_a(), 1000.0, 1e-9);
    EXPECT_NEAR(s.module_current_a(2), s.port_current_a(), 1e-9);
}

TEST(NetworkWiring, SolveWithoutSourcesIsAnError) {
    wiring_spec sp;
    sp.n_modules = 2;
    stack_network s(sp, params());
    s.set_module_source(0, 52.0, 0.01);
    try {
        s.solve();
        FAIL();
    } catch (const network_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("m1.cells"));
    }
}

TEST(NetworkWiring, OverridesAndTypos) {
    wiring_spec sp;
    sp.topology = wiring_topology::loop;
    sp.n_modules = 3;
    sp.cables["cable.pos.m0_m1"].cross_section_mm2 = 16.0;
    sp.cables["cable.pos.m0_m1"].length_m = 2.5;
    sp.contacts["contact.m1.pos.m0"].torque_nm = 2.0;
    stack_network s(sp, params(), t20_k);
    const cable& c = s.cables()[s.find_cable("cable.pos.m0_m1")];
    EXPECT_NEAR(c.r20_ohm(), 2.5 * 1.21e-3, 1e-15);
    EXPECT_NEAR(s.net().resistance_ohm(s.index().contact_elements[s.find_contact("contact.m1.pos.m0")]),
                10e-6 * std::pow(7.0, 2.8), 1e-12);
    wiring_spec bad = sp;
    bad.contacts["contact.m9.pos.m0"].torque_nm = 2.0;
    EXPECT_THROW(stack_network(bad, params()), network_error);
    wiring_spec bad2 = sp;
    bad2.cables["cable.pos.m0_m1"].cross_section_mm2 = 12.0;
    EXPECT_THROW(stack_network(bad2, params()), std::invalid_argument);
}

TEST(NetworkWiring, SpecFromYaml) {
    const std::string text = R"(
topology: busbar
port: power
busbar_cable: {length_m: 1.5}
cables:
  cable.pos.m1_bus: {cross_section_mm2: 16, class: class2}
contacts:
  contact.bus.pos.m1: {torque_nm: 5, loosening_time_s: 7.8e6}
)";
    const wiring_spec sp = wiring_spec::from(param_node::load_string(text, "<test>"), 2);
    EXPECT_EQ(sp.topology, wiring_topology::busbar);
    EXPECT_EQ(sp.port, port_mode::power);
    stack_network s(sp, params(), t20_k);
    EXPECT_TRUE(s.port_is_power());
    EXPECT_NEAR(s.cables()[s.find_cable("cable.pos.m0_bus")].length_m(), 1.5, 0.0);
    EXPECT_NEAR(s.cables()[s.find_cable("cable.pos.m0_bus")].cross_section_mm2(), 25.0, 0.0);
    EXPECT_NEAR(s.cables()[s.find_cable("cable.pos.m1_bus")].r20_ohm(), 1.5 * 1.15e-3, 1e-15);
    const contact& k = s.contacts()[s.find_contact("contact.bus.pos.m1")];
    EXPECT_DOUBLE_EQ(k.applied_torque_nm(), 5.0);
    EXPECT_DOUBLE_EQ(k.loosening_time_s(), 7.8e6);
    EXPECT_THROW(wiring_spec::from(param_node::load_string("topology: star\n", "<test>"), 2), input_error);
    EXPECT_THROW(wiring_spec::from(param_node::load_string("cabels: {}\n", "<test>"), 2), input_error);
}

TEST(NetworkWiring, ExplicitNetlist) {
    const std::string text = R"(
topology: explicit
elements:
  - {kind: inverter, name: inverter.port, a: inv.pos, b: inv.neg}
  - {kind: module, name: m0, a: m0.pos, b: m0.neg}
  - {kind: module, name: m1, a: m1.pos, b: m1.neg}
  - {kind: contact, name: contact.m0.pos, a: m0.pos, b: lug0, torque_nm: 14}
  - {kind: cable, name: cable.pos.inv_m0, a: lug0, b: inv.pos, length_m: 2, cross_section_mm2: 35}
  - {kind: resistor, name: link.pos, a: m0.pos, b: m1.pos, r_ohm: 0.001}
  - {kind: resistor, name: link.neg, a: m0.neg, b: m1.neg, r_ohm: 0.001}
  - {kind: switch, name: tie, a: m1.neg, b: inv.neg, r_ohm: 0.0001, closed: true}
)";
    const wiring_spec sp = wiring_spec::from(param_node::load_string(text, "<test>"), 2);
    stack_network s(sp, params(), t20_k);
    EXPECT_EQ(s.n_modules(), 2u);
    EXPECT_EQ(s.net().node_name(network::ground), "inv.neg");
    s.set_module_source(0, 52.0, 0.012);
    s.set_module_source(1, 52.0, 0.012);
    s.set_port_current_a(-40.0);
    s.solve();
    EXPECT_NEAR(s.module_current_a(0) + s.module_current_a(1), -40.0, 1e-9);
    EXPECT_LT(s.max_kcl_residual_a(), 1e-9);
    EXPECT_THROW(wiring_spec::from(param_node::load_string(text, "<test>"), 3), input_error);
}

// Energy over a run with changing sources, port current and heating: energy into the port =
// energy into the emfs + every ohmic loss (Tellegen, exact per step), and the thermal nodes
// balance their heat: loss = heat to ambient + stored heat.
TEST(NetworkWiring, EnergyBookkeeping) {
    stack_network s = make(wiring_topology::loop, 4, {52.0, 51.8, 51.9, 52.1});
    const double dt = 1.0;
    for (int k = 0; k < 600; ++k) {
        for (std::size_t m = 0; m < 4; ++m)
            s.set_module_source(m, 52.0 - 0.001 * k + 0.05 * static_cast<double>(m), 0.012 + 0.001 * m);
        s.set_port_current_a(k < 300 ? -120.0 : 80.0);
        s.solve();
        ASSERT_LT(s.max_kcl_residual_a(), 1e-9) << k;
        s.advance(dt, t20_k);
    }
    const double emf = s.source_energy_j().sum();
    const double loss_all = s.loss_energy_j().sum();
    EXPECT_NEAR((emf + loss_all) / s.port_energy_j(), 1.0, 1e-9);
    double src_loss = 0.0;
    for (std::size_t m = 0; m < 4; ++m)
        src_loss += s.loss_energy_j()[static_cast<Eigen::Index>(s.index().cells[m])];
    EXPECT_NEAR(s.total_loss_energy_j(), loss_all - src_loss, 1e-9 * loss_all);
    // thermal nodes: the I^2 R energy of cables and contacts = heat to ambient + stored heat
    double branch_loss = 0.0;
    for (auto e : s.index().cable_elements)
        branch_loss += s.loss_energy_j()[static_cast<Eigen::Index>(e)];
    for (auto e : s.index().contact_elements)
        branch_loss += s.loss_energy_j()[static_cast<Eigen::Index>(e)];
    const double heat = s.thermal().heat_to_ambient_j().sum() + s.thermal().stored_heat_j().sum();
    EXPECT_NEAR(heat / branch_loss, 1.0, 1e-9);
    EXPECT_GT(s.cable_temp_k(0), t20_k); // heated
}

// Temperature feeds back into R: a loose contact at 100 A heats and its resistance grows.
TEST(NetworkWiring, LooseContactHeatsAndFeedsBack) {
    wiring_spec sp;
    sp.topology = wiring_topology::loop;
    sp.n_modules = 2;
    sp.contacts["contact.m0.pos.inv"].torque_nm = 2.0;
    stack_network s(sp, params(), t20_k);
    s.set_module_source(0, 52.0, 0.012);
    s.set_module_source(1, 52.0, 0.012);
    const std::size_t k = s.find_contact("contact.m0.pos.inv");
    const auto e = s.index().contact_elements[k];
    const double r0 = s.net().resistance_ohm(e);
    bool crossed = false;
    for (int step = 0; step < 3600; ++step) {
        s.set_port_current_a(-150.0);
        s.solve();
        s.advance(1.0, t20_k);
        for (std::size_t n : s.thermal().crossed_up())
            crossed |= n == s.cables().size() + k;
    }
    // steady state without feedback would be T_amb + I^2 r0 / G
    const double g = params().contact_thermal.conductance_w_per_k;
    const double t = s.contact_temp_k(k);
    EXPECT_GT(t, t20_k + 150.0 * 150.0 * r0 / g * 0.99);
    EXPECT_NEAR(s.net().resistance_ohm(e), r0 * (1.0 + 0.00393 * (t - t20_k)), 1e-15);
    EXPECT_TRUE(crossed); // over its 90 degC rating
    EXPECT_TRUE(s.thermal().over_rating(s.cables().size() + k));
    // it is the hottest contact
    for (std::size_t j = 0; j < s.contacts().size(); ++j) {
        if (j != k) {
            EXPECT_LT(s.contact_temp_k(j), t);
        }
    }
}
