// Stack power network: one solve of the stack network, printed in microseconds.
//   bench_network                      all benchmarks
//   bench_network --benchmark_filter=loop/16
// Every solve includes: filling the conductances, the numeric LDLT factorisation, the solve(s)
// with one step of extended-precision refinement, and every branch current and loss.
#include <string>

#include <benchmark/benchmark.h>

#include "numeric/wiring.h"

using namespace stacksim::num;

namespace {

const wiring_params& params() {
    static const wiring_params p = wiring_params::load_file(std::string(STACKSIM_SOURCE_DIR) +
                                                            "/models/params/wiring_default.yaml");
    return p;
}

stack_network make(wiring_topology t, std::size_t n, port_mode port) {
    wiring_spec sp;
    sp.topology = t;
    sp.n_modules = n;
    sp.port = port;
    stack_network s(sp, params(), 298.15);
    for (std::size_t m = 0; m < n; ++m)
        s.set_module_source(m, 52.0 + 0.01 * static_cast<double>(m), 0.012);
    return s;
}

// New source values every iteration (as the stack does each step), then solve.
void run(benchmark::State& state, wiring_topology t, port_mode port) {
    const auto n = static_cast<std::size_t>(state.range(0));
    stack_network s = make(t, n, port);
    if (port == port_mode::power)
        s.set_port_power_w(-5000.0);
    else
        s.set_port_current_a(-100.0);
    s.solve();
    double k = 0.0;
    for (auto _ : state) {
        k += 1.0;
        for (std::size_t m = 0; m < n; ++m)
            s.set_module_source(m, 52.0 + 1e-6 * k + 0.01 * static_cast<double>(m), 0.012 + 1e-9 * k);
        s.solve();
        benchmark::DoNotOptimize(s.module_current_a(0));
    }
    state.counters["nodes"] = static_cast<double>(s.net().n_nodes());
    state.counters["elements"] = static_cast<double>(s.net().n_elements());
    state.counters["rows"] = static_cast<double>(s.net().matrix_rows());
    state.counters["nnz_L"] = static_cast<double>(s.net().factor_nonzeros());
    state.counters["analyses"] = static_cast<double>(s.net().symbolic_analyses());
}

void loop_current(benchmark::State& st) { run(st, wiring_topology::loop, port_mode::current); }
void loop_power(benchmark::State& st) { run(st, wiring_topology::loop, port_mode::power); }
void same_side_current(benchmark::State& st) { run(st, wiring_topology::same_side, port_mode::current); }
void busbar_current(benchmark::State& st) { run(st, wiring_topology::busbar, port_mode::current); }

// A switch toggles every iteration: symbolic analysis + factorisation + solve.
void loop_topology_change(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    stack_network s = make(wiring_topology::loop, n, port_mode::current);
    s.set_port_current_a(-100.0);
    bool closed = true;
    for (auto _ : state) {
        closed = !closed;
        s.set_switch(n - 1, closed);
        s.solve();
        benchmark::DoNotOptimize(s.module_current_a(0));
    }
}

// Bookkeeping and cable/contact thermal step after a solve.
void loop_advance(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    stack_network s = make(wiring_topology::loop, n, port_mode::current);
    s.set_port_current_a(-100.0);
    s.solve();
    for (auto _ : state) {
        s.advance(1.0, 298.15);
        benchmark::DoNotOptimize(s.cable_temp_k(0));
    }
}

} // namespace

BENCHMARK(loop_current)->Name("solve/loop/current")->Arg(1)->Arg(5)->Arg(16)->Arg(32)->Unit(benchmark::kMicrosecond);
BENCHMARK(loop_power)->Name("solve/loop/power")->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK(same_side_current)->Name("solve/same_side/current")->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK(busbar_current)->Name("solve/busbar/current")->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK(loop_topology_change)->Name("solve/loop/switch_toggle")->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK(loop_advance)->Name("advance/loop")->Arg(16)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
