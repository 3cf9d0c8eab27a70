// `stacksim run --profile` (docs/performance.md): the figures of one run that explain its speed.
//
// start() zeroes and enables this thread's perf registry (base/perf/perf_registry.h), notes the
// wall clock, the process's CPU time (getrusage) and the kernel's delta count, and installs the
// time-point counter (trace_cycle_probe.h); stop() ends the accounting and returns the profile:
//
//   simulated_s, wall_s, cpu_s (user + system), sim_per_wall, sim_per_cpu, peak_rss_mib,
//   layers: {name: {self_s, share_pct, cpu_s, calls}} -- exclusive time per layer; "systemc_kernel"
//     is the time in no timed scope (the kernel and untimed glue), so the shares add up to 100 %;
//     cpu_s apportions the span's CPU time by share (the clock is the steady clock: on a busy
//     machine preemption falls on every layer in proportion to its time),
//   counters: {plant_steps, time_points, delta_cycles, can_frames, rs485_frames, rs485_hops,
//     afe_transactions, timeseries_rows, events, thread_switches: null (SystemC 2.3 does not
//     expose it)}, unbalanced_scopes.
//
// Only the thread that called start() is accounted (the simulation thread).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/trace_cycle_probe.h"

namespace stacksim::sim {

class run_profile {
public:
    void start();
    bool running() const { return m_running; }
    // Ends the accounting; simulated_s is the run's simulated time.
    nlohmann::ordered_json stop(double simulated_s);

    // The report printed after the run, from stop()'s result.
    static std::string text(const nlohmann::ordered_json& profile);

private:
    bool m_running = false;
    double m_wall0_s = 0.0;
    double m_cpu0_s = 0.0;
    unsigned long long m_delta0 = 0;
    std::unique_ptr<trace_cycle_probe> m_probe;
};

} // namespace stacksim::sim
