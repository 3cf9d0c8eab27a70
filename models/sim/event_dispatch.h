// The one route by which a scenario event (scenario_events.h) reaches the running system: checked
// against the built system, applied at the present instant by the model that owns it, and logged
// (events.jsonl, source "scenario", kind "scenario_event", the action and its effect as details).
// Scenario files, Simulation.inject and the Python fault setters all come through here.
#pragma once

#include "common/event_sink.h"
#include "sim/scenario_events.h"

namespace stacksim::sim {

class system;

class event_dispatch {
public:
    // `log` receives one scenario_event per applied event; top must outlive the dispatch.
    event_dispatch(system& top, models::event_sink& log);

    // What read_events() cannot know: contact and cable names of the built wiring, and a
    // cable_change's new size against its conductor class. num::input_error naming the event.
    void check(const timed_event& e) const;
    // Applies e now (the simulation stands at e's instant) and logs it.
    void apply(const timed_event& e);

private:
    system& m_top;
    models::event_sink& m_log;
};

} // namespace stacksim::sim
