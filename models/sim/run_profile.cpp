#include "sim/run_profile.h"

#include <sys/resource.h>

#include <chrono>

#include <fmt/format.h>

#include "perf/perf_registry.h"

namespace stacksim::sim {

namespace {

double wall_now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double tv_s(const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); }

double cpu_now_s() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return tv_s(u.ru_utime) + tv_s(u.ru_stime);
}

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0; // Linux: KiB
}

} // namespace

void run_profile::start() {
    if (!m_probe)
        m_probe = trace_cycle_probe::install();
    else
        m_probe->set_active(true);
    m_delta0 = sc_core::sc_delta_count();
    m_cpu0_s = cpu_now_s();
    m_wall0_s = wall_now_s();
    perf::the_registry().start();
    m_running = true;
}

nlohmann::ordered_json run_profile::stop(double simulated_s) {
    perf::registry& r = perf::the_registry();
    r.stop();
    const double wall_s = wall_now_s() - m_wall0_s;
    const double cpu_s = cpu_now_s() - m_cpu0_s;
    const unsigned long long deltas = sc_core::sc_delta_count() - m_delta0;
    m_probe->set_active(false);
    m_running = false;

    const double total_s = 1e-9 * static_cast<double>(r.total_ns());
    nlohmann::ordered_json layers;
    for (std::size_t i = 0; i < perf::n_layers; ++i) {
        const auto l = static_cast<perf::layer>(i);
        const double self_s = 1e-9 * static_cast<double>(r.self_ns[i]);
        const double share = total_s > 0 ? self_s / total_s : 0.0;
        layers[l == perf::layer::outside ? "systemc_kernel" : perf::name(l)] = {
            {"self_s", self_s}, {"share_pct", 100.0 * share}, {"cpu_s", share * cpu_s}, {"calls", r.calls[i]}};
    }
    nlohmann::ordered_json counters;
    for (std::size_t i = 0; i < perf::n_counters; ++i) {
        counters[perf::name(static_cast<perf::counter>(i))] = r.counters[i];
        if (static_cast<perf::counter>(i) == perf::counter::time_points)
            counters["delta_cycles"] = deltas;
    }
    counters["thread_switches"] = nullptr;
    return {{"simulated_s", simulated_s},
            {"wall_s", wall_s},
            {"cpu_s", cpu_s},
            {"sim_per_wall", wall_s > 0 ? simulated_s / wall_s : 0.0},
            {"sim_per_cpu", cpu_s > 0 ? simulated_s / cpu_s : 0.0},
            {"peak_rss_mib", peak_rss_mib()},
            {"accounted_s", total_s},
            {"layers", layers},
            {"counters", counters},
            {"unbalanced_scopes", r.unbalanced}};
}

std::string run_profile::text(const nlohmann::ordered_json& p) {
    std::string out;
    const double sim_s = p["simulated_s"].get<double>();
    out += fmt::format("profile    {:.1f} s simulated in {:.2f} s wall, {:.2f} s CPU: {:.0f}x wall, {:.0f}x CPU; "
                       "peak RSS {:.1f} MiB\n",
                       sim_s, p["wall_s"].get<double>(), p["cpu_s"].get<double>(), p["sim_per_wall"].get<double>(),
                       p["sim_per_cpu"].get<double>(), p["peak_rss_mib"].get<double>());
    out += fmt::format("           {:<16} {:>7} {:>9} {:>12} {:>10}\n", "layer", "share", "CPU s", "calls", "ns/call");
    for (const auto& [name, l] : p["layers"].items()) {
        const auto calls = l["calls"].get<std::uint64_t>();
        const double self_s = l["self_s"].get<double>();
        out += fmt::format("           {:<16} {:>6.1f}% {:>9.3f} {:>12} {:>10}\n", name, l["share_pct"].get<double>(),
                           l["cpu_s"].get<double>(), calls,
                           calls > 0 ? fmt::format("{:.0f}", 1e9 * self_s / static_cast<double>(calls)) : "-");
    }
    out += "           counters:";
    for (const auto& [name, c] : p["counters"].items()) {
        if (c.is_null())
            out += fmt::format(" {} n/a", name);
        else if (sim_s > 0)
            out += fmt::format(" {} {} ({:.1f}/s)", name, c.get<std::uint64_t>(),
                               static_cast<double>(c.get<std::uint64_t>()) / sim_s);
        else
            out += fmt::format(" {} {}", name, c.get<std::uint64_t>());
        out += ";";
    }
    out.back() = '\n';
    if (p["unbalanced_scopes"].get<std::uint64_t>() > 0)
        out += fmt::format("           warning: {} timed scopes closed out of order\n",
                           p["unbalanced_scopes"].get<std::uint64_t>());
    return out;
}

} // namespace stacksim::sim
