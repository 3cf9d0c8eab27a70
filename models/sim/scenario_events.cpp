#include "sim/scenario_events.h"

#include <algorithm>
#include <limits>

namespace stacksim::sim {

namespace {

struct action_spec {
    const char* name;
    event_action action;
    std::vector<std::string> keys; // besides t_s and action
};

const std::vector<action_spec>& specs() {
    static const std::vector<action_spec> s{
        {"contact_torque", event_action::contact_torque, {"contact", "torque_nm"}},
        {"contact_loosening", event_action::contact_loosening, {"contact", "loosening_time_s"}},
        {"rs485_hop_cut", event_action::rs485_hop_cut, {"hop", "cut"}},
        {"rs485_noise", event_action::rs485_noise, {"frames"}},
        {"can_errors", event_action::can_errors, {"frames"}},
        {"can_drop", event_action::can_drop, {"frames"}},
        {"can_node", event_action::can_node, {"node", "online"}},
        {"open_wire", event_action::open_wire, {"module", "cell", "open"}},
        {"ntc_stuck", event_action::ntc_stuck, {"module", "sensor", "stuck"}},
        {"ntc_drift", event_action::ntc_drift, {"module", "sensor", "k_per_s"}},
        {"module_power", event_action::module_power, {"module", "on"}},
        {"inverter_power_w", event_action::inverter_power_w, {"value"}},
        {"cell_short", event_action::cell_short, {"module", "cell", "r_ohm", "on"}},
        {"run_button", event_action::run_button, {"module", "press_s"}},
        {"cable_change", event_action::cable_change, {"cable", "length_m", "cross_section_mm2"}},
        {"switch_welded", event_action::switch_welded, {"module", "on"}},
        {"bus_short", event_action::bus_short, {"r_ohm", "on"}},
    };
    return s;
}

std::size_t index_in(const num::param_node& n, std::size_t count, const std::string& what) {
    if (count == 0)
        n.fail("a " + what + ", but there is none");
    return static_cast<std::size_t>(n.as_integer(0, static_cast<long long>(count) - 1));
}

} // namespace

std::vector<timed_event> read_events(const num::param_node& seq, std::size_t n_modules, std::size_t cells_per_module,
                                     std::size_t ntc_sensors, double duration_s) {
    if (!seq.is_sequence())
        seq.fail("a list of events, each {t_s: ..., action: ..., ...}");
    std::vector<std::string> names;
    for (const auto& s : specs())
        names.emplace_back(s.name);
    std::vector<timed_event> out;
    for (std::size_t i = 0; i < seq.size(); ++i) {
        const num::param_node e = seq[i];
        if (!e.is_map())
            e.fail("an event {t_s: ..., action: ..., ...}");
        timed_event ev;
        ev.file = e.file();
        ev.line = e.line();
        ev.path = e.path();
        ev.action_name = e.at("action").as_choice(names);
        const auto& spec = *std::find_if(specs().begin(), specs().end(),
                                         [&](const action_spec& s) { return ev.action_name == s.name; });
        ev.action = spec.action;
        std::vector<std::string> allowed{"t_s", "action"};
        allowed.insert(allowed.end(), spec.keys.begin(), spec.keys.end());
        e.allow_only(allowed);
        // t = 0 is the scenario's initial state; events start after the first instant.
        ev.t_s = e.at("t_s").as_number(1e-9, duration_s);
        switch (ev.action) {
        case event_action::contact_torque:
            ev.name = e.at("contact").as_string();
            ev.value = e.number("torque_nm", 0.0, 100.0);
            break;
        case event_action::contact_loosening:
            ev.name = e.at("contact").as_string();
            ev.value = e.number("loosening_time_s", 0.0, 1e9);
            break;
        case event_action::rs485_hop_cut:
            ev.index = index_in(e.at("hop"), n_modules > 0 ? n_modules - 1 : 0, "RS485 hop index (0 = m0-m1)");
            ev.on = e.has("cut") ? e.at("cut").as_bool() : true;
            break;
        case event_action::rs485_noise:
        case event_action::can_errors:
        case event_action::can_drop:
            ev.frames = static_cast<unsigned>(e.at("frames").as_integer(1, 1000000));
            break;
        case event_action::can_node:
            ev.name = e.at("node").as_choice({"battery", "inverter"});
            ev.on = e.at("online").as_bool();
            break;
        case event_action::open_wire:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.index = index_in(e.at("cell"), cells_per_module, "cell index");
            ev.on = e.has("open") ? e.at("open").as_bool() : true;
            break;
        case event_action::ntc_stuck:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.index = index_in(e.at("sensor"), ntc_sensors, "NTC sensor index");
            ev.on = e.has("stuck") ? e.at("stuck").as_bool() : true;
            break;
        case event_action::ntc_drift:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.index = index_in(e.at("sensor"), ntc_sensors, "NTC sensor index");
            ev.value = e.number("k_per_s", -10.0, 10.0);
            break;
        case event_action::module_power:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.on = e.at("on").as_bool();
            break;
        case event_action::cell_short:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.index = index_in(e.at("cell"), cells_per_module, "cell index");
            ev.on = e.has("on") ? e.at("on").as_bool() : true;
            ev.value = ev.on ? e.number("r_ohm", 1e-4, 1e6) : 0.0;
            break;
        case event_action::switch_welded:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.on = e.has("on") ? e.at("on").as_bool() : true;
            break;
        case event_action::bus_short:
            ev.on = e.has("on") ? e.at("on").as_bool() : true;
            ev.value = ev.on ? e.number("r_ohm", 1e-5, 1e6) : 0.0;
            break;
        case event_action::run_button:
            ev.module = index_in(e.at("module"), n_modules, "module index");
            ev.value = e.number("press_s", 0.01, 60.0);
            break;
        case event_action::cable_change:
            // Ranges as in the scenario's wiring section (wiring_spec::from); the name and the
            // size against the cable's IEC table are checked with the built network
            // (simulation's constructor).
            ev.name = e.at("cable").as_string();
            if (e.has("length_m"))
                ev.length_m = e.number("length_m", 1e-3, 1e3);
            if (e.has("cross_section_mm2"))
                ev.cross_section_mm2 = e.number("cross_section_mm2", 0.1, 1e3);
            if (!ev.length_m && !ev.cross_section_mm2)
                e.fail("at least one of length_m, cross_section_mm2 for action cable_change");
            break;
        case event_action::inverter_power_w: {
            const num::param_node v = e.at("value");
            if (v.is_scalar() && v.yaml().as<std::string>() == "profile")
                ev.value = std::numeric_limits<double>::quiet_NaN();
            else
                ev.value = v.as_number(-1e6, 1e6);
            break;
        }
        }
        out.push_back(ev);
    }
    std::stable_sort(out.begin(), out.end(), [](const timed_event& a, const timed_event& b) { return a.t_s < b.t_s; });
    return out;
}

} // namespace stacksim::sim
