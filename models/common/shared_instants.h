// One kernel notification per distinct future instant, shared by the processes that wake then.
//
// Processes that run on their own clocks often wake at the same absolute instants: the BMS
// measurement cycles of a stack's modules all start at t = 0 with the same period, so five
// modules make five timed notifications of the same instant, each a heap insertion and
// extraction in the kernel's timed queue. A process that asks at(t) instead gets an event
// notified at t; the first process to ask for an instant makes the notification, later ones
// wait on the same event. Each process still computes its own instants, so a module whose
// period or phase differs simply gets an event of its own.
//
// Waking on the event is the same as waking on a timeout at t: timed notifications fire in the
// first delta cycle of their instant, together. An instant's event is reused once its instant
// has come (the kernel has fired it; entries are few: one per distinct pending instant).
#pragma once

#include <memory>
#include <vector>

#include <systemc>

namespace stacksim::models {

class shared_instants {
public:
    // The event notified at absolute time t (t > now). Call only while the simulation runs.
    const sc_core::sc_event& at(const sc_core::sc_time& t);

    std::size_t entries() const { return m_entries.size(); }

private:
    struct entry {
        sc_core::sc_time t;
        std::unique_ptr<sc_core::sc_event> event;
    };
    std::vector<entry> m_entries;
};

} // namespace stacksim::models
