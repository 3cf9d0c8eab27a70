// Cell core speed: ns per cell-step for a 256-cell stack (16 modules x 16 cells) with
// thermal coupling, one core. One iteration = linearise + step of every cell (what the stack
// plant does per electrical step); the counter ns_per_cell_step is the figure to report.
// bm_thermal_*: the module thermal network alone (16 modules of 16 cells and a case), per
// cell-step: the exact dense propagator the model uses, and for comparison a backward-Euler
// step of the same network solved in O(nodes) (cells in a row plus the case: tridiagonal with
// one dense row and column); it prints how far its temperatures drift from the exact ones.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "numeric/cell_array.h"
#include "numeric/cell_params.h"
#include "numeric/module_thermal.h"

namespace {

using namespace stacksim::num;

void run(benchmark::State& state, bool with_linearise) {
    const auto n_modules = static_cast<std::size_t>(state.range(0));
    const std::size_t per_module = 16;
    const double dt_s = 0.1;
    cell_array cells(load_cell_params(default_cell_params_path()), n_modules, per_module, 42);
    cells.set_all_soc(0.5);
    const auto n = static_cast<Eigen::Index>(cells.size());
    Eigen::ArrayXd current = Eigen::ArrayXd::Constant(n, -60.0), dir = Eigen::ArrayXd::Constant(n, -1.0);
    Eigen::ArrayXd e(n), r(n), bleed = Eigen::ArrayXd::Zero(n);
    Eigen::ArrayXd busbar = Eigen::ArrayXd::Constant(static_cast<Eigen::Index>(n_modules), 1.5);
    for (Eigen::Index k = 0; k < n; k += 5)
        bleed(k) = 0.11;
    long steps = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        // Alternate charge and discharge every 1000 steps so SoC stays in range.
        if (++steps % 1000 == 0) {
            current = -current;
            dir = -dir;
        }
        if (with_linearise)
            cells.linearise(dt_s, dir, e, r);
        cells.step(dt_s, current, 298.15, bleed, busbar);
        benchmark::DoNotOptimize(cells.voltage_v().data());
        benchmark::ClobberMemory();
    }
    const double wall_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    state.counters["cells"] = static_cast<double>(n);
    state.counters["ns_per_cell_step"] = wall_ns / (static_cast<double>(state.iterations()) * static_cast<double>(n));
}


// Backward Euler on cells 0..n-1 in a row (g_cc between neighbours, g_ck each to the case) and
// the case (g_ka to ambient): (C/dt + L) T_new = C/dt T_old + P + g_ka T_amb e_case. Eliminating
// the case node leaves a tridiagonal system in the cells (A y = rhs, A z = g_ck); A's
// factorisation, z and the case's denominator depend on dt only and are kept (as the exact
// method keeps its propagator), so a step is one forward and one backward sweep.
struct arrow_euler {
    std::size_t n;
    double c_cell, c_case, g_cc, g_ck, g_ka;
    double dt_s = -1.0, case_den = 0.0, sum_z = 0.0;
    std::vector<double> cp{}, inv_den{}, z{}, y{};
    void prepare(double dt) {
        cp.resize(n);
        inv_den.resize(n);
        z.resize(n);
        y.resize(n);
        const auto diag = [&](std::size_t i) { return c_cell / dt + g_ck + g_cc * ((i > 0) + (i + 1 < n)); };
        inv_den[0] = 1.0 / diag(0);
        cp[0] = -g_cc * inv_den[0];
        z[0] = g_ck * inv_den[0];
        for (std::size_t i = 1; i < n; ++i) {
            inv_den[i] = 1.0 / (diag(i) + g_cc * cp[i - 1]);
            cp[i] = -g_cc * inv_den[i];
            z[i] = (g_ck + g_cc * z[i - 1]) * inv_den[i];
        }
        for (std::size_t i = n - 1; i-- > 0;)
            z[i] -= cp[i] * z[i + 1];
        sum_z = 0.0;
        for (std::size_t i = 0; i < n; ++i)
            sum_z += z[i];
        case_den = c_case / dt + static_cast<double>(n) * g_ck + g_ka - g_ck * sum_z;
        dt_s = dt;
    }
    void step(double dt, double* t, const double* p, double t_amb) {
        if (dt != dt_s)
            prepare(dt);
        const double cd = c_cell / dt;
        y[0] = (cd * t[0] + p[0]) * inv_den[0];
        for (std::size_t i = 1; i < n; ++i)
            y[i] = (cd * t[i] + p[i] + g_cc * y[i - 1]) * inv_den[i];
        double sy = y[n - 1];
        for (std::size_t i = n - 1; i-- > 0;) {
            y[i] -= cp[i] * y[i + 1];
            sy += y[i];
        }
        // Case row: (c_case/dt + n g_ck + g_ka) T_k - g_ck sum T_i = c_case/dt T_k_old + P_k + g_ka T_amb.
        const double tk = (c_case / dt * t[n] + p[n] + g_ka * t_amb + g_ck * sy) / case_den;
        for (std::size_t i = 0; i < n; ++i)
            t[i] = y[i] + z[i] * tk;
        t[n] = tk;
    }
};

// The thermal network alone: exact (mode 0) or backward Euler (mode 1), 16 modules, dt 0.1 s,
// 10 W per cell alternating with 0 every 1000 steps (drift reported after the timed run, as the
// largest difference from the exact temperatures over a fresh 3600 s of the same pattern).
void bm_thermal(benchmark::State& state) {
    const bool euler = state.range(0) == 1;
    const cell_params p = load_cell_params(default_cell_params_path());
    const std::size_t nc = 16, nm = 16, nodes = nc + 1;
    const double dt = 0.1, amb = 298.15;
    const module_thermal th = module_thermal::cells_in_case(nc, p.heat_capacity_j_per_k, p.case_heat_capacity_j_per_k,
                                                            p.cell_to_cell_w_per_k, p.cell_to_case_w_per_k,
                                                            p.case_to_ambient_w_per_k);
    arrow_euler ae{nc, p.heat_capacity_j_per_k, p.case_heat_capacity_j_per_k, p.cell_to_cell_w_per_k,
                   p.cell_to_case_w_per_k, p.case_to_ambient_w_per_k};
    const auto rows = static_cast<Eigen::Index>(nodes), cols = static_cast<Eigen::Index>(nm);
    Eigen::MatrixXd t = Eigen::MatrixXd::Constant(rows, cols, amb), pw = Eigen::MatrixXd::Zero(rows, cols), scratch(rows, cols);
    Eigen::VectorXd q = Eigen::VectorXd::Zero(cols);
    const auto power = [&](long k) { pw.topRows(static_cast<Eigen::Index>(nc)).setConstant((k / 1000) % 2 == 0 ? 10.0 : 0.0); };
    long steps = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        power(steps++);
        if (euler)
            for (Eigen::Index m = 0; m < cols; ++m)
                ae.step(dt, t.col(m).data(), pw.col(m).data(), amb);
        else
            th.step(dt, t, pw, amb, q, scratch);
        benchmark::DoNotOptimize(t.data());
        benchmark::ClobberMemory();
    }
    const double wall_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    state.counters["ns_per_cell_step"] = wall_ns / (static_cast<double>(state.iterations()) * static_cast<double>(nc * nm));
    if (euler) { // drift from the exact propagator over one hour
        Eigen::MatrixXd te = Eigen::MatrixXd::Constant(rows, 1, amb), tb = te, pe = Eigen::MatrixXd::Zero(rows, 1), s1(rows, 1);
        Eigen::VectorXd q1 = Eigen::VectorXd::Zero(1);
        double worst = 0.0;
        for (long k = 0; k < 36000; ++k) {
            pe.topRows(static_cast<Eigen::Index>(nc)).setConstant((k / 1000) % 2 == 0 ? 10.0 : 0.0);
            th.step(dt, te, pe, amb, q1, s1);
            ae.step(dt, tb.data(), pe.data(), amb);
            worst = std::max(worst, (te - tb).cwiseAbs().maxCoeff());
        }
        state.counters["max_drift_k_1h"] = worst;
    }
}

void bm_cells_linearise_and_step(benchmark::State& state) { run(state, true); }
void bm_cells_step_only(benchmark::State& state) { run(state, false); }

} // namespace

BENCHMARK(bm_cells_linearise_and_step)->Arg(16)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_cells_step_only)->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_thermal)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond); // 0 exact (the model), 1 backward Euler

BENCHMARK_MAIN();
