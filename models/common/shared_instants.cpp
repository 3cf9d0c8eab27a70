#include "common/shared_instants.h"

#include <stdexcept>

namespace stacksim::models {

const sc_core::sc_event& shared_instants::at(const sc_core::sc_time& t) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (!(t > now))
        throw std::logic_error("shared_instants::at: the instant must lie in the future");
    entry* free_entry = nullptr;
    for (entry& e : m_entries) {
        if (e.t == t)
            return *e.event;
        // An instant at or before now has fired (timed notifications fire at the start of their
        // instant, before any process runs then): its event may serve a new instant.
        if (!free_entry && e.t <= now)
            free_entry = &e;
    }
    if (!free_entry) {
        m_entries.push_back({t, std::make_unique<sc_core::sc_event>()});
        free_entry = &m_entries.back();
    }
    free_entry->t = t;
    free_entry->event->notify(t - now);
    return *free_entry->event;
}

} // namespace stacksim::models
