// Numbers as text, as timeseries.csv writes them (num::write_shortest_text at %.9g's notation),
// as waveforms.vcd writes them (num::write_general_text, %.16g) and as rs485.log writes its times
// (num::write_fixed9_text, %.9f): time per number, on a mix shaped like a W1 row (about four in
// five full-precision doubles near cell voltages, SoCs, temperatures and currents, the rest
// small whole numbers and flags), and on full-precision doubles only.
//   bench_number_text [--benchmark_repetitions=N ...]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "numeric/number_text.h"

namespace {

std::vector<double> row_like_values(bool whole_numbers) {
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> spread(-1.0, 1.0);
    std::uniform_int_distribution<int> pick(0, 9);
    const double centres[] = {3.2948, 49.47, 24.757, -1.93, 52.715, -499.99, 56.8};
    std::vector<double> v;
    for (int k = 0; k < 4096; ++k) {
        const int p = pick(rng);
        if (whole_numbers && p >= 8)
            v.push_back(p == 8 ? 0.0 : 100.0);
        else
            v.push_back(centres[p % 7] * (1.0 + 1e-3 * spread(rng)));
    }
    return v;
}

template <class Write>
void format_all(benchmark::State& state, const std::vector<double>& values, Write write) {
    char buf[stacksim::num::fixed9_text_max];
    for (auto _ : state) {
        std::size_t n = 0;
        for (double x : values)
            n += static_cast<std::size_t>(write(buf, x) - buf);
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(values.size()));
}

void BM_shortest_row_mix(benchmark::State& state) {
    format_all(state, row_like_values(true), [](char* b, double x) { return stacksim::num::write_shortest_text(b, x, 9); });
}
void BM_shortest_full_precision(benchmark::State& state) {
    format_all(state, row_like_values(false), [](char* b, double x) { return stacksim::num::write_shortest_text(b, x, 9); });
}
void BM_general16_full_precision(benchmark::State& state) {
    format_all(state, row_like_values(false), [](char* b, double x) { return stacksim::num::write_general_text(b, x, 16); });
}
void BM_fixed9_times(benchmark::State& state) {
    std::vector<double> t;
    for (int k = 0; k < 4096; ++k)
        t.push_back(3600.0 + 0.0173 * k + 1.04e-3);
    format_all(state, t, [](char* b, double x) { return stacksim::num::write_fixed9_text(b, x); });
}

BENCHMARK(BM_shortest_row_mix);
BENCHMARK(BM_shortest_full_precision);
BENCHMARK(BM_general16_full_precision);
BENCHMARK(BM_fixed9_times);

} // namespace

BENCHMARK_MAIN();
