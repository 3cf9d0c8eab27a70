#include "sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

#include <systemc>

#include "numeric/param_file.h"
#include "sim/event_dispatch.h"
#include "sim/recorder.h"
#include "sim/run_summary.h"
#include "sim/state_snapshot.h"
#include "sim/system.h"
#include "sim/version.h"
#include "tlm/sim_time.h"

namespace stacksim::sim {

namespace {

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

} // namespace

simulation::simulation(scenario sc, const std::string& out_dir, bool keep_series) : m_sc(std::move(sc)) {
    fresh_kernel();
    // A firmware's NV memory without stack.firmware.nv_dir: <out_dir>/firmware/m<i>.nv (created at
    // its first write); without an output directory it lives in memory only.
    for (std::size_t m = 0; m < m_sc.stack.modules.size(); ++m) {
        auto& fw = m_sc.stack.modules[m].firmware;
        if (!fw.builtin() && fw.nv_file.empty() && !out_dir.empty())
            fw.nv_file = out_dir + "/firmware/m" + std::to_string(m) + ".nv";
    }
    // Elaborate first: an impossible topology or configuration fails here, before any file exists.
    m_top = std::make_unique<system>("top", m_sc, *this);
    m_dispatch = std::make_unique<event_dispatch>(*m_top, *this);
    if (m_sc.maintenance.enabled) {
        // The contacts loosen over months from now (before the recorder: it adds their columns).
        num::stack_network& pn = m_top->battery().plant().power_network();
        pn.set_contact_preload_law(pn.params().loosening);
        pn.set_contact_resistance_limit(m_sc.maintenance.resistance_limit_pct / 100.0);
        pn.start_contact_windows();
        m_next_inspection_life_s = m_sc.maintenance.inspect_every_s > 0 ? m_sc.maintenance.inspect_every_s : never_s;
    }
    // Expectations' column patterns and events' contact names are checked here too.
    m_rec = std::make_unique<recorder>(*m_top, m_sc.run);
    check_columns(m_sc.expectations, m_rec->columns());
    // In memory: the columns the expectations read (evaluated at the end), or all when asked.
    m_rec->keep(referenced_columns(m_sc.expectations, m_rec->columns()));
    if (keep_series)
        m_rec->keep_all();
    for (const auto& e : m_sc.events)
        m_dispatch->check(e);
    // Host endpoints open (bind, create their pty) before any output file exists: a port in use
    // is bad input that leaves nothing behind.
    if (m_sc.run.realtime > 0) {
        m_pacer = std::make_unique<wallclock>(wallclock_config{m_sc.run.realtime, m_sc.run.behind_warn_s}, *this);
        for (host::host_input* in : m_top->host_inputs())
            m_pacer->attach(*in);
        m_pacer->attach(m_commands);
        if (!m_sc.run.control.empty()) {
            std::unique_ptr<host::stream_port> stream;
            try {
                stream = host::open_stream_port(m_sc.run.control);
            } catch (const std::invalid_argument& e) {
                throw num::input_error(m_sc.file, 0, "run.control", e.what());
            }
            m_control = std::make_unique<control_port>(std::move(stream),
                                                       [this](const control_request& r) { return control(r); });
            m_pacer->attach(*m_control);
        }
    }
    if (!out_dir.empty()) {
        m_out = std::make_unique<output_files>(out_dir);
        m_rec->attach(m_out.get());
        m_rec->set_live(m_pacer != nullptr);
        if (m_sc.run.hdf5)
            m_out->timeseries_hdf5(m_rec->columns(),
                                   {m_sc.name, m_sc.seed, version(), m_sc.run.step_s, m_sc.run.record_every});
        if (m_sc.run.vcd)
            m_rec->open_vcd(out_dir);
    }

    models::stack& st = m_top->battery();
    if (m_out && m_sc.run.bus_logs) {
        m_top->can().on_frame([this](const proto::can_frame& f, const sc_core::sc_time& eof, const std::string&) {
            m_out->can_frame(bus::to_s(eof), f.id, f.extended, f.rtr, f.data.data(), f.dlc);
        });
        st.rs485().on_frame([this](const bus::rs485_frame& f, std::size_t hop) {
            m_out->rs485_frame(bus::to_s(f.start), bus::to_s(f.end), hop, f.sender, f.chars, f.garbled);
        });
    }
    m_top->can().on_event([this](const sc_core::sc_time&, const std::string& node, const std::string& what) {
        event(node, "can", {{"what", what}});
    });
    st.on_step([this] { m_rec->step(); });
    m_top->on_row([this] {
        write_events(time_s()); // the earlier instants are over
        m_rec->record_row();
    });
    m_wall_start = std::chrono::steady_clock::now();
}

simulation::~simulation() {
    try {
        stop_background();
        finish();
    } catch (...) {
        // never throw from a destructor; finish() is called explicitly on the normal path
    }
}

nlohmann::ordered_json simulation::control(const control_request& r) {
    if (r.what == control_request::kind::state)
        return {{"ok", true}, {"state", state_snapshot(*m_top)}};
    // Logged as it came (replay of a wall-clock run); the event itself is then logged by the
    // dispatch exactly as a scenario's own.
    event("control", "host_request", nlohmann::json::parse(r.event_json));
    try {
        inject(r.event_json, "control port");
    } catch (const std::exception& e) {
        // Refused like a scenario's event: the reader's message (key, what was expected).
        return {{"ok", false}, {"error", e.what()}};
    }
    return {{"ok", true}, {"t_s", time_s()}};
}

void simulation::start_background() {
    if (!m_pacer)
        throw std::logic_error("start_background: only in wall-clock mode (run.realtime)");
    if (m_background.joinable())
        throw std::logic_error("start_background: already started");
    if (m_finished)
        throw std::logic_error("simulation already finished");
    m_background_done.store(false);
    m_background = std::thread([this] {
        try {
            run();
        } catch (...) {
            m_background_error = std::current_exception();
        }
        m_background_done.store(true);
        m_commands.cancel_all();
    });
}

void simulation::wait_background() {
    if (!m_background.joinable())
        return;
    m_background.join();
    m_commands.cancel_all();
    if (auto e = std::exchange(m_background_error, nullptr))
        std::rethrow_exception(e);
}

void simulation::stop_background() {
    if (!m_background.joinable())
        return;
    request_stop();
    if (m_pacer)
        m_pacer->wake();
    wait_background();
}

nlohmann::ordered_json simulation::call(const std::function<nlohmann::ordered_json()>& fn) {
    if (!background_running())
        return fn();
    return m_commands.post(fn).get();
}

nlohmann::ordered_json simulation::state() {
    return call([this] { return state_snapshot(*m_top); });
}

double simulation::time_s() const { return bus::to_s(sc_core::sc_time_stamp()); }

void simulation::inject(const std::string& event_yaml, const std::string& origin) {
    if (background_running() && std::this_thread::get_id() != m_background.get_id()) {
        call([&] {
            inject(event_yaml, origin);
            return nlohmann::ordered_json();
        });
        return;
    }
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
    m_dispatch->check(e);
    if (e.t_s <= now_s) {
        while (sc_core::sc_pending_activity_at_current_time())
            sc_core::sc_start(sc_core::SC_ZERO_TIME);
        m_dispatch->apply(e);
        return;
    }
    // Later: among the pending scenario events, after those at the same instant.
    const auto first = m_sc.events.begin() + static_cast<std::ptrdiff_t>(m_next_event);
    const auto at = std::upper_bound(first, m_sc.events.end(), e.t_s,
                                     [](double t, const timed_event& x) { return t < x.t_s; });
    m_sc.events.insert(at, e);
}

void simulation::settle_now() {
    // Let everything scheduled for this very instant run, so a row due now is recorded now.
    while (!bms_failed() && sc_core::sc_pending_activity_at_current_time())
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
    check_bms_failure();
}

bool simulation::bms_failed() const { return m_top->battery().bms_failure() != nullptr; }

void simulation::check_bms_failure() {
    // A module's firmware crashed or hung: it stopped the kernel (sc_stop) at that instant; the
    // run ends here with its message (the outputs so far stay complete: finish() still runs).
    if (const std::string* f = m_top->battery().bms_failure())
        throw bms_failure(*f);
}

void simulation::advance_to(double t_s) {
    if (m_pacer) {
        // Wall-clock mode: the pacer runs the kernel and serves host input; a stop request ends
        // the advance early at a consistent instant (run_until returns, run() sees the flag).
        m_pacer->advance_to(t_s, m_stop);
        check_bms_failure();
        settle_now();
        write_events(time_s());
        m_rec->flush_files();
        return;
    }
    // With an interrupt check: slices of at most 1 s simulated, the check between them when its
    // wall-time period has passed. Slice boundaries change nothing: the kernel runs the same
    // events in the same order, only returning to us in between (as run()'s chunks do).
    constexpr double slice_s = 1.0;
    for (double now_s = time_s(); t_s > now_s; now_s = time_s()) {
        if (!m_interrupt_check || t_s - now_s <= slice_s) {
            sc_core::sc_start(sc_core::sc_time(t_s - now_s, sc_core::SC_SEC)); // the last (or only) slice
            check_bms_failure();
            break;
        }
        sc_core::sc_start(sc_core::sc_time(slice_s, sc_core::SC_SEC));
        check_bms_failure();
        const auto wall = std::chrono::steady_clock::now();
        if (std::chrono::duration<double>(wall - m_last_interrupt_check).count() >= m_interrupt_period_s) {
            m_last_interrupt_check = wall;
            if (m_interrupt_check()) {
                settle_now();
                m_rec->flush_files();
                throw interrupted(time_s());
            }
        }
    }
    settle_now();
    write_events(time_s());
    m_rec->flush_files(); // the caller may read the files now
}

bms_failure::bms_failure(const std::string& message) : std::runtime_error(message) {}

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
    if (m_background.joinable() && std::this_thread::get_id() != m_background.get_id())
        throw std::logic_error("run_until: the simulation runs in the background (wall-clock mode); "
                               "use state() / inject(), or stop it");
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
    // Contact inspections (maintenance) due in simulated time come after a window's end and before
    // an event at the same instant; one that falls inside a jump happens in aging_jump().
    constexpr double never = std::numeric_limits<double>::infinity();
    for (;;) {
        const double t_event = m_next_event < m_sc.events.size() ? m_sc.events[m_next_event].t_s : never;
        const double t_jump = m_sc.aging.enabled && m_jumps_done < m_sc.aging.windows
                                  ? static_cast<double>(m_jumps_done + 1) * m_sc.aging.window_s
                                  : never;
        const double t_inspect = std::isfinite(m_next_inspection_life_s) ? m_next_inspection_life_s - jumped_s() : never;
        const double t_next = std::min({t_event, t_jump, t_inspect});
        if (t_next > t_s)
            break;
        advance_to(t_next);
        if (m_stop.load() && time_s() < t_next)
            return; // stopped in wall-clock mode before the event's instant
        if (t_jump <= t_event && t_jump <= t_inspect)
            aging_jump();
        else if (t_inspect <= t_event)
            inspect_contacts();
        else
            m_dispatch->apply(m_sc.events[m_next_event++]);
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
    if (m_sc.maintenance.enabled)
        jump_contacts();
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
    m_rec->record_row();
}

double simulation::jumped_s() const {
    return m_sc.aging.enabled ? static_cast<double>(m_jumps_done) * m_sc.aging.jump_s : 0.0;
}

void simulation::jump_contacts() {
    // The contacts live through the jump; an inspection due inside it splits it there.
    models::stack& st = m_top->battery();
    num::stack_network& pn = st.plant().power_network();
    double life_s = time_s() + jumped_s();
    const double end_s = life_s + m_sc.aging.jump_s;
    // In pieces of one window, so a resistance limit crossed inside the jump is logged with the
    // life day it was crossed (to within a window).
    const double piece_s = m_sc.aging.window_s;
    while (life_s < end_s) {
        const double next_s = std::min({end_s, life_s + piece_s, m_next_inspection_life_s});
        pn.jump_contacts(next_s - life_s);
        life_s = next_s;
        st.report_contact_limits(life_s / 86400.0);
        if (life_s >= m_next_inspection_life_s)
            inspect_contacts(life_s);
    }
    pn.start_contact_windows();
}

void simulation::inspect_contacts(double life_s) {
    if (!std::isfinite(life_s))
        life_s = time_s() + jumped_s();
    models::stack& st = m_top->battery();
    std::vector<std::string> loose;
    const nlohmann::json report = m_sc.maintenance.inspect(st, life_s, ++m_inspections_done, loose);
    for (const auto& c : report["contacts"])
        if (c["found_loose"].get<bool>())
            event("maintenance", "found_loose",
                  {{"contact", c["contact"]}, {"life_days", life_s / 86400.0}, {"torque_before_nm", c["torque_before_nm"]},
                   {"torque_after_nm", c["torque_after_nm"]}, {"r_before_uohm", c["r_before_uohm"]},
                   {"r_after_uohm", c["r_after_uohm"]}});
    event("maintenance", "inspection", report);
    st.report_contact_limits(life_s / 86400.0); // a re-torqued contact is below the limit again
    m_next_inspection_life_s += m_sc.maintenance.inspect_every_s;
}

bool simulation::run(const std::function<void(double, double)>& progress) {
    const double end = m_sc.run.duration_s;
    // Chunks for the progress callback (an unbounded wall-clock run: 1 s).
    const double chunk = std::isfinite(end) ? std::max(m_sc.run.step_s, std::min(60.0, end / 100.0)) : 1.0;
    while (time_s() < end - 1e-12) {
        if (m_stop.load())
            return false;
        run_until(std::min(end, time_s() + chunk));
        if (progress)
            progress(time_s(), std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall_start).count());
    }
    return true;
}

bool simulation::expectations_passed() const {
    return std::all_of(m_results.begin(), m_results.end(), [](const expectation_result& r) { return r.passed; });
}

void simulation::event(const std::string& source, const std::string& kind, const nlohmann::json& details) {
    event_at(time_s(), source, kind, details);
}

void simulation::event_at(double t_s, const std::string& source, const std::string& kind, const nlohmann::json& details) {
    // Ordered by time, and within one instant by source (stably: each source's own events in the
    // order it reported them), not in the order in which the kernel happened to run the
    // processes of that instant. An event may be ahead of now (event_sink::event_at), never
    // behind it. Events reach events.jsonl once the simulation has moved past their instant
    // (write_events), so the file holds the same order.
    const double now_s = time_s();
    const double t = std::max(t_s, now_s);
    auto at = m_event_log.end();
    while (at != m_event_log.begin() &&
           (std::prev(at)->t_s > t || (std::prev(at)->t_s == t && std::prev(at)->source > source)))
        --at;
    m_event_log.insert(at, {t, source, kind, details.dump()});
    ++m_events;
    write_events(now_s);
}

void simulation::write_events(double before_s) {
    for (; m_events_written < m_event_log.size() && m_event_log[m_events_written].t_s < before_s; ++m_events_written) {
        const recorded_event& e = m_event_log[m_events_written];
        if (m_out)
            m_out->event(e.t_s, e.source, e.kind, e.details);
    }
}

nlohmann::json simulation::finish() {
    if (m_background.joinable() && std::this_thread::get_id() != m_background.get_id())
        stop_background(); // a run in the background ends where it stands
    if (m_finished)
        return m_summary;
    m_finished = true;
    m_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall_start).count();
    nlohmann::ordered_json realtime;
    if (m_pacer) {
        m_pacer->stop();
        realtime = m_pacer->summary();
    }
    m_top->battery().end_of_run(); // firmware: on_power_off (its last NV writes)
    m_results = evaluate_expectations(m_sc.expectations, m_rec->columns(), m_rec->times_s(), m_rec->data(), m_event_log);
    m_summary = run_summary(m_sc, *m_top, *m_rec, {time_s(), m_wall_s, m_events, m_jumps_done, realtime}, m_results);
    m_rec->close_vcd();
    write_events(std::numeric_limits<double>::infinity()); // the last instant's too
    if (m_out)
        m_out->end_of_run();
    if (m_profile.running()) {
        m_profile_result = m_profile.stop(m_summary["simulated_s"].get<double>());
        m_summary["profile"] = m_profile_result;
    }
    if (m_out)
        m_out->summary(m_summary);
    return m_summary;
}

void simulation::enable_profile() {
    if (m_finished)
        throw std::logic_error("simulation already finished");
    if (!m_profile.running())
        m_profile.start();
}

} // namespace stacksim::sim
