#include "sim/wallclock.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <systemc>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace stacksim::sim {

namespace {
constexpr double max_sleep_s = 0.05;  // longest uninterrupted sleep (stop flags are polled)
constexpr double max_slice_wall_s = 0.25; // longest kernel advance without a pacing decision, wall s

double now_s() { return sc_core::sc_time_stamp().to_seconds(); }
} // namespace

wallclock::wallclock(const wallclock_config& cfg, models::event_sink& events) : m_cfg(cfg), m_events(events) {}

wallclock::~wallclock() { stop(); }

void wallclock::attach(host::host_input& input) { m_inputs.push_back(&input); }

void wallclock::start() {
#ifdef __linux__
    // Timed sleeps of this thread end within 1 us of their deadline instead of the default 50 us
    // timer slack (prctl(2), PR_SET_TIMERSLACK): the pacer's wake-ups are its lateness floor.
    ::prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
#endif
    m_w0 = host::wall_clock::now();
    m_t0_s = now_s();
    m_started = true;
    for (auto* in : m_inputs)
        in->start([this] { wake(); });
    take_notices();
}

void wallclock::stop() {
    for (auto* in : m_inputs)
        in->stop();
}

void wallclock::wake() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_wakes;
    }
    m_cv.notify_one();
}

double wallclock::wall_of(double t_s) const { return (t_s - m_t0_s) / m_cfg.factor; }

// A model that stops the kernel (sc_stop: a firmware crashed) ends the pacing; the runner then
// reports why.
void wallclock::settle() {
    while (sc_core::sc_get_status() != sc_core::SC_STOPPED && sc_core::sc_pending_activity_at_current_time())
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

void wallclock::run_kernel_to(double t_s) {
    const double dt = t_s - now_s();
    if (dt > 0 && sc_core::sc_get_status() != sc_core::SC_STOPPED)
        sc_core::sc_start(sc_core::sc_time(dt, sc_core::SC_SEC));
    settle();
}

void wallclock::take_notices() {
    for (auto* in : m_inputs) {
        m_notices.clear();
        in->take_notices(m_notices);
        for (const auto& n : m_notices)
            m_events.event(in->describe(), "host_" + n.kind, {{"detail", n.detail}});
    }
}

host::host_input* wallclock::earliest_input(host::wall_clock::time_point& arrival) {
    host::host_input* best = nullptr;
    for (auto* in : m_inputs) {
        if (auto a = in->next_arrival(); a && (!best || *a < arrival)) {
            best = in;
            arrival = *a;
        }
    }
    return best;
}

void wallclock::note_lateness(double late_s) {
    m_lateness.add(late_s);
    if (!m_behind && late_s > m_cfg.behind_warn_s) {
        m_behind = true;
        m_episode_max_s = late_s;
        ++m_behind_episodes;
        m_events.event("realtime", "realtime_behind", {{"lateness_s", late_s}, {"bound_s", m_cfg.behind_warn_s}});
    } else if (m_behind) {
        m_episode_max_s = std::max(m_episode_max_s, late_s);
        if (late_s < 0.5 * m_cfg.behind_warn_s) {
            m_behind = false;
            m_events.event("realtime", "realtime_caught_up", {{"max_lateness_s", m_episode_max_s}});
        }
    }
}

bool wallclock::advance_to(double t_end_s, const std::atomic<bool>& stop) {
    if (!m_started)
        start();
    using dsec = std::chrono::duration<double>;
    const double resolution_s = sc_core::sc_get_time_resolution().to_seconds();
    for (;;) {
        const double now = now_s();
        if (now >= t_end_s - 0.5 * resolution_s)
            return true;
        if (stop.load() || sc_core::sc_get_status() == sc_core::SC_STOPPED)
            return false;
        std::uint64_t seen;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            seen = m_wakes;
        }
        take_notices();
        const double wall = dsec(host::wall_clock::now() - m_w0).count();

        // The next thing due: a host input (at its arrival's stamp), the kernel's next activity,
        // the end of this advance, or the end of a slice.
        host::wall_clock::time_point arrival{};
        host::host_input* input = earliest_input(arrival);
        const double t_input = input ? std::max(now, m_t0_s + dsec(arrival - m_w0).count() * m_cfg.factor)
                                     : std::numeric_limits<double>::infinity();
        const double t_activity = now + sc_core::sc_time_to_pending_activity().to_seconds();
        const double t_next = std::min({t_activity, t_end_s, now + max_slice_wall_s * m_cfg.factor});

        if (input && t_input <= t_next) {
            run_kernel_to(t_input);
            input->deliver_next();
            settle();
            ++m_inputs_delivered;
            m_input_latency.add(dsec(host::wall_clock::now() - arrival).count());
            continue;
        }
        const double target_wall = wall_of(t_next);
        if (wall < target_wall) {
            // Sleep until the target, an input (wake), or the end of a piece.
            std::unique_lock<std::mutex> lock(m_mutex);
            const auto until = m_w0 + std::chrono::duration_cast<host::wall_clock::duration>(
                                          dsec(std::min(target_wall, wall + max_sleep_s)));
            m_cv.wait_until(lock, until, [&] { return m_wakes != seen; });
            continue; // re-evaluate: an input may have come, or a stop
        }
        if (t_next == t_activity)
            note_lateness(wall - target_wall);
        run_kernel_to(t_next);
    }
}

nlohmann::ordered_json wallclock::summary() const {
    nlohmann::ordered_json j;
    j["factor"] = m_cfg.factor;
    j["behind_warn_s"] = m_cfg.behind_warn_s;
    j["lateness"] = m_lateness.summary_ms();
    j["behind_episodes"] = m_behind_episodes;
    j["host_inputs"] = m_inputs_delivered;
    j["input_latency"] = m_input_latency.summary_ms();
    nlohmann::ordered_json ins = nlohmann::ordered_json::array();
    for (const auto* in : m_inputs) {
        const auto s = in->stats();
        ins.push_back({{"endpoint", in->describe()},
                       {"rx", s.rx},
                       {"tx", s.tx},
                       {"malformed", s.malformed},
                       {"dropped", s.dropped},
                       {"connects", s.connects},
                       {"rx_dropped", s.rx_dropped},
                       {"notices_dropped", s.notices_dropped}});
    }
    j["endpoints"] = ins;
    return j;
}

} // namespace stacksim::sim
