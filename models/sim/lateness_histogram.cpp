#include "sim/lateness_histogram.h"

#include <algorithm>
#include <cmath>

namespace stacksim::sim {

// Bucket 0 holds [0, 1 us); then octave k (k >= 0) covers [2^k, 2^(k+1)) us in sub_buckets equal parts.
std::size_t lateness_histogram::bucket_of(double seconds) {
    const double us = seconds / floor_s;
    if (!(us >= 1.0))
        return 0;
    int exp = 0;
    const double mant = std::frexp(us, &exp); // us = mant * 2^exp, mant in [0.5, 1)
    const int octave = exp - 1;
    if (octave >= octaves)
        return 1 + static_cast<std::size_t>(sub_buckets * octaves - 1);
    const int sub = std::min(sub_buckets - 1, static_cast<int>((mant * 2.0 - 1.0) * sub_buckets));
    return 1 + static_cast<std::size_t>(octave * sub_buckets + sub);
}

double lateness_histogram::upper_edge_s(std::size_t bucket) {
    if (bucket == 0)
        return floor_s;
    const std::size_t i = bucket - 1;
    const int octave = static_cast<int>(i / sub_buckets);
    const int sub = static_cast<int>(i % sub_buckets);
    return std::ldexp(1.0 + static_cast<double>(sub + 1) / sub_buckets, octave) * floor_s;
}

void lateness_histogram::add(double seconds) {
    if (!(seconds > 0.0))
        seconds = 0.0;
    ++m_buckets[bucket_of(seconds)];
    ++m_count;
    m_sum_s += seconds;
    m_max_s = std::max(m_max_s, seconds);
}

double lateness_histogram::quantile_s(double q) const {
    if (m_count == 0)
        return 0.0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(m_count)));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < m_buckets.size(); ++b) {
        seen += m_buckets[b];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return std::min(upper_edge_s(b), m_max_s);
    }
    return m_max_s;
}

nlohmann::ordered_json lateness_histogram::summary_ms() const {
    nlohmann::ordered_json j;
    j["samples"] = m_count;
    j["p50_ms"] = 1e3 * quantile_s(0.50);
    j["p99_ms"] = 1e3 * quantile_s(0.99);
    j["max_ms"] = 1e3 * m_max_s;
    j["mean_ms"] = 1e3 * mean_s();
    return j;
}

} // namespace stacksim::sim
