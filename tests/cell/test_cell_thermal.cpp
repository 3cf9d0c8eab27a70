// The lumped thermal network against analytic solutions.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "cell_test_util.h"
#include "numeric/cell_array.h"
#include "numeric/module_thermal.h"

using namespace stacksim::num;

// Two nodes: a cell (C1, heated by P1) linked by g to a case (C2, heated by P2), the case linked
// by ga to ambient. With theta = T - T_amb: C1 theta1' = P1 - g (theta1 - theta2),
// C2 theta2' = P2 + g (theta1 - theta2) - ga theta2. Steady state: theta2 = (P1 + P2) / ga,
// theta1 = theta2 + P1 / g. Modes: eigenvalues of A = [[-g/C1, g/C1], [g/C2, -(g+ga)/C2]],
// eigenvector (1, (lambda + g/C1) C1/g). Heat to ambient: ga int theta2 dt.
TEST(CellThermal, TwoNodeNetworkMatchesItsAnalyticSolution) {
    const double c1 = 2000.0, c2 = 6000.0, g = 0.8, ga = 5.0, p1 = 10.0, p2 = 3.0, t_amb = 298.15;
    const double th1_0 = 310.0 - t_amb, th2_0 = 300.0 - t_amb;
    Eigen::VectorXd cap(2), gamb(2);
    cap << c1, c2;
    gamb << 0.0, ga;
    module_thermal net(cap, {{0, 1, g}}, gamb);

    const double tr = -g / c1 - (g + ga) / c2, det = g * ga / (c1 * c2);
    const double l1 = 0.5 * (tr + std::sqrt(tr * tr - 4.0 * det)), l2 = 0.5 * (tr - std::sqrt(tr * tr - 4.0 * det));
    const double v1 = (l1 + g / c1) * c1 / g, v2 = (l2 + g / c1) * c1 / g; // second components
    const double s2 = (p1 + p2) / ga, s1 = s2 + p1 / g;
    // theta0 - theta_ss = a (1, v1) + b (1, v2)
    const double d1 = th1_0 - s1, d2 = th2_0 - s2;
    const double b = (d2 - v1 * d1) / (v2 - v1), a = d1 - b;
    const auto theta = [&](double t, int node) {
        return node == 0 ? s1 + a * std::exp(l1 * t) + b * std::exp(l2 * t)
                         : s2 + a * v1 * std::exp(l1 * t) + b * v2 * std::exp(l2 * t);
    };
    const auto ambient_heat = [&](double t) {
        return ga * (s2 * t + a * v1 * std::expm1(l1 * t) / l1 + b * v2 * std::expm1(l2 * t) / l2);
    };

    for (double dt : {1.0, 60.0, 3600.0}) {
        Eigen::MatrixXd temp(2, 1), power(2, 1), scratch;
        temp << th1_0 + t_amb, th2_0 + t_amb;
        power << p1, p2;
        Eigen::VectorXd q = Eigen::VectorXd::Zero(1);
        const double t_end = 4.0 * 3600.0 * 24.0;
        double worst_t = 0.0, worst_q = 0.0;
        for (double t = dt; t <= t_end + 1e-9; t += dt) {
            net.step(dt, temp, power, t_amb, q, scratch);
            for (int node = 0; node < 2; ++node)
                worst_t = std::max(worst_t, std::abs(temp(node, 0) - t_amb - theta(t, node)) / std::abs(theta(t, node)));
            worst_q = std::max(worst_q, std::abs(q(0) - ambient_heat(t)) / std::abs(ambient_heat(t)));
        }
        EXPECT_LT(worst_t, 1e-9) << "dt = " << dt;
        EXPECT_LT(worst_q, 1e-9) << "dt = " << dt;
        // After 4 days (time constants < 1 day) it sits at the hand-computed steady state.
        EXPECT_NEAR(temp(0, 0), t_amb + (p1 + p2) / ga + p1 / g, 1e-6);
        EXPECT_NEAR(temp(1, 0), t_amb + (p1 + p2) / ga, 1e-6);
    }
}

// A module with uniform cell heat p and case heat pm: no flow between cells, so
// T_case = T_amb + (n p + pm) / G_case_amb and T_cell = T_case + p / g_cell_case. One huge step
// reaches it (the exact exponential is stable for any step).
TEST(CellThermal, ModuleSteadyStateInOneHugeStep) {
    const cell_params p = cell_test::default_params();
    const std::size_t n = 16;
    module_thermal net = module_thermal::cells_in_case(n, p.heat_capacity_j_per_k, p.case_heat_capacity_j_per_k,
                                                       p.cell_to_cell_w_per_k, p.cell_to_case_w_per_k,
                                                       p.case_to_ambient_w_per_k);
    const double pc = 1.5, pm = 4.0, t_amb = 288.15;
    Eigen::MatrixXd temp = Eigen::MatrixXd::Constant(n + 1, 3, 300.0), power = Eigen::MatrixXd::Constant(n + 1, 3, pc), scratch;
    power.row(n).setConstant(pm);
    Eigen::VectorXd q = Eigen::VectorXd::Zero(3);
    net.step(1e8, temp, power, t_amb, q, scratch);
    const double t_case = t_amb + (16 * pc + pm) / p.case_to_ambient_w_per_k;
    for (Eigen::Index m = 0; m < 3; ++m) {
        EXPECT_NEAR(temp(static_cast<Eigen::Index>(n), m), t_case, 1e-9);
        for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(n); ++k)
            EXPECT_NEAR(temp(k, m), t_case + pc / p.cell_to_case_w_per_k, 1e-9);
    }
}

// One hot cell in a module warms its neighbours more than distant cells (cell-to-cell conduction),
// and the array's own thermal state follows the same network.
TEST(CellThermal, HeatSpreadsToNeighboursInTheArray) {
    const cell_params p = cell_test::default_params();
    cell_array c(p, 1, 16, 1);
    c.set_all_temperature_k(298.15);
    Eigen::ArrayXd i = Eigen::ArrayXd::Zero(16), heat = Eigen::ArrayXd::Zero(16), mod = Eigen::ArrayXd::Zero(1);
    heat(5) = 20.0;
    for (int k = 0; k < 3600; ++k)
        c.step(1.0, i, 298.15, heat, mod);
    const auto& t = c.temp_k();
    EXPECT_GT(t(5), t(4));
    EXPECT_GT(t(4), t(3));
    EXPECT_GT(t(3), t(0));
    EXPECT_NEAR(t(4), t(6), 0.01); // nearly symmetric neighbours (the row ends are 5 and 10 cells away)
    EXPECT_GT(c.case_temp_k()(0), 298.15);
}

// Temperature feeds back: a hot cell has a lower resistance by the Arrhenius law.
TEST(CellThermal, TemperatureFeedsBackIntoResistance) {
    const cell_params p = cell_test::nominal_params();
    cell_array c(p, 1, 2, 1);
    c.set_all_soc(0.5);
    Eigen::ArrayXd i = Eigen::ArrayXd::Zero(2), heat(2), mod = Eigen::ArrayXd::Zero(1);
    heat << 30.0, 0.0;
    for (int k = 0; k < 600; ++k)
        c.step(1.0, i, 298.15, heat, mod);
    const double ratio = c.r0_discharge_ohm()(0) / c.r0_discharge_ohm()(1);
    const double expected = cell_test::arrhenius(p.ea_r0_j_per_mol, c.temp_k()(0), c.temp_k()(1));
    EXPECT_LT(ratio, 0.99);
    EXPECT_NEAR(ratio, expected, 1e-12);
}

// Neighbouring module cases exchange heat (case_to_neighbour_w_per_k = G). For two modules the
// difference d = T(m0) - T(m1) evolves exactly as one module whose case has 2 G more to an ambient
// at 0 (the common mode does not see G): d(t) = Phi d(0), Phi from that network's own exact step.
// The cell array splits the exchange from the module step (first order in dt), so it must converge
// to that solution as dt shrinks, and it must conserve the heat it moves.
TEST(CellThermal, NeighbouringCasesExchangeHeatAsTheDifferenceModePredicts) {
    cell_params p = cell_test::nominal_params();
    p.case_to_neighbour_w_per_k = 3.0;
    p.self_discharge_pct_per_month = 0.0; // no heat at all: only the initial 10 K moves
    const std::size_t nc = 16;
    const double t_amb = 298.15, hours = 3600.0;
    module_thermal diff = module_thermal::cells_in_case(nc, p.heat_capacity_j_per_k, p.case_heat_capacity_j_per_k,
                                                        p.cell_to_cell_w_per_k, p.cell_to_case_w_per_k,
                                                        p.case_to_ambient_w_per_k + 2.0 * p.case_to_neighbour_w_per_k);
    Eigen::MatrixXd d = Eigen::MatrixXd::Constant(nc + 1, 1, 0.0);
    d(nc, 0) = 10.0; // m0's case 10 K warmer than m1's; the cells start equal
    Eigen::MatrixXd scratch, zero = Eigen::MatrixXd::Zero(nc + 1, 1);
    Eigen::VectorXd amb = Eigen::VectorXd::Zero(1);
    diff.step(hours, d, zero, 0.0, amb, scratch);

    double previous_error = 0.0;
    for (double dt : {4.0, 2.0, 1.0}) {
        cell_array a(p, 2, nc, 0, thermal_layout::module);
        a.set_all_temperature_k(t_amb);
        a.set_case_temperature_k(0, t_amb + 10.0);
        const Eigen::ArrayXd i = Eigen::ArrayXd::Zero(2 * static_cast<Eigen::Index>(nc));
        for (int k = 0; k < static_cast<int>(hours / dt); ++k)
            a.step(dt, i, t_amb);
        double err = std::abs((a.case_temp_k()(0) - a.case_temp_k()(1)) - d(nc, 0));
        for (std::size_t c = 0; c < nc; ++c)
            err = std::max(err, std::abs((a.temp_k()(static_cast<Eigen::Index>(c)) -
                                          a.temp_k()(static_cast<Eigen::Index>(nc + c))) - d(c, 0)));
        EXPECT_LT(err, 2e-3 * dt) << dt; // split error, first order in dt (10 K initial difference)
        std::printf("dt %g s: split error %.3e K\n", dt, err);
        if (previous_error > 0.0) {
            EXPECT_NEAR(previous_error / err, 2.0, 0.2) << dt; // halves with dt
        }
        previous_error = err;
        // No current, no heat generated: what went to ambient is what the nodes no longer store.
        const cell_energy_totals e = a.energy();
        EXPECT_EQ(e.heat_generated_j, 0.0);
        EXPECT_NEAR(e.thermal_stored_j + e.heat_to_ambient_j, 0.0, 1e-9 * 10.0 * p.case_heat_capacity_j_per_k);
    }
    // And with G = 0 the modules do not see each other at all.
    p.case_to_neighbour_w_per_k = 0.0;
    cell_array apart(p, 2, nc, 0, thermal_layout::module);
    apart.set_all_temperature_k(t_amb);
    apart.set_case_temperature_k(0, t_amb + 10.0);
    apart.step(hours, Eigen::ArrayXd::Zero(2 * static_cast<Eigen::Index>(nc)), t_amb);
    EXPECT_EQ(apart.case_temp_k()(1), t_amb);
}

// The step's plain loops against the dense matrix formula they replace, on a random module:
// T_new = Phi (T - T_amb) + Gamma P + T_amb, heat to ambient psi (T - T_amb) + xi P, for
// random capacities, cell-to-cell, cell-to-case and case-to-ambient conductances, several
// copies (modules) and two step sizes.
TEST(CellThermal, StepEqualsTheDenseMatrixFormulaOnARandomModule) {
    std::mt19937_64 rng(20261207);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int trial = 0; trial < 20; ++trial) {
        const std::size_t n_cells = 1 + static_cast<std::size_t>(u(rng) * 20.0);
        const auto n = static_cast<Eigen::Index>(n_cells + 1);
        Eigen::VectorXd cap(n), gamb = Eigen::VectorXd::Zero(n);
        for (Eigen::Index i = 0; i < n; ++i)
            cap(i) = 500.0 + 5000.0 * u(rng);
        gamb(n - 1) = 0.5 + 10.0 * u(rng);
        std::vector<thermal_link> links;
        for (std::size_t i = 0; i < n_cells; ++i) {
            if (i + 1 < n_cells)
                links.push_back({i, i + 1, 2.0 * u(rng)});
            links.push_back({i, n_cells, 0.1 + 3.0 * u(rng)});
        }
        const module_thermal net(cap, links, gamb);
        const Eigen::Index copies = 1 + static_cast<Eigen::Index>(u(rng) * 17.0);
        Eigen::MatrixXd temp(n, copies), power(n, copies);
        for (Eigen::Index i = 0; i < temp.size(); ++i) {
            temp.data()[i] = 280.0 + 40.0 * u(rng);
            power.data()[i] = 20.0 * u(rng) - 2.0;
        }
        const double t_amb = 285.0 + 20.0 * u(rng);
        for (const double dt_s : {0.1, 7.5}) {
            const module_thermal::step_matrices& m = net.matrices(dt_s);
            const Eigen::MatrixXd theta = temp.array() - t_amb;
            const Eigen::MatrixXd want = (m.phi * theta + m.gamma * power).array() + t_amb;
            const Eigen::RowVectorXd want_q = m.psi * theta + m.xi * power;
            Eigen::MatrixXd got = temp, scratch;
            Eigen::VectorXd q = Eigen::VectorXd::Zero(copies);
            net.step(dt_s, got, power, t_amb, q, scratch);
            for (Eigen::Index i = 0; i < got.size(); ++i)
                ASSERT_NEAR(got.data()[i], want.data()[i], 1e-12 * std::abs(want.data()[i])) << trial << " " << i;
            for (Eigen::Index j = 0; j < copies; ++j)
                ASSERT_NEAR(q(j), want_q(j), 1e-12 * std::abs(want_q(j)) + 1e-12) << trial << " " << j;
            temp = got;
        }
    }
}
