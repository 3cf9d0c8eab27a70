// Cost of the built-in profile timers (base/perf/perf_registry.h): one scoped timer and one
// counter, with the registry disabled (what every normal run pays at each instrumented entry
// point) and enabled (`run --profile`). Prints ns per scope (enter + exit) and per count.
#include <benchmark/benchmark.h>

#include "perf/perf_registry.h"

namespace {

using namespace stacksim;

void scope_cost(benchmark::State& state, bool enabled) {
    if (enabled)
        perf::the_registry().start();
    for (auto _ : state) {
        const perf::scope timed(perf::layer::cells);
        benchmark::ClobberMemory();
    }
    perf::the_registry().stop();
}

void count_cost(benchmark::State& state, bool enabled) {
    if (enabled)
        perf::the_registry().start();
    for (auto _ : state) {
        perf::count(perf::counter::plant_steps);
        benchmark::ClobberMemory();
    }
    perf::the_registry().stop();
}

void nested_cost(benchmark::State& state) {
    perf::the_registry().start();
    for (auto _ : state) {
        const perf::scope outer(perf::layer::plant);
        const perf::scope inner(perf::layer::network);
        benchmark::ClobberMemory();
    }
    perf::the_registry().stop();
}

} // namespace

BENCHMARK_CAPTURE(scope_cost, disabled, false);
BENCHMARK_CAPTURE(scope_cost, enabled, true);
BENCHMARK_CAPTURE(count_cost, disabled, false);
BENCHMARK_CAPTURE(count_cost, enabled, true);
BENCHMARK(nested_cost);
BENCHMARK_MAIN();
