#include "battery/bms.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "numeric/interpolate.h"
#include "numeric/units.h"
#include "protocol/pylon_rs485.h"
#include "perf/perf_registry.h"
#include "tlm/sim_time.h"

namespace stacksim::models {

namespace {
constexpr double seconds_per_hour = 3600.0;

std::string fmt_g(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

// Linear taper from 1 at `start` to 0 at `end` (start/end may be in either order).
double taper(double x, double start, double end) {
    if (start == end)
        return x < start ? 1.0 : 0.0;
    return std::clamp((end - x) / (end - start), 0.0, 1.0);
}
} // namespace

const char* prot_channel_name(prot_channel c) {
    static const char* const names[n_prot_channels] = {
        "cell_ov",   "cell_uv",      "module_ov",    "module_uv",    "charge_oc", "discharge_oc",
        "charge_ot", "charge_ut", "discharge_ot", "discharge_ut", "imbalance", "sensor"};
    return names[static_cast<std::size_t>(c)];
}

bms::bms(const sc_core::sc_module_name& name, const bms_config& cfg, const afe_config& afe_cfg, event_sink& events,
         shared_instants* instants)
    : sc_core::sc_module(name),
      bus::rs485_host("rs485"),
      afe_out("afe_out"),
      m_cfg(cfg),
      m_afe_cfg(afe_cfg),
      m_events(events),
      m_instants(instants) {
    m_report.address = cfg.address;
    m_report.capacity_ah = cfg.capacity_ah;
    // An uncalibrated module (first start) never reports more than uncalibrated_max_soc.
    m_report.calibrated = !cfg.first_start;
    m_report.soc = std::min(cfg.initial_soc, soc_ceiling());
    m_soc_ah = m_report.soc * cfg.capacity_ah;
    m_report.joined = is_master() || !cfg.wait_for_join;
    m_period = sc_core::sc_time(m_cfg.measure_period_s, sc_core::SC_SEC);
    m_conversion = sc_core::sc_time(m_afe_cfg.conversion_time_s, sc_core::SC_SEC);
    m_ntc_counts_seen.fill(std::numeric_limits<std::uint32_t>::max());
    SC_HAS_PROCESS(bms);
    SC_METHOD(measure_step); // runs at time 0: the first cycle starts then
    SC_METHOD(answer_step); // on m_answer_ev, and at the end of its own transmissions
    sensitive << m_answer_ev;
    dont_initialize();
}

// One 32-bit register, or a burst of `words` consecutive registers, over the TLM socket, as
// firmware would do it (one payload, reused). The AFE annotates the bus time of the transfer;
// it is summed, not waited (the accesses of a measurement fit in its period).
void bms::afe_access(tlm::tlm_command cmd, std::uint32_t addr, std::uint32_t* data, std::size_t words) {
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    const auto len = static_cast<unsigned>(4 * words);
    m_tx.set_command(cmd);
    m_tx.set_address(addr);
    m_tx.set_data_ptr(reinterpret_cast<unsigned char*>(data));
    m_tx.set_data_length(len);
    m_tx.set_streaming_width(len);
    m_tx.set_byte_enable_ptr(nullptr);
    m_tx.set_dmi_allowed(false);
    m_tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    afe_out->b_transport(m_tx, delay);
    ++m_afe_transactions;
    m_afe_bus_time += delay;
    if (!m_tx.is_response_ok())
        SC_REPORT_ERROR(name(), cmd == tlm::TLM_READ_COMMAND ? "AFE register read failed" : "AFE register write failed");
}

std::uint32_t bms::afe_read(std::uint32_t addr) {
    std::uint32_t value = 0;
    afe_access(tlm::TLM_READ_COMMAND, addr, &value, 1);
    return value;
}

void bms::afe_write(std::uint32_t addr, std::uint32_t value) {
    afe_access(tlm::TLM_WRITE_COMMAND, addr, &value, 1);
    if (addr == afe::REG_FAULT) // write-1-to-clear: the burst's copy follows the register
        m_results[(afe::REG_FAULT - results_first) / 4] &= ~value;
}

// The conversion's results and the flags, STATUS .. last NTC, in one burst (the unused cell
// slots and the reserved word between SC_CURRENT and NTC0 come along: the AFE reads them 0).
void bms::read_results() {
    m_results_words = (afe::REG_NTC0 - results_first) / 4 + m_afe_cfg.ntc_sensors();
    afe_access(tlm::TLM_READ_COMMAND, results_first, m_results.data(), m_results_words);
}

void bms::request_switch(bool closed) { m_switch_wanted = closed; }

const char* bms::run_button(double press_s) {
    if (press_s >= run_off_press_s) {
        set_powered(false);
        return "off";
    }
    if (press_s < run_on_press_s)
        return "ignored";
    set_powered(true);
    if (m_report.locked_out)
        m_reset_request = "run_button";
    return "on";
}

void bms::set_powered(bool on) {
    if (on == m_powered)
        return;
    m_powered = on;
    m_report.powered = on;
    m_events.event(name(), "power", {{"on", on}});
    if (on) {
        m_last_master_s = sc_core::sc_time_stamp().to_seconds();
        m_last_t_s = -1.0;
        if (m_report.locked_out)
            m_reset_request = "power_cycle"; // the lock-out is volatile: a restart clears it
    } else {
        m_answers.clear();
        drive_switch(false);
        m_report.switch_closed = false;
    }
    m_power_ev.notify(sc_core::SC_ZERO_TIME);
}

void bms::drive_switch(bool closed) {
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    if (closed && !m_switch_state && m_cfg.precharge_time_s > 0.0) {
        // Closing goes through the precharge path first (resistor + its own switch), then the
        // main switch closes and the precharge path opens.
        if (!m_precharging) {
            m_precharging = true;
            m_precharge_since_s = now_s;
            afe_write(afe::REG_DRIVE, afe_read(afe::REG_DRIVE) | 2u);
            m_events.event(name(), "precharge", {{"closed", true}, {"for_s", m_cfg.precharge_time_s}});
            return;
        }
        if (now_s - m_precharge_since_s < m_cfg.precharge_time_s - 1e-9)
            return;
    }
    if (closed == m_switch_state) {
        if (!closed && m_precharging) { // a close request withdrawn while precharging
            m_precharging = false;
            afe_write(afe::REG_DRIVE, afe_read(afe::REG_DRIVE) & ~2u);
            m_events.event(name(), "precharge", {{"closed", false}});
        }
        return;
    }
    m_switch_state = closed;
    m_precharging = false;
    const std::uint32_t drive = afe_read(afe::REG_DRIVE) & ~2u; // precharge path open either way
    afe_write(afe::REG_DRIVE, closed ? (drive | 1u) : (drive & ~1u));
    nlohmann::json why = {{"closed", closed}, {"protection", m_report.protection_bits}};
    if (!closed)
        why["reason"] = !m_powered                 ? "power_off"
                        : m_report.protection      ? "protection"
                        : m_report.master_lost     ? "master_lost"
                        : !m_switch_wanted         ? "requested"
                                                   : "not_joined";
    m_events.event(name(), "switch", why);
}

void bms::measure_step() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (m_converting) {
        m_converting = false;
        read_results();
        if (!(result(afe::REG_STATUS) & 1u))
            SC_REPORT_ERROR(name(), "AFE conversion not complete after its conversion time");
        if (m_powered) {
            measure();
            m_measured.notify(sc_core::SC_ZERO_TIME);
            wake_at(m_cycle_start + m_period);
            return;
        }
    }
    // A cycle starts. The switch closes at start-up unless a protection is active (sequencing:
    // docs/models/bms.md).
    if (!m_powered) {
        next_trigger(m_power_ev);
        return;
    }
    m_cycle_start = now;
    afe_write(afe::REG_CTRL, 1u);
    m_converting = true;
    wake_at(now + m_conversion);
}

void bms::wake_at(const sc_core::sc_time& t) {
    if (m_instants)
        next_trigger(m_instants->at(t));
    else
        next_trigger(t - sc_core::sc_time_stamp());
}

void bms::measure() {
    const perf::scope perf_scope(perf::layer::afe_bms);
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    const std::size_t n = m_afe_cfg.cells;
    m_report.cell_v.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        m_report.cell_v[k] = result(afe::REG_CELL0 + 4 * static_cast<std::uint32_t>(k)) * m_afe_cfg.cell_lsb_v;
    const std::size_t n_ntc = m_afe_cfg.ntc_sensors();
    m_report.temp_k.resize(n_ntc);
    for (std::size_t s = 0; s < n_ntc; ++s) {
        const std::uint32_t counts = result(afe::REG_NTC0 + 4 * static_cast<std::uint32_t>(s));
        if (counts != m_ntc_counts_seen[s]) {
            m_ntc_counts_seen[s] = counts;
            m_ntc_temp_k_seen[s] = afe::ntc_counts_to_temp_k(counts, m_afe_cfg);
        }
        m_report.temp_k[s] = m_ntc_temp_k_seen[s];
    }
    m_report.stack_v = 0.0;
    for (double v : m_report.cell_v)
        m_report.stack_v += v;
    m_report.voltage_v = result(afe::REG_MODULE_V) * m_afe_cfg.module_lsb_v;
    m_report.current_a =
        static_cast<double>(static_cast<std::int32_t>(result(afe::REG_CURRENT))) * m_afe_cfg.current_lsb_a;

    // Coulomb counting (rectangle rule over the measurement period).
    const double dt_s = m_last_t_s < 0 ? 0.0 : now_s - m_last_t_s;
    m_last_t_s = now_s;
    const double dq_ah = m_report.current_a * dt_s / seconds_per_hour;
    m_soc_ah = std::clamp(m_soc_ah + dq_ah, 0.0, soc_ceiling() * m_cfg.capacity_ah);
    m_throughput_ah += std::abs(dq_ah);
    m_report.soc = m_soc_ah / m_cfg.capacity_ah;
    m_report.remaining_ah = m_soc_ah;
    m_report.cycles = static_cast<std::uint32_t>(m_throughput_ah / (2.0 * m_cfg.capacity_ah));
    m_report.time_s = now_s;

    recalibrate(dt_s, dq_ah);
    protect(dt_s);
    if (!is_master()) {
        const bool lost = now_s - m_last_master_s > m_cfg.master_timeout_s;
        if (lost != m_report.master_lost) {
            m_report.master_lost = lost;
            m_events.event(name(), lost ? "master_lost" : "master_back",
                           {{"silent_s", now_s - m_last_master_s}, {"timeout_s", m_cfg.master_timeout_s}});
        }
    }
    compute_limits();
    balance();
    drive_switch(m_switch_wanted && !m_report.protection && !m_report.master_lost && m_report.joined);
    m_report.switch_closed = m_switch_state;
}

inline void bms::update_level(std::size_t ch, bool warning, double value, double dt_s) {
    const auto c = static_cast<prot_channel>(ch);
    const protection_pair& pp = m_cfg.protection.channel[ch];
    const protection_level& lv = warning ? pp.warning : pp.protection;
    std::uint32_t& bits = warning ? m_report.warning_bits : m_report.protection_bits;
    double& timer_s = m_prot_timer_s[ch][warning ? 0 : 1];
    const std::uint32_t f = flag(c);
    const bool high = prot_channel_high_side(c);
    constexpr double eps = 1e-9;
    if (bits & f) {
        const bool back = high ? value <= lv.clear : value >= lv.clear;
        timer_s = back ? timer_s + dt_s : 0.0;
        if (back && timer_s >= lv.clear_delay_s - eps) {
            bits &= ~f;
            timer_s = 0.0;
        }
    } else {
        const bool beyond = high ? value >= lv.set : value <= lv.set;
        timer_s = beyond ? timer_s + dt_s : 0.0;
        if (beyond && timer_s >= lv.delay_s - eps) {
            bits |= f;
            timer_s = 0.0;
        }
    }
}

void bms::protect(double dt_s) {
    const auto& p = m_cfg.protection;
    const double vmax = *std::max_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const double vmin = *std::min_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const double tmax_c = *std::max_element(m_report.temp_k.begin(), m_report.temp_k.end()) - num::zero_celsius_k;
    const double tmin_c = *std::min_element(m_report.temp_k.begin(), m_report.temp_k.end()) - num::zero_celsius_k;
    clear_lockout_if_due();
    const std::uint32_t prot_before = m_report.protection_bits;
    const std::uint32_t warn_before = m_report.warning_bits;

    // Sensor faults: open sense wires the AFE reports, and implausible NTC readings. A faulty
    // NTC is left out of the temperature protections (its reading is not trusted).
    std::uint32_t faults = 0;
    for (std::uint32_t w = result(afe::REG_OPEN_WIRE); w; w &= w - 1)
        ++faults;
    double tmax_ok_c = -1e9, tmin_ok_c = 1e9;
    for (double t_k : m_report.temp_k) {
        const double t_c = t_k - num::zero_celsius_k;
        if (t_c < p.ntc_min_c || t_c > p.ntc_max_c) {
            ++faults;
            continue;
        }
        tmax_ok_c = std::max(tmax_ok_c, t_c);
        tmin_ok_c = std::min(tmin_ok_c, t_c);
    }
    if (tmax_ok_c < tmin_ok_c) { // no plausible sensor left: use the readings as they are
        tmax_ok_c = tmax_c;
        tmin_ok_c = tmin_c;
    }
    m_report.sensor_faults = faults;

    std::array<double, n_prot_channels> value{};
    value[static_cast<std::size_t>(prot_channel::cell_ov)] = vmax;
    value[static_cast<std::size_t>(prot_channel::cell_uv)] = vmin;
    // The module's own voltage is its stack of cells, as a BQ76952-class monitor measures it on
    // the cell side of the switch; the terminal reading (REG_MODULE_V) shows the bus behind an
    // open switch (0 V when the bus is dead) and says nothing about the cells.
    value[static_cast<std::size_t>(prot_channel::module_ov)] = m_report.stack_v;
    value[static_cast<std::size_t>(prot_channel::module_uv)] = m_report.stack_v;
    value[static_cast<std::size_t>(prot_channel::charge_oc)] = m_report.current_a;
    value[static_cast<std::size_t>(prot_channel::discharge_oc)] = -m_report.current_a;
    value[static_cast<std::size_t>(prot_channel::charge_ot)] = tmax_ok_c;
    value[static_cast<std::size_t>(prot_channel::charge_ut)] = tmin_ok_c;
    value[static_cast<std::size_t>(prot_channel::discharge_ot)] = tmax_ok_c;
    value[static_cast<std::size_t>(prot_channel::discharge_ut)] = tmin_ok_c;
    value[static_cast<std::size_t>(prot_channel::imbalance)] = vmax - vmin;
    value[static_cast<std::size_t>(prot_channel::sensor)] = static_cast<double>(faults);
    // An open sense wire makes the cell readings (and their sum) meaningless: cell and module
    // voltage protections then only act through the sensor channel.
    const bool cells_valid = result(afe::REG_OPEN_WIRE) == 0;
    for (std::size_t ch = 0; ch < n_prot_channels; ++ch) {
        const auto c = static_cast<prot_channel>(ch);
        if (!cells_valid && (c == prot_channel::cell_ov || c == prot_channel::cell_uv || c == prot_channel::imbalance ||
                             c == prot_channel::module_ov || c == prot_channel::module_uv))
            continue;
        update_level(ch, true, value[ch], dt_s);
        // A lock-out holds the over-current protections that caused it (no automatic recovery).
        if (!(m_report.locked_out && (m_lockout_cause & flag(c))))
            update_level(ch, false, value[ch], dt_s);
    }

    // Short circuit: tripped by the AFE's comparator (it has opened the switch already). The event
    // reports the fault current's magnitude the comparator latched, not the current measured now.
    auto sc_trip_current_a = [&] {
        return std::abs(static_cast<double>(static_cast<std::int32_t>(result(afe::REG_SC_CURRENT))) *
                        m_afe_cfg.current_lsb_a);
    };
    if (result(afe::REG_FAULT) & 1u) {
        if (!(m_report.protection_bits & prot_short_circuit)) {
            m_report.protection_bits |= prot_short_circuit;
            m_sc_time_s = 0.0;
            m_switch_state = false; // opened by the AFE hardware
            m_events.event(name(), "switch", {{"closed", false}, {"by", "afe_short_circuit"}});
        } else if (!(m_report.locked_out && (m_lockout_cause & prot_short_circuit)) &&
                   (m_sc_time_s += dt_s) >= p.short_circuit_recover_s - 1e-9) {
            afe_write(afe::REG_FAULT, 1u); // re-arm
            m_report.protection_bits &= ~prot_short_circuit;
        }
    }

    m_report.protection = (m_report.protection_bits & ~charge_only_mask) != 0;
    auto report_changes = [&](const char* kind, std::uint32_t before, std::uint32_t now) {
        if (before == now)
            return;
        for (std::size_t ch = 0; ch <= n_prot_channels; ++ch) {
            const std::uint32_t f = ch < n_prot_channels ? flag(static_cast<prot_channel>(ch)) : prot_short_circuit;
            if ((before ^ now) & f) {
                const char* nm = ch < n_prot_channels ? prot_channel_name(static_cast<prot_channel>(ch))
                                                      : "short_circuit";
                const double v = ch < n_prot_channels ? value[ch] : sc_trip_current_a();
                m_events.event(name(), kind,
                               {{"channel", nm}, {"state", (now & f) ? "trip" : "recover"}, {"value", v},
                                {"active", now}, {"cell_max_v", vmax}, {"cell_min_v", vmin},
                                {"current_a", m_report.current_a}});
            }
        }
    };
    report_changes("warning", warn_before, m_report.warning_bits);
    report_changes("protection", prot_before, m_report.protection_bits);
    lock_out_if_due(prot_before);
    m_report.protection = (m_report.protection_bits & ~charge_only_mask) != 0;
}

namespace {
constexpr std::uint32_t oc_mask =
    bms::flag(prot_channel::charge_oc) | bms::flag(prot_channel::discharge_oc) | bms::prot_short_circuit;

// "charge_oc", "discharge_oc+short_circuit", ...: the over-current bits among `bits`.
std::string oc_names(std::uint32_t bits) {
    std::string s;
    for (std::size_t ch = 0; ch <= n_prot_channels; ++ch) {
        const std::uint32_t f = ch < n_prot_channels ? bms::flag(static_cast<prot_channel>(ch)) : bms::prot_short_circuit;
        if (bits & oc_mask & f)
            s += (s.empty() ? "" : "+") +
                 std::string(ch < n_prot_channels ? prot_channel_name(static_cast<prot_channel>(ch)) : "short_circuit");
    }
    return s;
}
} // namespace

// Over-current lock-out, clearing: a manual reset (RUN button, power cycle) or the timeout.
// Runs before this measurement's channel updates, so the held over-current protections clear
// (with their recover events) in the same measurement and the switch recloses at its end.
void bms::clear_lockout_if_due() {
    const char* why = m_reset_request;
    m_reset_request = nullptr;
    if (!m_report.locked_out)
        return;
    const auto& p = m_cfg.protection;
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    if (!why && p.oc_lockout_timeout_s > 0 && now_s - m_lockout_since_s >= p.oc_lockout_timeout_s - 1e-9)
        why = "timeout";
    if (!why)
        return;
    // The held over-current protections go with it (a manual reset acknowledges them), the
    // comparator is re-armed, the trip history starts afresh.
    m_report.locked_out = false;
    m_report.protection_bits &= ~(prot_lockout | m_lockout_cause);
    for (prot_channel c : {prot_channel::charge_oc, prot_channel::discharge_oc})
        m_prot_timer_s[static_cast<std::size_t>(c)][1] = 0.0;
    if (m_lockout_cause & prot_short_circuit)
        afe_write(afe::REG_FAULT, 1u);
    m_events.event(name(), "lockout",
                   {{"state", "cleared"}, {"reason", why}, {"cause", oc_names(m_lockout_cause)},
                    {"locked_s", now_s - m_lockout_since_s}});
    m_lockout_cause = 0;
    m_oc_trips_s.clear();
}

// Over-current lock-out, setting (a BQ769x2-style latch on a count of over-current trips; here
// within a sliding window). prot_before: the bits before this measurement's channel updates.
void bms::lock_out_if_due(std::uint32_t prot_before) {
    const auto& p = m_cfg.protection;
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    const std::uint32_t new_trips = m_report.protection_bits & ~prot_before & oc_mask;
    if (!new_trips || m_report.locked_out)
        return;
    m_oc_trips_s.push_back(now_s);
    m_oc_trips_s.erase(std::remove_if(m_oc_trips_s.begin(), m_oc_trips_s.end(),
                                      [&](double t) { return now_s - t > p.oc_lockout_window_s + 1e-9; }),
                       m_oc_trips_s.end());
    if (p.oc_lockout_trips == 0 || m_oc_trips_s.size() < p.oc_lockout_trips)
        return;
    m_report.locked_out = true;
    m_lockout_since_s = now_s;
    m_lockout_cause = m_report.protection_bits & oc_mask;
    m_report.protection_bits |= prot_lockout;
    const std::string cleared_by =
        p.oc_lockout_timeout_s > 0
            ? "RUN button, power cycle, or by itself after " + fmt_g(p.oc_lockout_timeout_s) + " s"
            : "RUN button or power cycle";
    m_events.event(name(), "lockout",
                   {{"state", "set"},
                    {"reason", std::to_string(m_oc_trips_s.size()) + " over-current trips within " +
                                   fmt_g(p.oc_lockout_window_s) + " s, the last on " + oc_names(new_trips)},
                    {"cause", oc_names(m_lockout_cause)},
                    {"trips", m_oc_trips_s.size()},
                    {"trip_times_s", m_oc_trips_s},
                    {"window_s", p.oc_lockout_window_s},
                    {"cleared_by", cleared_by}});
}

double bms::soc_ceiling() const { return m_report.calibrated ? 1.0 : m_cfg.soc.uncalibrated_max_soc; }

void bms::set_soc(double soc, const char* reason) {
    const double before = m_report.soc;
    soc = std::min(soc, soc_ceiling());
    m_soc_ah = soc * m_cfg.capacity_ah;
    m_report.soc = soc;
    m_report.remaining_ah = m_soc_ah;
    m_events.event(name(), "soc_recalibrated", {{"reason", reason}, {"from", before}, {"to", soc}});
}

void bms::recalibrate(double dt_s, double dq_ah) {
    const auto& c = m_cfg.soc;
    const double i_a = m_report.current_a;
    m_ah_since_full += dq_ah;
    // Rest: OCV at the ends of the plateau.
    if (std::abs(i_a) < c.rest_current_a) {
        m_rest_s += dt_s;
    } else {
        m_rest_s = 0.0;
        m_rest_done = false;
    }
    if (!m_rest_done && m_rest_s >= c.rest_time_s - 1e-9 && m_report.sensor_faults == 0) {
        m_rest_done = true;
        double mean_v = 0.0;
        for (double v : m_report.cell_v)
            mean_v += v;
        mean_v /= static_cast<double>(m_report.cell_v.size());
        if (mean_v <= c.low_v.back()) {
            const double soc = num::interp_clamped(c.low_v, c.low_soc, mean_v);
            set_soc(soc, "rest_ocv_low");
            const double depth = 1.0 - soc;
            if (m_have_full && depth >= c.min_soh_depth && m_ah_since_full < 0) {
                const double capacity_ah = -m_ah_since_full / depth;
                m_report.soh = capacity_ah / m_cfg.capacity_ah;
                m_have_full = false;
                m_events.event(name(), "soh_update",
                               {{"capacity_ah", capacity_ah}, {"soh", m_report.soh}, {"discharged_ah", -m_ah_since_full},
                                {"depth", depth}});
            }
        } else if (mean_v >= c.high_v.front()) {
            set_soc(num::interp_clamped(c.high_v, c.high_soc, mean_v), "rest_ocv_high");
        }
    }
    // Full charge: at the CVL with the current tailing off.
    const double vmax = *std::max_element(m_report.cell_v.begin(), m_report.cell_v.end());
    if (i_a > 0 && i_a <= c.full_tail_current_a && vmax >= m_cfg.limits.cvl_cell_v - c.full_margin_v)
        m_full_s += dt_s;
    else
        m_full_s = 0.0;
    if (i_a < -c.rest_current_a)
        m_full_done = false;
    if (!m_full_done && m_full_s >= c.full_time_s - 1e-9) {
        m_full_done = true;
        const bool first = !m_report.calibrated;
        const double before = m_report.soc;
        m_report.calibrated = true; // first start: 100 % seen, the module may now work normally
        set_soc(1.0, "full_charge");
        if (first)
            m_events.event(name(), "first_start_calibrated", {{"from", before}});
        m_ah_since_full = 0.0;
        m_have_full = true;
    }
}

void bms::balance() {
    const auto& c = m_cfg.balancing;
    std::uint32_t mask = 0;
    const bool cells_valid = m_report.sensor_faults == 0 || result(afe::REG_OPEN_WIRE) == 0;
    if (c.enabled && cells_valid && !m_report.protection && m_report.current_a >= -c.max_discharge_a) {
        const double vmin = *std::min_element(m_report.cell_v.begin(), m_report.cell_v.end());
        const double vmax = *std::max_element(m_report.cell_v.begin(), m_report.cell_v.end());
        if (vmax >= c.start_v)
            for (std::size_t k = 0; k < m_report.cell_v.size(); ++k)
                if (m_report.cell_v[k] - vmin >= c.delta_v)
                    mask |= 1u << k;
    }
    if (mask != m_report.balance_mask) {
        afe_write(afe::REG_BALANCE, mask);
        m_report.balance_mask = mask;
    }
}

void bms::compute_limits() {
    const auto& l = m_cfg.limits;
    const double n = static_cast<double>(m_report.cell_v.size());
    const double vmax = *std::max_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const double vmin = *std::min_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const double tmax_c = *std::max_element(m_report.temp_k.begin(), m_report.temp_k.end()) - num::zero_celsius_k;
    const double tmin_c = *std::min_element(m_report.temp_k.begin(), m_report.temp_k.end()) - num::zero_celsius_k;
    m_report.cvl_v = l.cvl_cell_v * n;
    m_report.dvl_v = l.dvl_cell_v * n;
    const bool ok = !m_report.protection && m_switch_wanted && !m_report.master_lost && m_report.joined;
    const bool charge_ok = ok && !(m_report.protection_bits & charge_only_mask);
    const auto floor_taper = [](double x, double start, double end, double floor) {
        return floor + (1.0 - floor) * taper(x, start, end);
    };
    const double ccl_factor = taper(vmax, l.ccl_taper_start_v, l.ccl_taper_end_v) *
                              taper(tmin_c, l.ccl_cold_start_c, l.ccl_cold_end_c) *
                              taper(tmax_c, l.ccl_hot_start_c, l.ccl_hot_end_c) *
                              floor_taper(m_report.soc, l.ccl_soc_start, l.ccl_soc_end, l.ccl_soc_floor);
    const double dcl_factor = taper(vmin, l.dcl_taper_start_v, l.dcl_taper_end_v) *
                              taper(tmin_c, l.dcl_cold_start_c, l.dcl_cold_end_c) *
                              taper(tmax_c, l.dcl_hot_start_c, l.dcl_hot_end_c) *
                              floor_taper(m_report.soc, l.dcl_soc_start, l.dcl_soc_end, l.dcl_soc_floor);
    m_report.ccl_a = charge_ok ? l.ccl_a * ccl_factor : 0.0;
    m_report.dcl_a = ok ? l.dcl_a * dcl_factor : 0.0;
    m_report.charge_enable = m_report.ccl_a > 0.0;
    m_report.discharge_enable = m_report.dcl_a > 0.0;
}

proto::analog_info bms::to_analog() const {
    proto::analog_info a;
    a.adr = m_cfg.address;
    a.cell_v = m_report.cell_v;
    for (double t_k : m_report.temp_k)
        a.temp_c.push_back(t_k - num::zero_celsius_k); // one per NTC cell group
    a.current_a = m_report.current_a;
    a.voltage_v = m_report.voltage_v;
    a.remaining_ah = m_report.remaining_ah;
    a.total_ah = m_cfg.capacity_ah;
    a.cycles = m_report.cycles;
    return a;
}

proto::alarm_info bms::to_alarm() const {
    const auto& p = m_cfg.protection;
    proto::alarm_info a;
    a.adr = m_cfg.address;
    for (double v : m_report.cell_v)
        a.cell_state.push_back(v >= p[prot_channel::cell_ov].protection.set   ? proto::alarm_state::above_upper_limit
                               : v <= p[prot_channel::cell_uv].protection.set ? proto::alarm_state::below_lower_limit
                                                                             : proto::alarm_state::normal);
    const auto& ot = p[prot_channel::discharge_ot].protection;
    const auto& ut = p[prot_channel::discharge_ut].protection;
    for (double t_k : m_report.temp_k) {
        const double t_c = t_k - num::zero_celsius_k;
        a.temp_state.push_back(t_c >= ot.set   ? proto::alarm_state::above_upper_limit
                               : t_c <= ut.set ? proto::alarm_state::below_lower_limit
                                               : proto::alarm_state::normal);
    }
    // Status 1 from the active protections (the master maps them back, stack_master.cpp).
    const std::uint32_t b = m_report.protection_bits;
    a.cell_under_voltage = b & flag(prot_channel::cell_uv);
    a.module_under_voltage = b & flag(prot_channel::module_uv);
    a.module_over_voltage = b & (flag(prot_channel::cell_ov) | flag(prot_channel::module_ov));
    a.charge_over_current = b & (flag(prot_channel::charge_oc) | prot_short_circuit);
    a.discharge_over_current = b & (flag(prot_channel::discharge_oc) | prot_short_circuit);
    a.charge_over_temp = b & flag(prot_channel::charge_ot);
    a.discharge_over_temp = b & flag(prot_channel::discharge_ot);
    a.charge_mosfet_on = a.discharge_mosfet_on = m_switch_state;
    a.effective_charge_current = m_report.current_a > 0.1;
    a.effective_discharge_current = m_report.current_a < -0.1;
    return a;
}

proto::management_info bms::to_management() const {
    proto::management_info m;
    m.adr = m_cfg.address;
    m.charge_voltage_limit_v = m_report.cvl_v;
    m.discharge_voltage_limit_v = m_report.dvl_v;
    m.max_charge_current_a = m_report.ccl_a;
    m.max_discharge_current_a = -m_report.dcl_a; // negative on the wire
    m.charge_enable = m_report.charge_enable;
    m.discharge_enable = m_report.discharge_enable;
    m.full_charge_request = !m_report.calibrated; // b3: first start, not yet seen 100 %
    return m;
}

proto::manufacturer_info bms::to_manufacturer() const {
    proto::manufacturer_info m;
    m.battery_name = "4K4PRO-SIM";
    m.sw_version_major = 0;
    m.sw_version_minor = 1;
    m.manufacturer = "stacksim";
    return m;
}

proto::system_parameters bms::to_system_parameters() const {
    // The module's own limits: protection thresholds (the warning level where the field is an
    // alarm), the nominal current limits. The discharge current limit is negative on the wire.
    const auto& p = m_cfg.protection;
    proto::system_parameters s;
    s.cell_high_voltage_limit_v = p[prot_channel::cell_ov].protection.set;
    s.cell_low_voltage_alarm_v = p[prot_channel::cell_uv].warning.set;
    s.cell_under_voltage_protect_v = p[prot_channel::cell_uv].protection.set;
    s.charge_high_temp_limit_c = p[prot_channel::charge_ot].protection.set;
    s.charge_low_temp_limit_c = p[prot_channel::charge_ut].protection.set;
    s.charge_current_limit_a = m_cfg.limits.ccl_a;
    s.module_high_voltage_limit_v = p[prot_channel::module_ov].protection.set;
    s.module_low_voltage_alarm_v = p[prot_channel::module_uv].warning.set;
    s.module_under_voltage_protect_v = p[prot_channel::module_uv].protection.set;
    s.discharge_high_temp_limit_c = p[prot_channel::discharge_ot].protection.set;
    s.discharge_low_temp_limit_c = p[prot_channel::discharge_ut].protection.set;
    s.discharge_current_limit_a = -m_cfg.limits.dcl_a;
    return s;
}

std::string bms::serial_number() const {
    char buf[proto::serial_number_chars + 1];
    std::snprintf(buf, sizeof buf, "STACKSIM-4K4-%03u", static_cast<unsigned>(m_cfg.address));
    return buf;
}

void bms::wait_transceiver_free() {
    while (m_tx_free > sc_core::sc_time_stamp())
        sc_core::wait(m_tx_free - sc_core::sc_time_stamp());
}

sc_core::sc_time bms::send_rs485(const std::string& chars) {
    wait_transceiver_free();
    m_tx_free = rs485_send(chars);
    return m_tx_free;
}

void bms::queue_answer(std::uint8_t rtn, const std::vector<std::uint8_t>& info, const sc_core::sc_time& request_end) {
    const sc_core::sc_time due = request_end + sc_core::sc_time(m_cfg.response_latency_s, sc_core::SC_SEC);
    m_answers.push_back({due, proto::encode_frame(m_cfg.protocol_version, m_cfg.address, proto::cid1_battery, rtn, info)});
    m_answer_ev.notify(due - sc_core::sc_time_stamp());
}

void bms::rs485_receive(const bus::rs485_frame& frame) {
    const perf::scope perf_scope(perf::layer::rs485);
    if (!m_powered)
        return;
    const proto::rs485_decoded& heard = proto::decode_frame_memo(frame.chars);
    // Most frames on the chain are another node's business: a sub leaves a sound frame for
    // another address at once, without copying the decoded frame.
    if (!is_master() && !frame.garbled && heard.ok && heard.frame.adr != m_cfg.address)
        return;
    const proto::rs485_decoded d = heard; // a copy: master_rx and the answer may decode again
    if (is_master()) {
        if (master_rx)
            master_rx(frame, d); // the poll logic: the subs' answers (it counts what it rejects)
        // Beyond that, the master's node answers requests to its own address (a host at its
        // free port); it never hears itself, so such frames come from another node.
        if (frame.garbled || !d.adr_valid || d.frame.adr != m_cfg.address)
            return;
    }
    if (frame.garbled) {
        // Collision or line noise: the UART saw framing errors. Dropped silently, counted.
        ++m_rs485_rejected;
        return;
    }
    if (!d.ok) {
        // Never act on a bad frame. Answer with its RTN only when it is certainly ours.
        ++m_rs485_rejected;
        if (d.adr_valid && d.frame.adr == m_cfg.address && d.rtn != proto::rtn::normal)
            queue_answer(static_cast<std::uint8_t>(d.rtn), {}, frame.end);
        return;
    }
    if (d.frame.adr != m_cfg.address)
        return; // for another module
    if (proto::is_return_code(d.frame.cid2)) {
        // Another node's answer carrying our address (two modules set to one address): answering
        // it would start an endless exchange. Counted, never answered.
        ++m_rs485_rejected;
        return;
    }
    m_last_master_s = frame.end.to_seconds(); // the master is alive
    std::vector<std::uint8_t> info;
    std::uint8_t rtn = static_cast<std::uint8_t>(proto::rtn::normal);
    const auto& f = d.frame;
    switch (f.cid2) {
    case 0x42:
        if (is_master() && f.info.size() == 1 && f.info[0] == 0xFF) {
            // The whole stack (protocols.md §2.1, §2.5): INFOFLAG, module count, a block each.
            std::vector<proto::analog_info> modules{to_analog()};
            if (subs_analog)
                for (proto::analog_info& a : subs_analog())
                    modules.push_back(std::move(a));
            info = proto::encode_system_analog_info(0, modules);
        } else {
            info = proto::encode_analog_info(to_analog());
        }
        break;
    case 0x44: info = proto::encode_alarm_info(to_alarm()); break;
    case 0x47: info = proto::encode_system_parameters(to_system_parameters()); break;
    case 0x92:
        if (is_master() && stack_management && f.info.size() == 1 && f.info[0] == 0xFF)
            info = proto::encode_management_info(stack_management()); // the whole stack, as on CAN
        else
            info = proto::encode_management_info(to_management());
        break;
    case 0x93: info = proto::encode_serial_number_info({m_cfg.address, serial_number()}); break;
    case 0x4F: break; // protocol version: empty INFO, version in VER
    case 0x51: info = proto::encode_manufacturer_info(to_manufacturer()); break;
    case cid2_join: {
        proto::join_info j;
        if (proto::decode_join_info(f.info, j) && j.adr == m_cfg.address) {
            const bool join = j.join;
            if (join != m_report.joined)
                m_events.event_at(bus::to_s(frame.end), name(), join ? "joined" : "join_revoked",
                                  {{"address", m_cfg.address}});
            m_report.joined = join;
            if (m_report.time_s >= 0)
                compute_limits(); // the next 0x92 already carries the module's limits
        } else {
            rtn = static_cast<std::uint8_t>(proto::rtn::info_invalid);
        }
        break;
    }
    default: rtn = static_cast<std::uint8_t>(proto::rtn::cid2_invalid); break;
    }
    ++m_rs485_answered;
    queue_answer(rtn, info, frame.end);
}

void bms::answer_step() {
    // Due answers one after another, each once the transceiver is free and the one before has
    // ended; while one is on the line, m_answer_ev is not listened to (the queue is re-checked
    // at its end).
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (!m_answer_taken && m_powered && !m_answers.empty() && m_answers.front().first <= now) {
        m_answer_chars = std::move(m_answers.front().second);
        m_answers.erase(m_answers.begin());
        m_answer_taken = true;
    }
    if (m_answer_taken) {
        if (m_tx_free > now) { // the master's own polls share the transceiver
            next_trigger(m_tx_free - now);
            return;
        }
        m_answer_taken = false;
        m_tx_free = rs485_send(m_answer_chars);
        next_trigger(m_tx_free - now);
        return;
    }
    if (!m_answers.empty())
        m_answer_ev.notify(m_answers.front().first - now);
}

} // namespace stacksim::models
