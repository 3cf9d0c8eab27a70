// A timeout restarted by every kick, waited for with one timed wake-up per expiry, not per kick.
//
// The rule is that of a process waiting `wait(timeout, kicked)` in a loop, each kick notifying
// `kicked` for the next delta cycle: the timer runs from the last kick and expires `timeout`
// after it. A kick at the very instant the timer expires comes too late for that expiry: the
// expiry fires in the instant's first delta cycle, the restart one delta cycle after the kick.
// After an expiry the timer restarts from the expiry instant.
//
// Restarting a kernel timeout per kick cancels the pending one, and a cancelled timed
// notification stays in the kernel's queue until its own instant: a link supervised for 60 s
// and kicked every second keeps 60 dead entries there, and every timed notification of the
// run pays for the deeper queue. Here a kick only records its instant; the waiting process
// wakes at deadline(), asks expired(), and if a kick moved the deadline on, sleeps until the
// new one.
#pragma once

#include <cstdint>

#include <systemc>

namespace stacksim::models {

class watchdog {
public:
    explicit watchdog(const sc_core::sc_time& timeout) : m_timeout(timeout) {}

    // Starts the timer at the current instant (no kick yet).
    void start();
    // A kick at the current instant.
    void kick();
    // Where the waiting process wakes next.
    const sc_core::sc_time& deadline() const { return m_deadline; }
    // Asked at deadline(): true if the timer expires now (it restarts from now); false if a kick
    // has moved the deadline on (deadline() is the new one).
    bool expired();

private:
    sc_core::sc_time m_timeout;
    sc_core::sc_time m_deadline;
    sc_core::sc_time m_last_kick, m_kick_before_last; // the instants of the last two kicks
    std::uint64_t m_kicks = 0;                       // instants with a kick (two at one count once)
};

} // namespace stacksim::models
