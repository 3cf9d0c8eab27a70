// The AFE's measurement noise: time per normal deviate, drawn as the AFE draws them (18 per
// conversion from three distributions sharing one generator), by the standard library
// (std::mt19937_64 + std::normal_distribution), by the standard distribution over the project's
// engine (num::mersenne_twister_64), and by num::normal_source (the same values, in batches).
//   bench_noise [--benchmark_repetitions=N ...]
#include <benchmark/benchmark.h>

#include <random>

#include "numeric/mersenne_twister_64.h"
#include "numeric/normal_source.h"

namespace {

constexpr int draws_per_conversion = 18; // 16 cells, the module, the current

template <class Engine, class Distribution>
void draw_as_the_afe(benchmark::State& state) {
    Engine engine(1);
    Distribution cell(0.0, 0.7e-3), module(0.0, 5e-3), current(0.0, 0.02);
    for (auto _ : state) {
        double sum = 0.0;
        for (int k = 0; k < 16; ++k)
            sum += cell(engine);
        sum += module(engine);
        sum += current(engine);
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * draws_per_conversion);
}

void BM_deviate_std(benchmark::State& state) {
    draw_as_the_afe<std::mt19937_64, std::normal_distribution<double>>(state);
}
void BM_deviate_std_distribution_project_engine(benchmark::State& state) {
    draw_as_the_afe<stacksim::num::mersenne_twister_64, std::normal_distribution<double>>(state);
}
void BM_deviate_normal_source(benchmark::State& state) {
    draw_as_the_afe<stacksim::num::normal_source, stacksim::num::normal_source::distribution>(state);
}

BENCHMARK(BM_deviate_std);
BENCHMARK(BM_deviate_std_distribution_project_engine);
BENCHMARK(BM_deviate_normal_source);

} // namespace

BENCHMARK_MAIN();
