#include "stack/stack.h"

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "numeric/units.h"
#include "perf/perf_registry.h"
#include "stack/rs485_bridge_spec.h"
#include "tlm/rs485_bridge.h"
#include "tlm/rs485_unplugged.h"

namespace stacksim::models {

namespace {

// The bridge's position, if the stack has one.
std::optional<rs485_bridge_spec> bridge_spec(const stack_config& cfg) {
    if (cfg.rs485_bridge.empty())
        return std::nullopt;
    return parse_rs485_bridge_spec(cfg.rs485_bridge);
}

// The chain: with the bridge (or another node) at the master's free port, it is a lead node before m0.
bus::rs485_chain_config chain_config(const stack_config& cfg, bool link_node) {
    bus::rs485_chain_config c = cfg.rs485;
    const auto spec = bridge_spec(cfg);
    const bool bridge_at_link = spec && spec->position == rs485_bridge_position::link;
    if (bridge_at_link && link_node)
        throw std::invalid_argument("the master's free port A takes one node: an RS485 bridge at link or an RS485 "
                                    "inverter, not both");
    c.lead_node = bridge_at_link || link_node;
    return c;
}

// Opens the bridge's stream when the bridge starts (the pacer's start of a wall-clock run).
bus::rs485_bridge::stream_opener opener(const stack_config& cfg, const std::string& stream) {
    if (cfg.rs485_bridge_port)
        return [open = cfg.rs485_bridge_port, stream] { return open(stream); };
    return [stream] { return host::open_stream_port(stream); };
}

} // namespace

stack::stack(const sc_core::sc_module_name& name, const stack_config& cfg, event_sink& events,
             bus::rs485_host* link_node)
    : sc_core::sc_module(name),
      dc_in("dc_in"),
      m_cfg(cfg),
      m_events(events),
      m_plant(cfg.plant),
      m_chain("rs485", chain_config(cfg, link_node != nullptr), cfg.seed ^ 0x485u),
      m_plant_time(sc_core::SC_ZERO_TIME) {
    if (cfg.modules.size() != cfg.plant.n_modules)
        throw std::invalid_argument(std::string(this->name()) + ": one battery_module_config per module is required");
    if (!(cfg.step_s > 0))
        throw std::invalid_argument(std::string(this->name()) + ": step_s must be positive");
    dc_in.bind(static_cast<bus::dc_fw_if&>(*this));
    if (link_node)
        link_node->rs485.bind(m_chain.rs485_rx); // first: the lead node, before m0
    const auto spec = bridge_spec(cfg);
    if (spec) {
        bus::rs485_bridge_config bc;
        bc.framing.idle_gap_s = cfg.rs485_bridge_idle_gap_s;
        bc.position = rs485_bridge_position_names.name(spec->position);
        m_bridge = std::make_unique<bus::rs485_bridge>("host", spec->stream, opener(cfg, spec->stream), bc);
        // First on the chain: before m0 (link, a lead node) or in m0's place (m0).
        m_bridge->rs485.bind(m_chain.rs485_rx);
        if (spec->position == rs485_bridge_position::m0)
            m_unplugged = std::make_unique<bus::rs485_unplugged>("m0_rs485_unplugged", cfg.rs485);
        m_events.event(std::string(this->name()) + ".host", "rs485_bridge",
                       {{"position", bc.position}, {"stream", spec->stream}});
    }
    for (std::size_t m = 0; m < cfg.plant.n_modules; ++m) {
        const std::string mname = "m" + std::to_string(m);
        m_modules.push_back(
            std::make_unique<battery_module>(mname.c_str(), cfg.modules[m], m_plant, m, [this] { sync(); }, events,
                                             &m_instants));
        // RS485 chain order = module order: m0 (master) port B -> m1 port A -> ...; with the bridge
        // in m0's place the master's transceiver goes nowhere.
        if (m == 0 && m_unplugged)
            m_modules.back()->bms_view().rs485_port().bind(m_unplugged->rs485_rx);
        else
            m_modules.back()->bms_view().rs485_port().bind(m_chain.rs485_rx);
    }
    m_plant.solve_now();
    m_plant.on_switch_stuck([this](std::size_t m) {
        // The BMS / AFE commanded the switch open; it is welded and stays closed.
        m_events.event(std::string(this->name()) + ".m" + std::to_string(m) + ".switch", "switch_stuck",
                       {{"commanded_closed", false}, {"closed", true}, {"current_a", m_plant.module_current_a(m)}});
    });
    m_plant.on_input_change([this] { input_changed(); });
    m_step = sc_core::sc_time(m_cfg.step_s, sc_core::SC_SEC);
    // A whole number of grid steps (the scenario checks it), so the wake-ups stay on the grid.
    const double steps_per_wake = m_cfg.max_step_s > 0.0 ? std::round(m_cfg.max_step_s / m_cfg.step_s) : 1.0;
    if (!(steps_per_wake >= 1.0))
        throw std::invalid_argument("stack: max_step_s must be a whole multiple (>= 1) of step_s");
    m_wake = m_step * steps_per_wake;
    SC_HAS_PROCESS(stack);
    SC_METHOD(grid); // runs at time 0 (the initial state), then every max_step_s
    SC_METHOD(fuse_wake);
    sensitive << m_fuse_ev;
    dont_initialize();
}

stack::~stack() = default;

host::host_input* stack::rs485_bridge() { return m_bridge.get(); }

const std::string* stack::bms_failure() const {
    for (const auto& m : m_modules)
        if (const std::string* f = m->bms_view().failure())
            return f;
    return nullptr;
}

void stack::end_of_run() {
    for (auto& m : m_modules)
        m->bms_view().end_of_run();
}

void stack::open_rs485_bridge() {
    if (m_bridge)
        m_bridge->open();
}

void stack::sync() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now > m_plant_time) {
        if (m_ambient_k_at) {
            const sc_core::sc_time::value_type step_ps = m_step.value();
            const sc_core::sc_time grid = sc_core::sc_time::from_value(m_plant_time.value() / step_ps * step_ps);
            if (grid != m_ambient_grid) {
                m_ambient_grid = grid;
                m_plant.set_ambient_k(m_ambient_k_at(grid.to_seconds()));
            }
        }
        m_plant.step((now - m_plant_time).to_seconds());
        m_plant_time = now;
        report_ratings();
        report_fuses();
        schedule_fuse_wake();
    }
}

void stack::report_fuses() {
    const auto& blown = m_plant.fuses_blown_last_step();
    for (std::size_t m : blown) {
        const num::fuse& f = m_plant.module_fuse(m);
        const double i_a = m_plant.fuse_blow_current_a(m);
        m_events.event(std::string(name()) + ".m" + std::to_string(m) + ".fuse", "fuse_blown",
                       {{"current_a", i_a},
                        {"overload_s", f.overload_s()},
                        {"melt_time_s", f.curve().melt_time_s_at(i_a)},
                        {"rating_a", m_plant.config().wiring_parameters.module.fuse_rating_a}});
    }
    if (!blown.empty())
        port_changed(); // module currents change: the AFE comparators re-check
}

bool stack::fuse_active() const {
    for (std::size_t m = 0; m < m_plant.n_modules(); ++m) {
        const num::fuse& f = m_plant.module_fuse(m);
        if (!f.blown() && (f.damage() > 0.0 || std::abs(m_plant.fuse_current_a(m)) >= f.curve().min_current_a()))
            return true;
    }
    return false;
}

void stack::schedule_fuse_wake() {
    double t_s = std::numeric_limits<double>::infinity();
    for (std::size_t m = 0; m < m_plant.n_modules(); ++m)
        t_s = std::min(t_s, m_plant.module_fuse(m).time_to_blow_s(m_plant.fuse_current_a(m)));
    m_fuse_ev.cancel();
    if (std::isfinite(t_s) && t_s < 1e6)
        // one resolution unit late rather than early: the step then reaches damage 1
        m_fuse_ev.notify(sc_core::sc_time(t_s, sc_core::SC_SEC) + sc_core::sc_get_time_resolution());
}

void stack::input_changed() {
    // Only while a fuse is loaded: other runs keep the "state at the end of the interval" view.
    if (sc_core::sc_get_status() != sc_core::SC_RUNNING || !fuse_active())
        return;
    m_plant.solve_now();
    schedule_fuse_wake();
}

void stack::fault_changed() {
    sync();
    m_plant.solve_now();
    schedule_fuse_wake();
    port_changed();
}

nlohmann::json stack::set_contact_torque(const std::string& contact, double torque_nm) {
    sync();
    num::stack_network& pn = m_plant.power_network();
    pn.set_contact_torque_nm(pn.find_contact(contact), torque_nm);
    return {{"contact", contact}, {"torque_nm", torque_nm}};
}

nlohmann::json stack::set_contact_loosening(const std::string& contact, double loosening_time_s) {
    sync();
    num::stack_network& pn = m_plant.power_network();
    pn.set_contact_loosening_time_s(pn.find_contact(contact), loosening_time_s);
    return {{"contact", contact}, {"loosening_time_s", loosening_time_s}};
}

nlohmann::json stack::change_cable(const std::string& cable, std::optional<double> length_m,
                                   std::optional<double> cross_section_mm2) {
    sync();
    num::stack_network& pn = m_plant.power_network();
    const std::size_t k = pn.find_cable(cable);
    const num::cable before = pn.cables()[k];
    const auto el = pn.index().cable_elements[k];
    const double r_before = pn.net().resistance_ohm(el);
    pn.set_cable(k, length_m.value_or(before.length_m()), cross_section_mm2.value_or(before.cross_section_mm2()));
    return {{"cable", cable},
            {"length_m", pn.cables()[k].length_m()},
            {"cross_section_mm2", pn.cables()[k].cross_section_mm2()},
            {"r_ohm", pn.net().resistance_ohm(el)},
            {"old_length_m", before.length_m()},
            {"old_cross_section_mm2", before.cross_section_mm2()},
            {"old_r_ohm", r_before},
            {"temp_c", pn.cable_temp_k(k) - num::zero_celsius_k}};
}

nlohmann::json stack::set_cell_short(std::size_t module, std::size_t cell, double r_ohm) {
    sync();
    m_plant.set_cell_short(module, cell, r_ohm);
    return {{"module", module}, {"cell", cell}, {"r_ohm", r_ohm}};
}

nlohmann::json stack::set_switch_welded(std::size_t module, bool welded) {
    sync();
    m_plant.set_switch_welded(module, welded);
    return {{"module", module}, {"on", welded}};
}

nlohmann::json stack::set_bus_short(double r_ohm) {
    sync();
    m_plant.set_bus_short(r_ohm);
    fault_changed();
    return {{"r_ohm", r_ohm}};
}

void stack::report_ratings() {
    // A cable or contact above its temperature rating (insulation class): the manual's "damage
    // and injury" warning made visible.
    const num::branch_thermal& th = m_plant.power_network().thermal();
    for (std::size_t k : th.crossed_up())
        m_events.event(std::string(name()) + "." + th.name(k), "over_temperature",
                       {{"temp_c", th.temp_k(k) - num::zero_celsius_k}, {"rating_c", th.rating_k()[static_cast<Eigen::Index>(k)] - num::zero_celsius_k}});
    for (std::size_t k : th.crossed_down())
        m_events.event(std::string(name()) + "." + th.name(k), "temperature_normal",
                       {{"temp_c", th.temp_k(k) - num::zero_celsius_k}, {"rating_c", th.rating_k()[static_cast<Eigen::Index>(k)] - num::zero_celsius_k}});
    report_contact_limits();
}

void stack::report_contact_limits(double life_days) {
    num::stack_network& pn = m_plant.power_network();
    if (!(pn.contact_resistance_limit() > 0.0))
        return;
    for (std::size_t k : pn.contacts_crossing_resistance_limit()) {
        const num::contact& c = pn.contacts()[k];
        nlohmann::json d = {{"r_pct", 100.0 * pn.contact_resistance_ratio(k)},
                            {"limit_pct", 100.0 * pn.contact_resistance_limit()},
                            {"torque_nm", c.torque_nm()},
                            {"preload_pct", 100.0 * c.preload().fraction()},
                            {"temp_c", pn.contact_temp_k(k) - num::zero_celsius_k}};
        if (life_days >= 0.0)
            d["life_days"] = life_days;
        m_events.event(std::string(name()) + "." + c.name(), "resistance_limit", d);
    }
}

void stack::grid() {
    if (sc_core::sc_time_stamp() > sc_core::SC_ZERO_TIME) { // at t = 0: the initial state
        sync();
        perf::count(perf::counter::grid_steps);
    }
    if (m_on_step)
        m_on_step();
    next_trigger(m_wake);
}

void stack::dc_set_current(double current_a) {
    sync();
    m_plant.set_port_current(current_a);
    port_changed();
}

void stack::dc_set_power(double power_w) {
    sync();
    m_plant.set_port_power(power_w);
    port_changed();
}

void stack::port_changed() {
    // Module currents change at this instant: each AFE's short-circuit comparator re-checks now
    // instead of at its next conversion.
    for (auto& m : m_modules)
        m->bms_view().current_changed();
}

double stack::dc_voltage_v() {
    sync();
    return m_plant.port_voltage_v();
}

double stack::dc_current_a() {
    sync();
    return m_plant.port_current_a();
}

} // namespace stacksim::models
