#include "sim/event_dispatch.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "sim/system.h"

namespace stacksim::sim {

namespace {

// A cable_change event against the built wiring: the cable exists, and the new geometry is one
// its conductor class has (IEC table sizes), so the change cannot fail during the run.
void check_cable_change(const timed_event& e, const num::stack_network& pn) {
    std::size_t k = 0;
    try {
        k = pn.find_cable(e.name);
    } catch (const std::exception&) {
        std::string names;
        for (const num::cable& c : pn.cables())
            names += (names.empty() ? "" : ", ") + c.name();
        throw num::input_error(e.file, e.line, e.path + ".cable",
                               "a cable of the stack's wiring (docs/models/network.md), one of: " + names + "; got '" +
                                   e.name + "'");
    }
    num::cable_spec spec = pn.cables()[k].spec();
    spec.length_m = e.length_m.value_or(spec.length_m);
    spec.cross_section_mm2 = e.cross_section_mm2.value_or(spec.cross_section_mm2);
    try {
        (void)num::cable(e.name, spec, pn.params().cables);
    } catch (const std::invalid_argument& ex) {
        throw num::input_error(e.file, e.line, e.path + (e.cross_section_mm2 ? ".cross_section_mm2" : ".length_m"),
                               "a size of the cable's conductor class: " + std::string(ex.what()));
    }
}

bool afe_fault(event_action a) {
    return a == event_action::open_wire || a == event_action::ntc_stuck || a == event_action::ntc_drift;
}

// The AFE fault setters are the builtin AFE's (check() refuses them for a firmware module).
models::afe& builtin_afe(models::stack& st, const timed_event& e) {
    models::afe* a = st.module(e.module).bms_view().builtin_afe();
    if (!a)
        throw std::logic_error("event " + e.action_name + ": module m" + std::to_string(e.module) +
                               " has no builtin AFE");
    return *a;
}

} // namespace

event_dispatch::event_dispatch(system& top, models::event_sink& log) : m_top(top), m_log(log) {}

void event_dispatch::check(const timed_event& e) const {
    const num::stack_network& pn = m_top.battery().plant().power_network();
    if (e.action == event_action::cable_change)
        check_cable_change(e, pn);
    if (afe_fault(e.action) && e.module < m_top.battery().n_modules() &&
        !m_top.battery().module(e.module).bms_view().builtin_afe())
        throw num::input_error(e.file, e.line, e.path + ".module",
                               "a module with the builtin BMS (" + e.action_name +
                                   " is a fault of the builtin AFE; m" + std::to_string(e.module) +
                                   " runs a firmware with its BQ76952), got " + std::to_string(e.module));
    if (e.action != event_action::contact_torque && e.action != event_action::contact_loosening)
        return;
    try {
        (void)pn.find_contact(e.name);
    } catch (const std::exception& ex) {
        throw num::input_error(e.file, e.line, e.path + ".contact",
                               "a contact of the stack's wiring (docs/models/network.md): " + std::string(ex.what()));
    }
}

void event_dispatch::apply(const timed_event& e) {
    models::stack& st = m_top.battery();
    // Every event is an instant the plant is brought to, whichever model it touches: what the
    // plant reports up to it (ratings, fuses) comes before it in the log, and the plant's steps
    // do not depend on which models the events address.
    st.sync();
    nlohmann::json d{{"action", e.action_name}, {"scheduled_s", e.t_s}};
    switch (e.action) {
    case event_action::contact_torque:
        d.update(st.set_contact_torque(e.name, e.value));
        break;
    case event_action::contact_loosening:
        d.update(st.set_contact_loosening(e.name, e.value));
        break;
    case event_action::cable_change:
        d.update(st.change_cable(e.name, e.length_m, e.cross_section_mm2));
        break;
    case event_action::cell_short:
        d.update(st.set_cell_short(e.module, e.index, e.value));
        break;
    case event_action::switch_welded:
        d.update(st.set_switch_welded(e.module, e.on));
        break;
    case event_action::bus_short:
        d.update(st.set_bus_short(e.value));
        d["on"] = e.on;
        break;
    // The details of the simpler commands are the event's own values.
    case event_action::rs485_hop_cut:
        st.rs485().set_hop_cut(e.index, e.on);
        d.update({{"hop", e.index}, {"cut", e.on}});
        break;
    case event_action::rs485_noise:
        st.rs485().corrupt_next(e.frames);
        d["frames"] = e.frames;
        break;
    case event_action::can_errors:
        m_top.can().corrupt_next(e.frames);
        d["frames"] = e.frames;
        break;
    case event_action::can_drop:
        m_top.can().drop_next(e.frames);
        d["frames"] = e.frames;
        break;
    case event_action::can_node: {
        const std::string node = e.name == "inverter" ? m_top.inverter().can_node_name()
                                                      : st.module(0).bms_view().can_node_name();
        m_top.can().set_online(node, e.on);
        d.update({{"node", node}, {"online", e.on}});
        break;
    }
    case event_action::open_wire:
        builtin_afe(st, e).set_open_wire(e.index, e.on);
        d.update({{"module", e.module}, {"cell", e.index}, {"open", e.on}});
        break;
    case event_action::ntc_stuck:
        builtin_afe(st, e).set_ntc_stuck(e.index, e.on);
        d.update({{"module", e.module}, {"sensor", e.index}, {"stuck", e.on}});
        break;
    case event_action::ntc_drift:
        builtin_afe(st, e).set_ntc_drift(e.index, e.value);
        d.update({{"module", e.module}, {"sensor", e.index}, {"k_per_s", e.value}});
        break;
    case event_action::module_power:
        st.module(e.module).bms_view().set_powered(e.on);
        d.update({{"module", e.module}, {"on", e.on}});
        break;
    case event_action::run_button:
        d.update({{"module", e.module}, {"press_s", e.value}});
        d["effect"] = st.module(e.module).bms_view().run_button(e.value);
        break;
    case event_action::inverter_power_w:
        m_top.inverter().set_power_override_w(e.value);
        if (std::isnan(e.value))
            d["power_w"] = "profile";
        else
            d["power_w"] = e.value;
        break;
    }
    m_log.event("scenario", "scenario_event", d);
}

} // namespace stacksim::sim
