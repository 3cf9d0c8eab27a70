// A bounded-memory histogram of durations (lateness of the paced kernel, host-input latency):
// log-linear buckets, 32 per power of two from 1 us (relative resolution 1/32 ~ 3 %), exact count,
// mean and max. Quantiles answer the upper edge of the bucket that holds them, so a reported
// p99 is never below the true one by more than the bucket's width.
#pragma once

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace stacksim::sim {

class lateness_histogram {
public:
    void add(double seconds); // negative values count as 0
    std::uint64_t count() const { return m_count; }
    double max_s() const { return m_max_s; }
    double mean_s() const { return m_count ? m_sum_s / static_cast<double>(m_count) : 0.0; }
    // The q-quantile (0 < q <= 1), s; 0 when empty.
    double quantile_s(double q) const;
    // {"samples", "p50_ms", "p99_ms", "max_ms", "mean_ms"}
    nlohmann::ordered_json summary_ms() const;

private:
    static constexpr int sub_buckets = 32;
    static constexpr int octaves = 40; // 1 us .. 2^40 us (12 days)
    static constexpr double floor_s = 1e-6;
    static std::size_t bucket_of(double seconds);
    static double upper_edge_s(std::size_t bucket);
    std::array<std::uint64_t, 1 + sub_buckets * octaves> m_buckets{};
    std::uint64_t m_count = 0;
    double m_sum_s = 0.0;
    double m_max_s = 0.0;
};

} // namespace stacksim::sim
