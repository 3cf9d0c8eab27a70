// Cell core speed: ns per cell-step for a 256-cell stack (16 modules x 16 cells) with
// thermal coupling, one core. One iteration = linearise + step of every cell (what the stack
// plant does per electrical step); the counter ns_per_cell_step is the figure to report.
#include <chrono>

#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include "numeric/cell_array.h"
#include "numeric/cell_params.h"

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

void bm_cells_linearise_and_step(benchmark::State& state) { run(state, true); }
void bm_cells_step_only(benchmark::State& state) { run(state, false); }

} // namespace

BENCHMARK(bm_cells_linearise_and_step)->Arg(16)->Arg(1)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_cells_step_only)->Arg(16)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
