// The generic nodal solver: analytic current sharing, KCL, power port exactness, degenerate
// cases, re-analysis only on topology change.
#include <cmath>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "numeric/network.h"

using namespace stacksim::num;
using ::testing::HasSubstr;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const network_error& e) {
        return e.what();
    }
    return "(no network_error)";
}

} // namespace

// Two sources straight onto one node P, a current port charging from ground into P.
// Hand calculation: G = 1/r1 + 1/r2 = 100 + 50 = 150 S;
// V = (e1/r1 + e2/r2 + I) / G = (5200 + 2575 + 30) / 150 = 52.0333... V;
// i1 = (V - e1)/r1 = 3.3333... A, i2 = (V - e2)/r2 = 26.6666... A (sum = I = 30 A).
TEST(NetworkSolver, TwoSourcesShareByHand) {
    network net;
    const auto p = net.add_node("p");
    const auto s1 = net.add_source("m0", p, network::ground, 52.0, 0.010);
    const auto s2 = net.add_source("m1", p, network::ground, 51.5, 0.020);
    const auto port = net.add_current_port("port", network::ground, p, 30.0);
    net.solve();
    const double v = 7805.0 / 150.0;
    EXPECT_NEAR(net.node_voltage_v(p), v, 1e-12);
    EXPECT_NEAR(net.current_a(s1), (v - 52.0) / 0.010, 1e-9);
    EXPECT_NEAR(net.current_a(s2), (v - 51.5) / 0.020, 1e-9);
    EXPECT_NEAR(net.current_a(s1), 10.0 / 3.0, 1e-9);
    EXPECT_NEAR(net.current_a(s2), 80.0 / 3.0, 1e-9);
    EXPECT_DOUBLE_EQ(net.current_a(port), 30.0);
    EXPECT_NEAR(net.loss_w(s1), 0.010 * (10.0 / 3.0) * (10.0 / 3.0), 1e-9);
    EXPECT_LT(net.max_kcl_residual_a(), 1e-9);
    EXPECT_EQ(net.status(port), port_status::ok);
}

// Three identical modules (e, r) on a ladder: chain resistance rc between neighbouring +
// terminals, minus terminals on ground, I drawn at P0. With equal e the discharge currents d_k
// obey P_k = e - r d_k, so
//   node P2: r (d1 - d2) = rc d2              -> d1 = (1 + q) d2,   q = rc / r = 0.2
//   node P1: r (d0 - d1) = rc (d1 + d2)        -> d0 = d1 + q (d1 + d2) = 1.64 d2
//   d0 + d1 + d2 = 3.84 d2 = I = 96 A          -> d2 = 25, d1 = 30, d0 = 41 A.
TEST(NetworkSolver, ThreeModuleLadderByHand) {
    network net;
    const auto p0 = net.add_node("p0"), p1 = net.add_node("p1"), p2 = net.add_node("p2");
    const auto m0 = net.add_source("m0", p0, network::ground, 51.2, 0.01);
    const auto m1 = net.add_source("m1", p1, network::ground, 51.2, 0.01);
    const auto m2 = net.add_source("m2", p2, network::ground, 51.2, 0.01);
    const auto c01 = net.add_resistor("c01", p0, p1, 0.002);
    const auto c12 = net.add_resistor("c12", p1, p2, 0.002);
    net.add_current_port("load", p0, network::ground, 96.0); // draws 96 A out of P0
    net.solve();
    EXPECT_NEAR(net.current_a(m0), -41.0, 1e-9);
    EXPECT_NEAR(net.current_a(m1), -30.0, 1e-9);
    EXPECT_NEAR(net.current_a(m2), -25.0, 1e-9);
    EXPECT_NEAR(net.current_a(c12), -25.0, 1e-9); // from p1 to p2: the current flows p2 -> p1
    EXPECT_NEAR(net.current_a(c01), -55.0, 1e-9);
    EXPECT_NEAR(net.node_voltage_v(p0), 51.2 - 0.41, 1e-12);
    const Eigen::VectorXd res = net.kcl_residual_a();
    for (Eigen::Index k = 0; k < res.size(); ++k)
        EXPECT_LT(std::abs(res[k]), 1e-9) << "node " << net.node_name(static_cast<std::size_t>(k));
}

// KCL at every node of a stiff network (10 uOhm contacts at ~50 V, 100 A): the refined solve
// keeps the residual below 1e-9 A although g * ulp(V) ~ 1e-9 A for a single contact.
TEST(NetworkSolver, KclResidualStiffNetwork) {
    network net;
    const int n = 16;
    std::vector<network::node_id> pos(n), lug(n);
    for (int k = 0; k < n; ++k) {
        const auto c = net.add_node("c" + std::to_string(k));
        pos[static_cast<std::size_t>(k)] = net.add_node("p" + std::to_string(k));
        lug[static_cast<std::size_t>(k)] = net.add_node("l" + std::to_string(k));
        net.add_source("s" + std::to_string(k), c, network::ground, 52.0 + 0.01 * k, 0.012 + 1e-4 * k);
        net.add_resistor("sw" + std::to_string(k), c, pos[static_cast<std::size_t>(k)], 5e-4);
        net.add_resistor("ct" + std::to_string(k), pos[static_cast<std::size_t>(k)], lug[static_cast<std::size_t>(k)],
                         3e-6);
    }
    for (int k = 0; k + 1 < n; ++k)
        net.add_resistor("cab" + std::to_string(k), lug[static_cast<std::size_t>(k)],
                         pos[static_cast<std::size_t>(k + 1)], 7.8e-4);
    net.add_current_port("port", network::ground, pos[0], -150.0);
    net.solve();
    const Eigen::VectorXd res = net.kcl_residual_a();
    for (Eigen::Index k = 0; k < res.size(); ++k)
        EXPECT_LT(std::abs(res[k]), 1e-9) << "node " << net.node_name(static_cast<std::size_t>(k));
    double sum = 0.0;
    for (int k = 0; k < n; ++k)
        sum += net.current_a(net.find_element("s" + std::to_string(k)));
    EXPECT_NEAR(sum, -150.0, 1e-9); // module currents add up to the port current
}

// Power port on a Thevenin source (e = 50 V, r = 0.05 Ohm): the port absorbs p = v i with
// v = e - r i, i.e. r i^2 - e i + p = 0, physical root i = (e - sqrt(e^2 - 4 r p)) / (2 r).
TEST(NetworkSolver, PowerPortIsExact) {
    network net;
    const auto p = net.add_node("p");
    net.add_source("bat", p, network::ground, 50.0, 0.05);
    const auto port = net.add_power_port("inv", p, network::ground, 1000.0);
    for (double pw : {1000.0, 12000.0, -1000.0, -25000.0, 0.0}) {
        net.set_power(port, pw);
        net.solve();
        const double i_hand = (50.0 - std::sqrt(50.0 * 50.0 - 4.0 * 0.05 * pw)) / (2.0 * 0.05);
        const double i = net.current_a(port);
        const double v = net.voltage_v(port);
        EXPECT_NEAR(i, i_hand, 1e-9 * std::max(1.0, std::abs(i_hand))) << pw;
        if (pw != 0.0) {
            EXPECT_NEAR(v * i / pw, 1.0, 1e-12) << pw;
        } else {
            EXPECT_EQ(i, 0.0);
        }
        EXPECT_EQ(net.status(port), port_status::ok);
        EXPECT_NEAR(net.port_open_voltage_v(), 50.0, 1e-12);
        EXPECT_NEAR(net.port_thevenin_ohm(), 0.05, 1e-14);
        EXPECT_LT(net.max_kcl_residual_a(), 1e-9);
    }
    // Beyond p_max = e^2 / (4 r) = 12500 W the port runs at the maximum power point.
    net.set_power(port, 20000.0);
    net.solve();
    EXPECT_EQ(net.status(port), port_status::power_limited);
    EXPECT_NEAR(net.current_a(port), 500.0, 1e-9);
    EXPECT_NEAR(net.voltage_v(port), 25.0, 1e-12);
}

// The same power port inside a larger network: compare with the Thevenin equivalent by hand.
// Two sources (52 V, 0.02 Ohm) and (51 V, 0.03 Ohm) on node P, a 0.01 Ohm cable to the port node Q:
// v_oc = (52/0.02 + 51/0.03) / (1/0.02 + 1/0.03) = 51.6 V, r_th = 0.012 + 0.01 = 0.022 Ohm.
TEST(NetworkSolver, PowerPortThevenin) {
    network net;
    const auto p = net.add_node("p"), q = net.add_node("q");
    net.add_source("a", p, network::ground, 52.0, 0.02);
    net.add_source("b", p, network::ground, 51.0, 0.03);
    net.add_resistor("cable", p, q, 0.01);
    const auto port = net.add_power_port("inv", q, network::ground, 5000.0);
    net.solve();
    const double voc = 51.6, rth = 0.022;
    const double i_hand = (voc - std::sqrt(voc * voc - 4.0 * rth * 5000.0)) / (2.0 * rth);
    EXPECT_NEAR(net.port_open_voltage_v(), voc, 1e-12);
    EXPECT_NEAR(net.port_thevenin_ohm(), rth, 1e-14);
    EXPECT_NEAR(net.current_a(port), i_hand, 1e-9);
    EXPECT_NEAR(net.voltage_v(port) * net.current_a(port) / 5000.0, 1.0, 1e-12);
    EXPECT_LT(net.max_kcl_residual_a(), 1e-9);
    EXPECT_EQ(net.symbolic_analyses(), 1u);
    EXPECT_EQ(net.factorisations(), 1u); // both solves on one factorisation
}

TEST(NetworkSolver, BadResistanceNamesTheElement) {
    network net;
    const auto a = net.add_node("a");
    EXPECT_THAT(error_of([&] { net.add_resistor("r_zero", a, network::ground, 0.0); }), HasSubstr("r_zero"));
    EXPECT_THAT(error_of([&] { net.add_resistor("r_neg", a, network::ground, -1e-3); }), HasSubstr("r_neg"));
    EXPECT_THAT(error_of([&] { net.add_source("s_nan", a, network::ground, 1.0, std::nan("")); }), HasSubstr("s_nan"));
    EXPECT_THAT(error_of([&] { net.add_switch("sw0", a, network::ground, 0.0, true); }), HasSubstr("sw0"));
    const auto r = net.add_resistor("r_ok", a, network::ground, 1.0);
    EXPECT_THAT(error_of([&] { net.set_resistance(r, 0.0); }), HasSubstr("r_ok"));
    EXPECT_EQ(net.n_elements(), 1u); // the rejected ones were not added
    EXPECT_THAT(error_of([&] { net.add_resistor("r_ok", a, network::ground, 1.0); }), HasSubstr("already exists"));
    net.add_power_port("pp1", a, network::ground, 1.0);
    EXPECT_THAT(error_of([&] { net.add_power_port("pp2", a, network::ground, 1.0); }), HasSubstr("only one power port"));
    EXPECT_THAT(error_of([&] { net.add_current_port("self", a, a, 1.0); }), HasSubstr("self"));
}

TEST(NetworkSolver, FloatingNodeErrorPolicyNamesIt) {
    network net;
    const auto a = net.add_node("a"), b = net.add_node("island1"), c = net.add_node("island2");
    net.add_source("s", a, network::ground, 10.0, 1.0);
    net.add_resistor("r", b, c, 1.0);
    net.set_floating_policy(floating_policy::error);
    const std::string msg = error_of([&] { net.solve(); });
    EXPECT_THAT(msg, HasSubstr("island1"));
    EXPECT_THAT(msg, HasSubstr("island2"));
    network net2;
    net2.add_node("lonely");
    net2.set_floating_policy(floating_policy::error);
    EXPECT_THAT(error_of([&] { net2.solve(); }), HasSubstr("isolated node"));
}

// isolate policy: a floating component with two sources in a loop keeps its physically defined
// circulating current (e1 - e2) / (r1 + r2) = (5 - 3) / (1 + 3) = 0.5 A; its reference node sits at
// 0 V; a port from ground into the island is an open circuit (0 A).
TEST(NetworkSolver, FloatingComponentIsolated) {
    network net;
    const auto g1 = net.add_node("grounded");
    net.add_resistor("rg", g1, network::ground, 2.0);
    const auto x = net.add_node("x"), y = net.add_node("y");
    const auto s1 = net.add_source("s1", x, y, 5.0, 1.0);
    const auto s2 = net.add_source("s2", x, y, 3.0, 3.0);
    const auto port = net.add_current_port("port", network::ground, x, 7.0);
    net.solve();
    EXPECT_NEAR(net.current_a(s1), -0.5, 1e-12);
    EXPECT_NEAR(net.current_a(s2), 0.5, 1e-12);
    EXPECT_EQ(net.status(port), port_status::open_circuit);
    EXPECT_EQ(net.current_a(port), 0.0);
    EXPECT_EQ(net.floating_nodes().size(), 2u);
    EXPECT_TRUE(net.is_floating(x));
    EXPECT_FALSE(net.is_floating(g1));
    EXPECT_NEAR(net.node_voltage_v(x), 0.0, 1e-12); // reference of its component
    EXPECT_NEAR(net.node_voltage_v(x) - net.node_voltage_v(y), 4.5, 1e-12);
    EXPECT_LT(net.max_kcl_residual_a(), 1e-12);
}

// Two modules 1 V apart joined by a switch: peak current dV / (loop resistance).
TEST(NetworkSolver, InrushThroughSwitchByHand) {
    network net;
    const auto a = net.add_node("a"), b = net.add_node("b");
    const auto m0 = net.add_source("m0", a, network::ground, 52.0, 0.012);
    const auto m1 = net.add_source("m1", b, network::ground, 51.0, 0.013);
    const auto sw = net.add_switch("sw", a, b, 0.0005, false);
    net.solve();
    EXPECT_EQ(net.current_a(m0), 0.0);
    net.set_closed(sw, true);
    net.solve();
    const double i_hand = 1.0 / (0.012 + 0.013 + 0.0005); // 39.2157 A
    EXPECT_NEAR(net.current_a(sw), i_hand, 1e-9);
    EXPECT_NEAR(net.current_a(m0), -i_hand, 1e-9);
    EXPECT_NEAR(net.current_a(m1), i_hand, 1e-9);
}

TEST(NetworkSolver, SymbolicAnalysisOnlyOnTopologyChange) {
    network net;
    const auto a = net.add_node("a"), b = net.add_node("b");
    const auto m0 = net.add_source("m0", a, network::ground, 52.0, 0.012);
    net.add_source("m1", b, network::ground, 51.0, 0.013);
    const auto sw = net.add_switch("sw", a, b, 0.0005, true);
    const auto port = net.add_current_port("port", network::ground, a, 0.0);
    for (int k = 0; k < 10; ++k) {
        net.set_source(m0, 52.0 - 0.01 * k, 0.012 + 1e-4 * k);
        net.set_current(port, 10.0 * k);
        net.solve();
    }
    EXPECT_EQ(net.symbolic_analyses(), 1u);
    EXPECT_EQ(net.factorisations(), 10u);
    net.set_closed(sw, true); // no change of state
    net.set_port_kind(port, element_kind::power_port); // ports are not in the matrix
    net.solve();
    EXPECT_EQ(net.symbolic_analyses(), 1u);
    net.set_closed(sw, false);
    net.solve();
    EXPECT_EQ(net.symbolic_analyses(), 2u);
    net.set_closed(sw, true);
    net.solve();
    EXPECT_EQ(net.symbolic_analyses(), 3u);
    net.add_resistor("extra", a, b, 1.0);
    net.solve();
    EXPECT_EQ(net.symbolic_analyses(), 4u);
    EXPECT_EQ(net.factorisations(), 14u);
}

// A copied network solves on its own (fresh solver, re-analysed once).
TEST(NetworkSolver, CopyIsIndependent) {
    network net;
    const auto a = net.add_node("a");
    const auto s = net.add_source("s", a, network::ground, 10.0, 1.0);
    const auto port = net.add_current_port("port", a, network::ground, 2.0);
    net.solve();
    network copy = net;
    copy.set_current(port, 4.0);
    copy.solve();
    EXPECT_NEAR(copy.current_a(s), -4.0, 1e-12);
    EXPECT_NEAR(net.current_a(s), -2.0, 1e-12);
    EXPECT_EQ(copy.symbolic_analyses(), 2u);
}

// Series reduction edge cases, by hand: a dangling source (no current; its free node sits at
// V(attach) + e), a chain through a source, and a self-loop source (shorted: i = -e / r).
TEST(NetworkSolver, SeriesReductionEdgeCases) {
    network net;
    const auto p = net.add_node("p"), q = net.add_node("q"), q2 = net.add_node("q2"), leaf = net.add_node("leaf");
    const auto s = net.add_source("s", p, network::ground, 10.0, 1.0);
    const auto r1 = net.add_resistor("r1", p, q, 1.0);
    // reversed source inside the chain: pos = q, neg = q2, e = 3 V, r = 1 Ohm
    const auto s2 = net.add_source("s2", q, q2, 3.0, 1.0);
    const auto dang = net.add_source("dangling", leaf, q, 1.5, 0.1); // leaf only touches this one
    const auto shorted = net.add_source("shorted", p, p, 2.0, 0.5);
    net.add_current_port("load", q2, network::ground, 2.0); // draws 2 A out of q2
    net.solve();
    // 2 A flows ground -> s -> p -> r1 -> q -> s2 -> q2 -> load.
    // V(p) = 10 - 1 * 2 = 8; V(q) = 8 - 2 = 6; s2 carries i = +2 (into pos q): V(q) - V(q2) = 3 + 2
    // -> V(q2) = 1 V. The dangling source: 0 A, V(leaf) = V(q) + 1.5 = 7.5 V.
    EXPECT_NEAR(net.current_a(s), -2.0, 1e-12);
    EXPECT_NEAR(net.current_a(r1), 2.0, 1e-12);
    EXPECT_NEAR(net.current_a(s2), 2.0, 1e-12);
    EXPECT_NEAR(net.node_voltage_v(p), 8.0, 1e-12);
    EXPECT_NEAR(net.node_voltage_v(q), 6.0, 1e-12);
    EXPECT_NEAR(net.node_voltage_v(q2), 1.0, 1e-12);
    EXPECT_EQ(net.current_a(dang), 0.0);
    EXPECT_NEAR(net.node_voltage_v(leaf), 7.5, 1e-12);
    EXPECT_NEAR(net.current_a(shorted), -4.0, 1e-12);
    EXPECT_NEAR(net.loss_w(shorted), 8.0, 1e-12);
    EXPECT_LT(net.max_kcl_residual_a(), 1e-12);
}
