#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

#include <systemc>

#include "numeric/units.h"
#include "sim/system.h"
#include "sim/version.h"
#include "tlm/sim_time.h"

namespace stacksim::sim {

namespace {

constexpr double kelvin_offset = num::zero_celsius_k;
constexpr double missing = std::numeric_limits<double>::quiet_NaN(); // a value that does not exist yet

// A time for a message: shortest form, e.g. "2.5", "1e+308", "nan".
std::string fmt_g(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// A new kernel for every simulation: SystemC allows one elaboration per kernel, and Python runs
// several simulations in one process (systemc-style.md §8). The previous context is leaked on
// purpose: destroying it would destroy modules that SystemC still references.
void fresh_kernel() {
    auto* ctx = new sc_core::sc_simcontext();
    sc_core::sc_curr_simcontext = ctx;
    sc_core::sc_default_global_context = ctx;
}

// Mean over module m's cells of a per-cell array.
double module_mean(const num::stack_plant& plant, const Eigen::ArrayXd& per_cell, std::size_t m) {
    const auto n = static_cast<Eigen::Index>(plant.cells_per_module());
    return per_cell.segment(static_cast<Eigen::Index>(m) * n, n).mean();
}

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

std::string two_digits(std::size_t i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02zu", i);
    return buf;
}

} // namespace

simulation::simulation(scenario sc, const std::string& out_dir) : m_sc(std::move(sc)) {
    fresh_kernel();
    // Elaborate first: an impossible topology or configuration fails here, before any file exists.
    m_top = std::make_unique<system>("top", m_sc, *this);
    // Expectations' column patterns and events' contact names are checked here too.
    build_recorder();
    check_columns(m_sc.expectations, m_columns);
    for (const auto& e : m_sc.events)
        check_against_wiring(e);
    if (!out_dir.empty()) {
        m_out = std::make_unique<output_files>(out_dir);
        m_out->timeseries_header(m_columns);
        if (m_sc.run.hdf5)
            m_out->timeseries_hdf5(m_columns, {m_sc.name, m_sc.seed, version(), m_sc.run.step_s, m_sc.run.record_every});
        if (m_sc.run.vcd)
            open_vcd(out_dir);
    }

    models::stack& st = m_top->battery();
    if (m_out && m_sc.run.bus_logs) {
        m_top->can().on_frame([this](const proto::can_frame& f, const sc_core::sc_time& eof, const std::string&) {
            m_out->can_frame(bus::to_s(eof), f.id, f.extended, f.rtr, f.data.data(), f.dlc);
        });
        st.rs485().on_frame([this](const bus::rs485_frame& f, std::size_t hop) {
            std::string flags;
            if (f.garbled)
                flags = "garbled";
            m_out->rs485_frame(bus::to_s(f.start), bus::to_s(f.end), "hop" + std::to_string(hop), f.sender,
                               f.chars, flags);
        });
    }
    m_top->can().on_event([this](const sc_core::sc_time&, const std::string& node, const std::string& what) {
        event(node, "can", {{"what", what}});
    });
    st.on_step([this] { record(); });
    m_wall_start = std::chrono::steady_clock::now();
}

simulation::~simulation() {
    try {
        finish();
    } catch (...) {
        // never throw from a destructor; finish() is called explicitly on the normal path
    }
}

double simulation::time_s() const { return bus::to_s(sc_core::sc_time_stamp()); }

void simulation::check_against_wiring(const timed_event& e) const {
    const num::stack_network& pn = m_top->battery().plant().power_network();
    if (e.action == event_action::cable_change)
        check_cable_change(e, pn);
    if (e.action != event_action::contact_torque && e.action != event_action::contact_loosening)
        return;
    try {
        (void)pn.find_contact(e.name);
    } catch (const std::exception& ex) {
        throw num::input_error(e.file, e.line, e.path + ".contact",
                               "a contact of the stack's wiring (docs/models/network.md): " + std::string(ex.what()));
    }
}

void simulation::inject(const std::string& event_yaml, const std::string& origin) {
    if (m_finished)
        throw std::logic_error("simulation already finished");
    // The same format and checks as a scenario's events (docs/scenarios.md); t_s defaults to now.
    const num::param_node ev = num::param_node::load_string(event_yaml, origin);
    if (!ev.is_map())
        ev.fail("an event {action: ..., ...} (t_s optional: now)");
    const double now_s = time_s();
    YAML::Node node = ev.yaml(); // shares the document
    if (!ev.has("t_s"))
        node["t_s"] = std::max(now_s, 1e-9);
    YAML::Node seq(YAML::NodeType::Sequence);
    seq.push_back(node);
    const num::param_node list(seq, origin, "event", std::make_shared<std::vector<num::param_record>>());
    const auto& afe0 = m_sc.stack.modules.front().afe;
    timed_event e =
        read_events(list, m_sc.stack.plant.n_modules, afe0.cells, afe0.ntc_sensors(), m_sc.run.duration_s).front();
    if (e.t_s < now_s - 1e-12)
        throw num::input_error(origin, e.line, "event.t_s",
                               "a time not before now (" + std::to_string(now_s) + " s), got " + std::to_string(e.t_s));
    check_against_wiring(e);
    if (e.t_s <= now_s) {
        while (sc_core::sc_pending_activity_at_current_time())
            sc_core::sc_start(sc_core::SC_ZERO_TIME);
        apply(e);
        return;
    }
    // Later: among the pending scenario events, after those at the same instant.
    const auto first = m_sc.events.begin() + static_cast<std::ptrdiff_t>(m_next_event);
    const auto at = std::upper_bound(first, m_sc.events.end(), e.t_s,
                                     [](double t, const timed_event& x) { return t < x.t_s; });
    m_sc.events.insert(at, e);
}

void simulation::build_recorder() {
    models::stack& st = m_top->battery();
    num::stack_plant& plant = st.plant();
    models::inverter& inv = m_top->inverter();
    models::stack_master& master = *st.module(0).master();
    auto add = [this](std::string name, std::function<double()> f) {
        m_columns.push_back(std::move(name));
        m_getters.push_back(std::move(f));
    };
    // A value that comes from a message or a measurement is missing (NaN: an empty CSV field)
    // until that message or measurement exists (docs/outputs.md, "Missing values"): the
    // master's stack view until its first CAN cycle, what the inverter decoded from 0x351 until
    // the first 0x351, a BMS's report until its first measurement. Truth (plant) and state
    // columns have a value from t = 0.
    auto from_master = [&master](auto get) {
        return [&master, get] {
            const models::stack_aggregate& a = master.aggregate();
            return a.time_s >= 0 ? static_cast<double>(get(a)) : missing;
        };
    };
    auto from_0x351 = [&inv](auto get) {
        return [&inv, get] { return inv.view().limits_valid ? get(inv.view()) : missing; };
    };
    // Always present (docs/outputs.md).
    add("stack.voltage_v", [&plant] { return plant.module_voltage_v(0); });
    add("stack.soc_pct", from_master([](const models::stack_aggregate& a) { return a.soc_pct; }));
    for (std::size_t m = 0; m < plant.n_modules(); ++m)
        add("stack.m" + std::to_string(m) + ".current_a", [&plant, m] { return plant.module_current_a(m); });
    add("inverter.battery_current_a", [&plant] { return plant.port_current_a(); });
    // Stack as reported by the master, and the truth.
    add("stack.current_a", from_master([](const models::stack_aggregate& a) { return a.current_a; }));
    add("stack.cvl_v", from_master([](const models::stack_aggregate& a) { return a.cvl_v; }));
    add("stack.ccl_a", from_master([](const models::stack_aggregate& a) { return a.ccl_a; }));
    add("stack.dcl_a", from_master([](const models::stack_aggregate& a) { return a.dcl_a; }));
    add("stack.modules_present", from_master([](const models::stack_aggregate& a) { return a.modules_present; }));
    add("stack.true_soc_pct", [&plant] { return 100.0 * plant.stack_soc(); });
    add("inverter.dc_voltage_v", [&plant] { return plant.port_voltage_v(); });
    add("inverter.dc_power_w", [&plant] { return plant.port_voltage_v() * plant.port_current_a(); });
    add("inverter.command_a", [&inv] { return inv.command_a(); });
    add("inverter.ccl_a", from_0x351([](const models::inverter_view& v) { return v.ccl_a; }));
    add("inverter.dcl_a", from_0x351([](const models::inverter_view& v) { return v.dcl_a; }));
    add("inverter.cvl_v", from_0x351([](const models::inverter_view& v) { return v.cvl_v; }));
    // CAN link and inverter state (docs/outputs.md).
    add("inverter.standby", [&inv] { return inv.standby() ? 1.0 : 0.0; });
    add("inverter.in_cv", [&inv] { return inv.in_cv() ? 1.0 : 0.0; });
    add("inverter.ac_power_w", [&inv] { return inv.ac_power_w(); });
    add("inverter.grid_power_w", [&inv] { return inv.grid_power_w(); });
    add("stack.heartbeat_lost", [&st] { return st.module(0).can()->heartbeat_lost() ? 1.0 : 0.0; });
    add("stack.first_start_hold",
        from_master([](const models::stack_aggregate& a) { return a.first_start_hold ? 1.0 : 0.0; }));
    for (std::size_t m = 0; m < plant.n_modules(); ++m) {
        const std::string p = "stack.m" + std::to_string(m);
        const models::bms& b = st.module(m).controller();
        auto from_bms = [&b](auto get) {
            return [&b, get] { return b.report().time_s >= 0 ? static_cast<double>(get(b.report())) : missing; };
        };
        using report = models::module_report;
        add(p + ".voltage_v", [&plant, m] { return plant.module_voltage_v(m); });
        add(p + ".soc_pct", from_bms([](const report& r) { return 100.0 * r.soc; }));
        add(p + ".true_soc_pct", [&plant, m] { return 100.0 * plant.module_soc(m); });
        add(p + ".switch_closed", [&plant, m] { return plant.switch_closed(m) ? 1.0 : 0.0; });
        add(p + ".fuse_blown", [&plant, m] { return plant.fuse_blown(m) ? 1.0 : 0.0; });
        add(p + ".fuse_damage", [&plant, m] { return plant.fuse_damage(m); });
        add(p + ".ccl_a", from_bms([](const report& r) { return r.ccl_a; }));
        add(p + ".dcl_a", from_bms([](const report& r) { return r.dcl_a; }));
        // BMS state: protection/warning bits (bit k = channel k of docs/models/bms.md,
        // bit 12 = short circuit), bleed switches, SoH.
        add(p + ".protection_bits", from_bms([](const report& r) { return r.protection_bits; }));
        add(p + ".warning_bits", from_bms([](const report& r) { return r.warning_bits; }));
        add(p + ".balance_mask", from_bms([](const report& r) { return r.balance_mask; }));
        add(p + ".soh_pct", from_bms([](const report& r) { return 100.0 * r.soh; }));
        // The cells' true state of health (aging, docs/models/cell.md): mean relative capacity
        // and resistance of the module's cells.
        add(p + ".capacity_pct", [&plant, m] { return 100.0 * module_mean(plant, plant.cells().soh(), m); });
        add(p + ".resistance_pct",
            [&plant, m] { return 100.0 * module_mean(plant, plant.cells().resistance_factor(), m); });
        if (!m_sc.run.record_cells)
            continue;
        for (std::size_t k = 0; k < plant.cells_per_module(); ++k) {
            const std::string c = p + ".cell" + two_digits(k);
            add(c + ".voltage_v", [&plant, m, k] { return plant.cell_voltage_v(m, k); });
            add(c + ".soc_pct", [&plant, m, k] { return 100.0 * plant.cell_soc(m, k); });
            add(c + ".temp_c", [&plant, m, k] { return plant.cell_temp_k(m, k) - kelvin_offset; });
        }
    }
    // Power network: each cable and contact (current, loss, temperature), module shares, imbalance.
    const num::stack_network& pn = plant.power_network();
    // Extremes for the summary start from the initial state, so a run that never stepped
    // still has one value per branch.
    const auto& t0 = pn.thermal().temp_k();
    m_max_branch_temp_k.assign(t0.data(), t0.data() + t0.size());
    for (std::size_t k = 0; k < pn.cables().size(); ++k) {
        const std::string c = "stack." + pn.cables()[k].name();
        const auto e = pn.index().cable_elements[k];
        add(c + ".current_a", [&pn, e] { return pn.net().current_a(e); });
        add(c + ".loss_w", [&pn, e] { return pn.net().loss_w(e); });
        add(c + ".temp_c", [&pn, k] { return pn.cable_temp_k(k) - kelvin_offset; });
    }
    for (std::size_t k = 0; k < pn.contacts().size(); ++k) {
        const std::string c = "stack." + pn.contacts()[k].name();
        const auto e = pn.index().contact_elements[k];
        add(c + ".loss_w", [&pn, e] { return pn.net().loss_w(e); });
        add(c + ".temp_c", [&pn, k] { return pn.contact_temp_k(k) - kelvin_offset; });
    }
    for (std::size_t m = 0; m < plant.n_modules(); ++m) {
        const std::string p = "stack.m" + std::to_string(m);
        add(p + ".share_pct", [&pn, m] { return 100.0 * pn.module_share(m); });
        // Node potentials against the inverter's - terminal (the network's ground).
        const auto pos = pn.index().module_pos[m], neg = pn.index().module_neg[m];
        add(p + ".pos.voltage_v", [&pn, pos] { return pn.net().node_voltage_v(pos); });
        add(p + ".neg.voltage_v", [&pn, neg] { return pn.net().node_voltage_v(neg); });
    }
    add("stack.imbalance_pct", [&pn] { return 100.0 * pn.imbalance(); });
    add("stack.age_days", [&plant] { return plant.cells().age_s() / 86400.0; });
    add("stack.network_loss_w", [&plant] { return plant.network_loss_w(); });
    m_data.assign(m_columns.size(), {});
    m_row.assign(m_columns.size(), 0.0);
    if (m_out)
        m_out->timeseries_header(m_columns);
}

void simulation::record() {
    // Every grid step: extremes for the summary, whether or not this step is recorded.
    const num::stack_plant& plant = m_top->battery().plant();
    const auto& temps = plant.power_network().thermal().temp_k();
    if (m_max_branch_temp_k.size() != static_cast<std::size_t>(temps.size()))
        m_max_branch_temp_k.assign(static_cast<std::size_t>(temps.size()), 0.0);
    for (Eigen::Index k = 0; k < temps.size(); ++k)
        m_max_branch_temp_k[static_cast<std::size_t>(k)] = std::max(m_max_branch_temp_k[static_cast<std::size_t>(k)], temps[k]);
    m_max_kcl_a = std::max(m_max_kcl_a, plant.kcl_residual_a());
    if (m_step_count++ % m_sc.run.record_every != 0)
        return;
    record_row();
}

void simulation::record_row() {
    const double t = time_s();
    for (std::size_t c = 0; c < m_getters.size(); ++c) {
        m_row[c] = m_getters[c]();
        m_data[c].push_back(m_row[c]);
    }
    m_times.push_back(t);
    if (m_out) {
        m_out->timeseries_row(t, m_row);
        m_out->flush();
    }
}

void simulation::settle_now() {
    // Let everything scheduled for this very instant run, so a row due now is recorded now.
    while (sc_core::sc_pending_activity_at_current_time())
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

void simulation::advance_to(double t_s) {
    // With an interrupt check: slices of at most 1 s simulated, the check between them when its
    // wall-time period has passed. Slice boundaries change nothing: the kernel runs the same
    // events in the same order, only returning to us in between (as run()'s chunks do).
    constexpr double slice_s = 1.0;
    for (double now_s = time_s(); t_s > now_s; now_s = time_s()) {
        if (!m_interrupt_check || t_s - now_s <= slice_s) {
            sc_core::sc_start(sc_core::sc_time(t_s - now_s, sc_core::SC_SEC)); // the last (or only) slice
            break;
        }
        sc_core::sc_start(sc_core::sc_time(slice_s, sc_core::SC_SEC));
        const auto wall = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(wall - m_last_interrupt_check).count() >= m_interrupt_period_s) {
            m_last_interrupt_check = wall;
            if (m_interrupt_check()) {
                settle_now();
                throw interrupted(time_s());
            }
        }
    }
    settle_now();
}

interrupted::interrupted(double t_s) : std::runtime_error("interrupted at t = " + std::to_string(t_s) + " s"), time_s(t_s) {}

double simulation::max_time_s() { return sc_core::sc_max_time().to_seconds(); }

void simulation::set_interrupt_check(std::function<bool()> check, double period_s) {
    m_interrupt_check = std::move(check);
    m_interrupt_period_s = period_s;
    m_last_interrupt_check = std::chrono::steady_clock::now();
}

void simulation::run_for(double dt_s) {
    if (!std::isfinite(dt_s))
        throw std::invalid_argument("run_for: dt_s must be finite, got " + fmt_g(dt_s));
    if (dt_s < 0)
        throw std::invalid_argument("run_for: dt_s must not be negative (time only moves forward), got " +
                                    fmt_g(dt_s));
    run_until(time_s() + dt_s);
}

void simulation::run_until(double t_s) {
    if (m_finished)
        throw std::logic_error("simulation already finished");
    const double now_s = time_s();
    const double half_resolution_s = 0.5 * sc_core::sc_get_time_resolution().to_seconds();
    if (!std::isfinite(t_s))
        throw std::invalid_argument("run_until: t_s must be finite, got " + fmt_g(t_s));
    if (t_s < now_s - half_resolution_s)
        throw std::invalid_argument("run_until: t_s = " + fmt_g(t_s) + " s is in the past (the simulation is at " +
                                    fmt_g(now_s) + " s; time only moves forward)");
    if (t_s > max_time_s())
        throw std::invalid_argument("run_until: t_s = " + fmt_g(t_s) + " s is beyond the maximum simulated time, " +
                                    fmt_g(max_time_s()) + " s (the SystemC kernel's resolution x 2^64)");
    t_s = std::max(t_s, now_s);
    // Scenario events and fast-aging window ends due by t_s: advance to each one's exact instant,
    // apply it, go on. A window's end comes before an event at the same instant.
    constexpr double never = std::numeric_limits<double>::infinity();
    for (;;) {
        const double t_event = m_next_event < m_sc.events.size() ? m_sc.events[m_next_event].t_s : never;
        const double t_jump = m_sc.aging.enabled && m_jumps_done < m_sc.aging.windows
                                  ? static_cast<double>(m_jumps_done + 1) * m_sc.aging.window_s
                                  : never;
        const double t_next = std::min(t_event, t_jump);
        if (t_next > t_s)
            break;
        advance_to(t_next);
        if (t_jump <= t_event)
            aging_jump();
        else
            apply(m_sc.events[m_next_event++]);
    }
    advance_to(t_s);
}

void simulation::aging_jump() {
    models::stack& st = m_top->battery();
    st.sync(); // the plant reaches the window's end
    num::cell_array& cells = st.plant().cells();
    cells.update_aging(); // close the stress window now, so the jump repeats this window's end
    const double window_s = cells.last_window_s();
    cells.age_repeat_last_window(m_sc.aging.jump_s);
    ++m_jumps_done;
    const num::stack_plant& plant = st.plant();
    nlohmann::json caps = nlohmann::json::array();
    for (std::size_t m = 0; m < plant.n_modules(); ++m)
        caps.push_back(100.0 * module_mean(plant, cells.soh(), m));
    event("aging", "aging_jump",
          {{"window", m_jumps_done},
           {"jump_days", m_sc.aging.jump_s / 86400.0},
           {"stress_window_s", window_s},
           {"age_days", cells.age_s() / 86400.0},
           {"capacity_pct", caps}});
    // A row after the jump shows the aged cells (a row at the same instant before it, when the
    // window's end falls on a recording step, shows the window's end).
    record_row();
}

bool simulation::run(const std::function<void(double, double)>& progress) {
    const double end = m_sc.run.duration_s;
    const double chunk = std::max(m_sc.run.step_s, std::min(60.0, end / 100.0));
    while (time_s() < end - 1e-12) {
        if (m_stop.load())
            return false;
        run_until(std::min(end, time_s() + chunk));
        if (progress)
            progress(time_s(), std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall_start).count());
    }
    return true;
}

std::size_t simulation::column_index(const std::string& column) const {
    const auto it = std::find(m_columns.begin(), m_columns.end(), column);
    if (it == m_columns.end())
        throw std::out_of_range("no recorded signal '" + column + "'");
    return static_cast<std::size_t>(it - m_columns.begin());
}

std::vector<double> simulation::series(const std::string& column) const { return m_data[column_index(column)]; }

void simulation::apply(const timed_event& e) {
    models::stack& st = m_top->battery();
    st.sync(); // the plant reaches this instant with the old state
    nlohmann::json d{{"action", e.action_name}, {"scheduled_s", e.t_s}};
    switch (e.action) {
    case event_action::contact_torque: {
        auto& pn = st.plant().power_network();
        pn.set_contact_torque_nm(pn.find_contact(e.name), e.value);
        d["contact"] = e.name;
        d["torque_nm"] = e.value;
        break;
    }
    case event_action::contact_loosening: {
        auto& pn = st.plant().power_network();
        pn.set_contact_loosening_time_s(pn.find_contact(e.name), e.value);
        d["contact"] = e.name;
        d["loosening_time_s"] = e.value;
        break;
    }
    case event_action::cable_change: {
        auto& pn = st.plant().power_network();
        const std::size_t k = pn.find_cable(e.name);
        const num::cable before = pn.cables()[k];
        const auto el = pn.index().cable_elements[k];
        const double r_before = pn.net().resistance_ohm(el);
        pn.set_cable(k, e.length_m.value_or(before.length_m()), e.cross_section_mm2.value_or(before.cross_section_mm2()));
        d["cable"] = e.name;
        d["length_m"] = pn.cables()[k].length_m();
        d["cross_section_mm2"] = pn.cables()[k].cross_section_mm2();
        d["r_ohm"] = pn.net().resistance_ohm(el);
        d["old_length_m"] = before.length_m();
        d["old_cross_section_mm2"] = before.cross_section_mm2();
        d["old_r_ohm"] = r_before;
        d["temp_c"] = pn.cable_temp_k(k) - kelvin_offset;
        break;
    }
    case event_action::rs485_hop_cut:
        st.rs485().set_hop_cut(e.index, e.on);
        d["hop"] = e.index;
        d["cut"] = e.on;
        break;
    case event_action::rs485_noise:
        st.rs485().corrupt_next(e.frames);
        d["frames"] = e.frames;
        break;
    case event_action::can_errors:
        m_top->can().corrupt_next(e.frames);
        d["frames"] = e.frames;
        break;
    case event_action::can_drop:
        m_top->can().drop_next(e.frames);
        d["frames"] = e.frames;
        break;
    case event_action::can_node: {
        const std::string node = e.name == "inverter" ? m_top->inverter().can_node_name()
                                                      : st.module(0).can()->can_node_name();
        m_top->can().set_online(node, e.on);
        d["node"] = node;
        d["online"] = e.on;
        break;
    }
    case event_action::open_wire:
        st.module(e.module).front_end().set_open_wire(e.index, e.on);
        d["module"] = e.module;
        d["cell"] = e.index;
        d["open"] = e.on;
        break;
    case event_action::ntc_stuck:
        st.module(e.module).front_end().set_ntc_stuck(e.index, e.on);
        d["module"] = e.module;
        d["sensor"] = e.index;
        d["stuck"] = e.on;
        break;
    case event_action::ntc_drift:
        st.module(e.module).front_end().set_ntc_drift(e.index, e.value);
        d["module"] = e.module;
        d["sensor"] = e.index;
        d["k_per_s"] = e.value;
        break;
    case event_action::module_power:
        st.module(e.module).controller().set_powered(e.on);
        d["module"] = e.module;
        d["on"] = e.on;
        break;
    case event_action::cell_short:
        st.plant().set_cell_short(e.module, e.index, e.value);
        d["module"] = e.module;
        d["cell"] = e.index;
        d["r_ohm"] = e.value;
        break;
    case event_action::switch_welded:
        st.plant().set_switch_welded(e.module, e.on);
        d["module"] = e.module;
        d["on"] = e.on;
        break;
    case event_action::bus_short:
        st.plant().set_bus_short(e.value);
        st.fault_changed();
        d["r_ohm"] = e.value;
        d["on"] = e.on;
        break;
    case event_action::run_button: {
        // WeCo's RUN button (5K3 manual, weco-stack.md §4.5): a 2 s press switches the module on,
        // a 5 s press off; a short press (forced charge from under-voltage) is not modelled. The
        // switch-on press also resets an over-current lock-out (docs/models/bms.md).
        constexpr double on_press_s = 2.0, off_press_s = 5.0;
        const char* effect = e.value >= off_press_s ? "off" : e.value >= on_press_s ? "on" : "ignored";
        if (e.value >= on_press_s)
            st.module(e.module).controller().set_powered(e.value < off_press_s);
        if (e.value >= on_press_s && e.value < off_press_s)
            st.module(e.module).controller().run_button();
        d["module"] = e.module;
        d["press_s"] = e.value;
        d["effect"] = effect;
        break;
    }
    case event_action::inverter_power_w:
        m_top->inverter().set_power_override_w(e.value);
        if (std::isnan(e.value))
            d["power_w"] = "profile";
        else
            d["power_w"] = e.value;
        break;
    }
    event("scenario", "scenario_event", d);
}

bool simulation::expectations_passed() const {
    return std::all_of(m_results.begin(), m_results.end(), [](const expectation_result& r) { return r.passed; });
}

void simulation::event(const std::string& source, const std::string& kind, const nlohmann::json& details) {
    m_event_log.push_back({time_s(), source, kind, details.dump()});
    ++m_events;
    if (m_out)
        m_out->event(time_s(), source, kind, details);
}

nlohmann::json simulation::finish() {
    if (m_finished)
        return m_summary;
    m_finished = true;
    m_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall_start).count();
    models::stack& st = m_top->battery();
    const num::stack_plant& plant = st.plant();
    const auto& e = plant.energy();
    nlohmann::ordered_json j;
    j["stacksim_version"] = version();
    j["scenario"] = m_sc.name;
    j["scenario_file"] = m_sc.file;
    j["seed"] = m_sc.seed;
    j["simulated_s"] = time_s();
    j["duration_s"] = m_sc.run.duration_s;
    j["completed"] = time_s() >= m_sc.run.duration_s - 1e-9;
    j["wall_s"] = m_wall_s;
    j["realtime_factor"] = m_wall_s > 0 ? time_s() / m_wall_s : 0.0;
    j["modules"] = plant.n_modules();
    j["cells"] = plant.cells().size();
    j["step_s"] = m_sc.run.step_s;
    j["bus_logs"] = m_sc.run.bus_logs;
    j["hdf5"] = m_sc.run.hdf5;
    j["rows"] = m_times.size();
    j["events"] = m_events;
    j["energy_wh"] = {{"port", e.port_j / 3600.0},
                      {"cells_in", e.cell_in_j / 3600.0},
                      {"cells_exact_in", e.cell_exact_in_j / 3600.0},
                      {"cells_stored", e.cell_stored_j / 3600.0},
                      {"cells_heat", e.cell_heat_j / 3600.0},
                      {"network_loss", e.network_loss_j / 3600.0},
                      {"bleed", e.bleed_j / 3600.0}};
    j["can"] = {{"frames", m_top->can().frames()},
                {"bus_load", m_top->can().load(time_s())},
                {"bitrate_bps", m_top->can().bitrate_bps()}};
    j["rs485"] = {{"frames", st.rs485().frames()}, {"collisions", st.rs485().collisions()}};
    nlohmann::ordered_json mods = nlohmann::ordered_json::array();
    for (std::size_t m = 0; m < plant.n_modules(); ++m)
        mods.push_back({{"name", "m" + std::to_string(m)},
                        {"true_soc_pct", 100.0 * plant.module_soc(m)},
                        {"switch_closed", plant.switch_closed(m)},
                        {"fuse_blown", plant.fuse_blown(m)}});
    j["stack"] = {{"true_soc_pct", 100.0 * plant.stack_soc()}, {"modules", mods}};
    const num::stack_network& pn = plant.power_network();
    if (m_max_branch_temp_k.empty()) { // no step yet (e.g. `stacksim validate`): the initial temperatures
        const auto& temps = pn.thermal().temp_k();
        m_max_branch_temp_k.assign(temps.data(), temps.data() + temps.size());
    }
    nlohmann::ordered_json branches = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < pn.cables().size(); ++k) {
        const auto el = pn.index().cable_elements[k];
        branches.push_back({{"name", pn.cables()[k].name()},
                            {"kind", "cable"},
                            {"energy_lost_wh", pn.loss_energy_j()[static_cast<Eigen::Index>(el)] / 3600.0},
                            {"max_temp_c", m_max_branch_temp_k[k] - kelvin_offset},
                            {"rating_c", pn.thermal().rating_k()[static_cast<Eigen::Index>(k)] - kelvin_offset},
                            {"over_rating", m_max_branch_temp_k[k] > pn.thermal().rating_k()[static_cast<Eigen::Index>(k)]}});
    }
    for (std::size_t k = 0; k < pn.contacts().size(); ++k) {
        const auto el = pn.index().contact_elements[k];
        const std::size_t t = pn.cables().size() + k;
        branches.push_back({{"name", pn.contacts()[k].name()},
                            {"kind", "contact"},
                            {"torque_nm", pn.contacts()[k].torque_nm()},
                            {"energy_lost_wh", pn.loss_energy_j()[static_cast<Eigen::Index>(el)] / 3600.0},
                            {"max_temp_c", m_max_branch_temp_k[t] - kelvin_offset},
                            {"rating_c", pn.thermal().rating_k()[static_cast<Eigen::Index>(t)] - kelvin_offset},
                            {"over_rating", m_max_branch_temp_k[t] > pn.thermal().rating_k()[static_cast<Eigen::Index>(t)]}});
    }
    j["network"] = {{"topology", num::to_string(pn.topology())},
                    {"energy_lost_wh", e.network_loss_j / 3600.0},
                    {"max_kcl_residual_a", m_max_kcl_a},
                    {"branches", branches}};
    m_results = evaluate_expectations(m_sc.expectations, m_columns, m_times, m_data, m_event_log);
    nlohmann::ordered_json ex = nlohmann::ordered_json::array();
    for (const auto& r : m_results)
        ex.push_back({{"name", r.name},
                      {"passed", r.passed},
                      {"t_s", std::isnan(r.t_s) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.t_s)},
                      {"message", r.message}});
    if (m_sc.aging.enabled) {
        const num::cell_array& cells = plant.cells();
        nlohmann::ordered_json am = nlohmann::ordered_json::array();
        for (std::size_t m = 0; m < plant.n_modules(); ++m) {
            const auto n = static_cast<Eigen::Index>(plant.cells_per_module());
            const auto seg = cells.soh().segment(static_cast<Eigen::Index>(m) * n, n);
            double efc = 0.0;
            for (Eigen::Index k = 0; k < n; ++k)
                efc += cells.aging(static_cast<std::size_t>(static_cast<Eigen::Index>(m) * n + k)).efc;
            am.push_back({{"name", "m" + std::to_string(m)},
                          {"capacity_pct", 100.0 * module_mean(plant, cells.soh(), m)},
                          {"capacity_min_pct", 100.0 * seg.minCoeff()},
                          {"resistance_pct", 100.0 * module_mean(plant, cells.resistance_factor(), m)},
                          {"efc", efc / static_cast<double>(n)}});
        }
        j["aging"] = {{"span_days", m_sc.aging.span_s / 86400.0},
                      {"windows", m_sc.aging.windows},
                      {"windows_done", m_jumps_done},
                      {"window_s", m_sc.aging.window_s},
                      {"jump_days", m_sc.aging.jump_s / 86400.0},
                      {"age_days", cells.age_s() / 86400.0},
                      {"modules", am}};
    }
    j["expectations"] = ex;
    j["expectations_passed"] = expectations_passed();
    m_summary = j;
    if (m_vcd) {
        // The kernel writes a timestep's traced values when time moves on; move it by one
        // resolution unit so the final row reaches the file (after the summary is taken).
        if (!sc_core::sc_end_of_simulation_invoked())
            sc_core::sc_start(sc_core::sc_get_time_resolution());
        sc_core::sc_close_vcd_trace_file(m_vcd);
        m_vcd = nullptr;
        if (m_out)
            m_out->normalise_vcd_date("waveforms.vcd");
    }
    if (m_out) {
        m_out->end_of_run();
        m_out->summary(m_summary);
    }
    return m_summary;
}

void simulation::open_vcd(const std::string& out_dir) {
    // waveforms.vcd for GTKWave: the recorded stack-, module- and inverter-level signals (not the
    // per-cell, cable and contact columns), sampled whenever a row is recorded. The dots of the
    // column names show as hierarchy in GTKWave.
    m_vcd = sc_core::sc_create_vcd_trace_file((out_dir + "/waveforms").c_str());
    // The kernel resolution, so every event time is representable. SystemC announces the unit as
    // an info report on stdout; keep the CLI's output to its summary.
    const sc_core::sc_actions info = sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    m_vcd->set_time_unit(1.0, sc_core::SC_PS);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, info);
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        const std::string& name = m_columns[c];
        if (name.find(".cell") != std::string::npos || name.find("cable.") != std::string::npos ||
            name.find("contact.") != std::string::npos)
            continue;
        sc_core::sc_trace(m_vcd, m_row[c], name);
    }
}

} // namespace stacksim::sim
