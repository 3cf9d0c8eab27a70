// A cable replaced during a run (stack_network::set_cable, the scenario event cable_change): the
// network afterwards is the one built with the new geometry from the start, in the same state;
// R follows the cable law; the thermal node keeps its temperature with the new constants; the
// energy books still close.
#include <cmath>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "network_test_util.h"
#include "numeric/branch_thermal.h"

using namespace stacksim::num;
using network_test::params;
using network_test::t20_k;
using ::testing::HasSubstr;

namespace {

constexpr double alpha_per_k = 0.00393; // IEC 60287 Table 1

void set_sources(stack_network& s, int step) {
    for (std::size_t m = 0; m < s.n_modules(); ++m)
        s.set_module_source(m, 52.0 - 0.001 * step + 0.04 * static_cast<double>(m), 0.012 + 0.001 * static_cast<double>(m));
}

// Relative agreement; exact zeros (open paths) must stay exact zeros.
void expect_rel(double got, double want, double rel, const std::string& what) {
    if (want == 0.0)
        EXPECT_EQ(got, 0.0) << what;
    else
        EXPECT_NEAR(got, want, rel * std::abs(want)) << what;
}

} // namespace

// C = 30 J/K, G = 0.5 W/K, 10 W for 60 s from 20 degC, then C = 12 J/K, G = 0.8 W/K: the
// temperature stays, the node then follows T_amb + P/G2 + (T1 - T_amb - P/G2) exp(-G2 t / C2),
// and the heat the old capacity held above the start, (30 - 12) (T1 - T0), is booked as replaced.
TEST(NetworkCableChange, ThermalNodeKeepsItsTemperature) {
    branch_thermal th;
    th.add("c", 30.0, 0.5, 363.15, t20_k);
    Eigen::ArrayXd p(1);
    p << 10.0;
    th.step(60.0, p, t20_k);
    const double t1 = t20_k + 20.0 * (1.0 - std::exp(-1.0));
    ASSERT_NEAR(th.temp_k(0), t1, 1e-12);

    EXPECT_THROW(th.set_constants(0, 0.0, 0.8), std::invalid_argument);
    EXPECT_THROW(th.set_constants(0, 12.0, -1.0), std::invalid_argument);
    EXPECT_THROW(th.set_constants(1, 12.0, 0.8), std::out_of_range);
    EXPECT_EQ(th.heat_capacity_j_per_k()[0], 30.0); // a refused change changes nothing
    EXPECT_EQ(th.conductance_w_per_k()[0], 0.5);

    th.set_constants(0, 12.0, 0.8);
    EXPECT_EQ(th.temp_k(0), t1);
    EXPECT_EQ(th.heat_capacity_j_per_k()[0], 12.0);
    EXPECT_EQ(th.conductance_w_per_k()[0], 0.8);
    EXPECT_NEAR(th.replaced_heat_j()[0], 18.0 * (t1 - t20_k), 1e-12);

    th.step(30.0, p, t20_k);
    const double t_inf = t20_k + 10.0 / 0.8;
    EXPECT_NEAR(th.temp_k(0), t_inf + (t1 - t_inf) * std::exp(-0.8 * 30.0 / 12.0), 1e-12);
    // 10 W for 90 s = to ambient + stored (new C) + replaced
    EXPECT_NEAR(th.heat_to_ambient_j()[0] + th.stored_heat_j()[0] + th.replaced_heat_j()[0], 900.0, 1e-9);
}

// A heated loop stack of 3 modules; the + jumper m0-m1 goes from 1 m of 25 mm2 to 2.5 m of 16 mm2
// (class 5). Afterwards every element current equals that of a network built with 2.5 m / 16 mm2
// from the start and brought to the same temperatures, before and after more heating steps.
TEST(NetworkCableChange, EqualsAFreshNetworkWithTheNewGeometry) {
    wiring_spec spec;
    spec.topology = wiring_topology::loop;
    spec.n_modules = 3;
    stack_network a(spec, params(), t20_k);
    for (int k = 0; k < 200; ++k) {
        set_sources(a, k);
        a.set_port_current_a(-140.0);
        a.solve();
        a.advance(1.0, t20_k);
    }
    const std::size_t c = a.find_cable("cable.pos.m0_m1");
    const auto el = a.index().cable_elements[c];
    const double temp_k = a.cable_temp_k(c);
    ASSERT_GT(temp_k, t20_k + 5.0); // heated: R(T) matters
    const auto symbolic = a.net().symbolic_analyses();

    a.set_cable(c, 2.5, 16.0);
    EXPECT_EQ(a.cable_temp_k(c), temp_k);
    EXPECT_EQ(a.cables()[c].length_m(), 2.5);
    EXPECT_EQ(a.cables()[c].cross_section_mm2(), 16.0);
    EXPECT_EQ(a.cables()[c].cls(), conductor_class::class5);
    // IEC 60228 class 5, 16 mm2: 1.21 mOhm/m at 20 degC
    EXPECT_NEAR(a.net().resistance_ohm(el), 1.21e-3 * 2.5 * (1.0 + alpha_per_k * (temp_k - t20_k)), 1e-15);

    wiring_spec thin = spec;
    thin.cables["cable.pos.m0_m1"].length_m = 2.5;
    thin.cables["cable.pos.m0_m1"].cross_section_mm2 = 16.0;
    stack_network b(thin, params(), t20_k);
    for (std::size_t n = 0; n < a.thermal().size(); ++n)
        b.set_branch_temp_k(n, a.thermal().temp_k(n));
    EXPECT_EQ(b.thermal().heat_capacity_j_per_k()[static_cast<Eigen::Index>(c)],
              a.thermal().heat_capacity_j_per_k()[static_cast<Eigen::Index>(c)]);
    EXPECT_EQ(b.thermal().conductance_w_per_k()[static_cast<Eigen::Index>(c)],
              a.thermal().conductance_w_per_k()[static_cast<Eigen::Index>(c)]);

    for (int k = 200; k < 260; ++k) {
        for (stack_network* s : {&a, &b}) {
            set_sources(*s, k);
            s->set_port_current_a(-140.0);
            s->solve();
        }
        if (k == 200 || k == 259) {
            for (std::size_t e = 0; e < a.net().n_elements(); ++e) {
                ASSERT_EQ(a.net().element_name(e), b.net().element_name(e));
                expect_rel(a.net().current_a(e), b.net().current_a(e), 1e-12,
                           a.net().element_name(e) + " at step " + std::to_string(k));
            }
            for (std::size_t n = 0; n < a.thermal().size(); ++n)
                expect_rel(a.thermal().temp_k(n), b.thermal().temp_k(n), 1e-12, a.thermal().name(n));
        }
        a.advance(1.0, t20_k);
        b.advance(1.0, t20_k);
    }
    EXPECT_EQ(a.net().symbolic_analyses(), symbolic); // a value change, not a topology change
    // after 60 more heating steps R still follows the law at the node's temperature
    EXPECT_NEAR(a.net().resistance_ohm(el), 1.21e-3 * 2.5 * (1.0 + alpha_per_k * (a.cable_temp_k(c) - t20_k)), 1e-15);
}

// Class `ideal`: R = rho (1 + alpha (T - 20 degC)) L / A with rho = 1.724e-8 Ohm m for any size.
TEST(NetworkCableChange, IdealConductorFollowsRhoLOverA) {
    wiring_spec spec;
    spec.topology = wiring_topology::same_side;
    spec.n_modules = 2;
    spec.inter_module.cls = conductor_class::ideal;
    stack_network s(spec, params(), t20_k);
    const std::size_t c = s.find_cable("cable.neg.m0_m1");
    s.set_branch_temp_k(c, t20_k + 37.0);
    s.set_cable(c, 3.0, 10.0); // not a table size: fine for ideal
    const double rho_ohm_m = 1.724e-8 * (1.0 + alpha_per_k * 37.0);
    EXPECT_NEAR(s.net().resistance_ohm(s.index().cable_elements[c]), rho_ohm_m * 3.0 / 10e-6, 1e-15);
    EXPECT_EQ(s.cable_temp_k(c), t20_k + 37.0);
}

TEST(NetworkCableChange, BadGeometryIsRefusedAndChangesNothing) {
    wiring_spec spec;
    spec.topology = wiring_topology::loop;
    spec.n_modules = 2;
    stack_network s(spec, params(), t20_k);
    const std::size_t c = s.find_cable("cable.neg.inv_m1");
    const auto el = s.index().cable_elements[c];
    const double r = s.net().resistance_ohm(el);
    const double cap = s.thermal().heat_capacity_j_per_k()[static_cast<Eigen::Index>(c)];
    try {
        s.set_cable(c, 2.0, 20.0); // class 5 has no 20 mm2
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("cable.neg.inv_m1"));
        EXPECT_THAT(e.what(), HasSubstr("20 mm2"));
    }
    EXPECT_THROW(s.set_cable(c, 0.0, 25.0), std::invalid_argument);
    EXPECT_THROW(s.set_cable(c, 2.0, -4.0), std::invalid_argument);
    EXPECT_THROW(s.set_cable(s.cables().size(), 2.0, 25.0), std::out_of_range);
    EXPECT_EQ(s.net().resistance_ohm(el), r);
    EXPECT_EQ(s.thermal().heat_capacity_j_per_k()[static_cast<Eigen::Index>(c)], cap);
    EXPECT_EQ(s.cables()[c].cross_section_mm2(), params().defaults.inverter_for(2).cross_section_mm2);
}

// Energy over a run with a cable swapped to a thin one half-way: port energy = emf energy + every
// ohmic loss (Tellegen), and per thermal node loss = heat to ambient + stored + replaced heat.
TEST(NetworkCableChange, EnergyBooksStillClose) {
    wiring_spec spec;
    spec.topology = wiring_topology::loop;
    spec.n_modules = 4;
    stack_network s(spec, params(), t20_k);
    const std::size_t c = s.find_cable("cable.neg.m2_m3");
    const auto ci = static_cast<Eigen::Index>(c);
    double replaced_thin_j = 0.0, replaced_thick_j = 0.0;
    for (int k = 0; k < 600; ++k) {
        if (k == 300 || k == 450) {
            const double c_old = s.thermal().heat_capacity_j_per_k()[ci];
            const double q0 = s.thermal().replaced_heat_j()[ci];
            if (k == 300)
                s.set_cable(c, 1.0, 16.0);
            else
                s.set_cable(c, 2.0, 50.0); // then a thick, longer one: C grows
            const double c_new = s.thermal().heat_capacity_j_per_k()[ci];
            (k == 300 ? replaced_thin_j : replaced_thick_j) = s.thermal().replaced_heat_j()[ci] - q0;
            EXPECT_NEAR(s.thermal().replaced_heat_j()[ci] - q0, (c_old - c_new) * (s.cable_temp_k(c) - t20_k), 1e-9);
        }
        set_sources(s, k);
        s.set_port_current_a(k < 400 ? -150.0 : 90.0);
        s.solve();
        ASSERT_LT(s.max_kcl_residual_a(), 1e-9) << k;
        s.advance(1.0, t20_k);
    }
    const double emf = s.source_energy_j().sum();
    const double loss_all = s.loss_energy_j().sum();
    EXPECT_NEAR((emf + loss_all) / s.port_energy_j(), 1.0, 1e-9);
    const branch_thermal& th = s.thermal();
    const std::size_t nc = s.cables().size();
    for (std::size_t n = 0; n < th.size(); ++n) {
        const auto e = n < nc ? s.index().cable_elements[n] : s.index().contact_elements[n - nc];
        const double loss = s.loss_energy_j()[static_cast<Eigen::Index>(e)];
        const auto i = static_cast<Eigen::Index>(n);
        EXPECT_NEAR(th.heat_to_ambient_j()[i] + th.stored_heat_j()[i] + th.replaced_heat_j()[i], loss, 1e-9 * loss)
            << th.name(n);
    }
    EXPECT_GT(replaced_thin_j, 0.0);  // 25 -> 16 mm2 while hot: the new cable holds less heat
    EXPECT_LT(replaced_thick_j, 0.0); // 1 m of 16 -> 2 m of 50 mm2: it holds more
    EXPECT_EQ(th.replaced_heat_j()[static_cast<Eigen::Index>(s.find_cable("cable.neg.m0_m1"))], 0.0);
}
