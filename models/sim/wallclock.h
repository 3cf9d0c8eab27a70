// Wall-clock pacing of the SystemC kernel (`stacksim run --realtime[=FACTOR]`, `run.realtime`).
//
// Simulated time t and the wall clock w are tied by   w(t) = w0 + (t - t0) / factor,
// anchored by start(). The pacer runs the kernel on the simulation thread, one kernel time point
// at a time: it asks the kernel for its next activity (sc_time_to_pending_activity), sleeps on a
// condition variable until that instant's wall time (no busy-waiting; the sleep is cut into
// pieces of at most 50 ms so a stop request from a signal handler, which can only set a flag, is
// seen), then runs the kernel to it and lets everything due there run.
//
// Host input (host::host_input: the CAN and RS485 bridges, the control port, Python calls)
// arrives on other threads, which only queue it and call wake(). The pacer stamps each input with
// the simulated time of its wall arrival a,   t(a) = t0 + (a - w0) * factor,   runs the kernel to
// that stamp and delivers the input there, on this thread, between sc_start() calls: SystemC is
// touched by one thread only (SystemC 2.3.4 is not thread-safe). An input that arrives while the
// kernel is late is stamped "now" (time never goes back); its delay is in the input latency.
//
// Lateness of a kernel time point = the wall time at which the pacer starts it minus w(t). Every
// time point is one sample (summary: p50, p99, max). When lateness exceeds behind_warn_s the
// pacer logs `realtime_behind` once, and `realtime_caught_up` (with the episode's worst lateness)
// once lateness is back under half of it. The simulation does not skip time to catch up: it runs
// as fast as it can until it is on time again, so simulated time stays tied to the wall clock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event_sink.h"
#include "host/host_io.h"
#include "sim/lateness_histogram.h"

namespace stacksim::sim {

struct wallclock_config {
    double factor = 1.0;        // simulated seconds per wall second
    double behind_warn_s = 0.1; // lateness that logs realtime_behind (wall s)
};

class wallclock {
public:
    wallclock(const wallclock_config& cfg, models::event_sink& events);
    ~wallclock();
    wallclock(const wallclock&) = delete;
    wallclock& operator=(const wallclock&) = delete;

    // Before start(): an input the pacer serves (not owned; must outlive the pacer or be detached by stop()).
    void attach(host::host_input& input);
    // Anchor w0 = now, t0 = the kernel's time, and start every input's I/O.
    void start();
    // Stop every input's I/O (idempotent).
    void stop();
    // Any thread: cut the current sleep short (input arrived, stop requested).
    void wake();

    // Run the kernel, paced, to simulated time t_s; false when `stop` became true first (the kernel
    // then stands at a consistent instant, everything due there run).
    bool advance_to(double t_s, const std::atomic<bool>& stop);

    double factor() const { return m_cfg.factor; }
    double wall_of(double t_s) const; // seconds on the steady clock since w0
    // For summary.json: the factor, lateness and input latency (ms), behind episodes, each input's stats.
    nlohmann::ordered_json summary() const;

private:
    void settle();
    void run_kernel_to(double t_s);
    void take_notices();
    host::host_input* earliest_input(host::wall_clock::time_point& arrival);
    void note_lateness(double late_s);

    wallclock_config m_cfg;
    models::event_sink& m_events;
    std::vector<host::host_input*> m_inputs;
    host::wall_clock::time_point m_w0{};
    double m_t0_s = 0.0;
    bool m_started = false;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::uint64_t m_wakes = 0; // guarded by m_mutex
    lateness_histogram m_lateness;
    lateness_histogram m_input_latency;
    std::uint64_t m_inputs_delivered = 0;
    bool m_behind = false;
    double m_episode_max_s = 0.0;
    std::uint64_t m_behind_episodes = 0;
    std::vector<host::notice> m_notices;
};

} // namespace stacksim::sim
