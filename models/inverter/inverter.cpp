#include "inverter/inverter.h"

#include <algorithm>
#include <cmath>

#include "numeric/interpolate.h"
#include "protocol/pylon_can.h"
#include "perf/perf_registry.h"

namespace stacksim::models {

namespace {
// SMA 0x306 (protocols.md §1.4, S3 §6): operating state 1 = operating, 4 = failure; F952
// "ExtBMSTimeout" is the error an SI shows when the battery fell silent (§1.5).
constexpr std::uint8_t sma_state_operating = 1;
constexpr std::uint8_t sma_state_failure = 4;
constexpr std::uint16_t sma_error_ext_bms_timeout = 952;
constexpr std::uint8_t sma_charge_procedure_external_bms = 10;
} // namespace

inverter::inverter(const sc_core::sc_module_name& name, const inverter_config& cfg, event_sink& events)
    : sc_core::sc_module(name),
      bus::can_host("can_tx"),
      dc_port("dc_port"),
      m_cfg(cfg),
      m_events(events),
      m_override_w(std::numeric_limits<double>::quiet_NaN()) {
    dc_port.bind(static_cast<bus::dc_bw_if&>(*this));
    m_seen.assign(m_cfg.behaviour.required_ids.size(), 0);
    m_control_period = sc_core::sc_time(m_cfg.control_period_s, sc_core::SC_SEC);
    m_heartbeat_period = sc_core::sc_time(m_cfg.behaviour.heartbeat_period_s, sc_core::SC_SEC);
    SC_HAS_PROCESS(inverter);
    // Methods: each only waits for its next period, so neither needs a thread of its own.
    SC_METHOD(control_step); // runs at time 0, then every control_period_s
    SC_METHOD(heartbeat_step); // runs at time 0 only to arm the first heartbeat a period later
    if (m_cfg.behaviour.limit_delay_s > 0)
        SC_THREAD(delay_loop);
}

double inverter::efficiency_at(double ac_power_w) const {
    const auto& x = m_cfg.efficiency_power_w;
    const auto& y = m_cfg.efficiency;
    if (x.empty() || y.size() != x.size())
        return 1.0;
    return num::interp_clamped(x, y, std::abs(ac_power_w));
}

void inverter::can_receive(const proto::can_frame& frame) {
    const perf::scope perf_scope(perf::layer::inverter);
    if (frame.extended || rs485())
        return; // an RS485 inverter has no CAN cable to the battery
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    bool ok = true;
    bool limits_changed = false;
    switch (frame.id) {
    case 0x351: {
        proto::limits_351 l;
        ok = proto::decode_351(frame, l);
        if (ok) {
            m_view.cvl_v = l.cvl_v;
            m_view.ccl_a = l.ccl_a;
            m_view.dcl_a = l.dcl_a;
            m_view.dvl_v = l.dvl_v;
            m_view.limits_valid = true;
            limits_changed = true;
        }
        break;
    }
    case 0x355: {
        proto::soc_355 s;
        ok = proto::decode_355(frame, s);
        if (ok) {
            m_view.soc_pct = s.hires_present && !std::isnan(s.soc_hires_pct) ? s.soc_hires_pct : s.soc_pct;
            m_view.soh_pct = s.soh_pct;
            m_view.last_355_s = now_s;
        }
        break;
    }
    case 0x356: {
        proto::measurements_356 m;
        ok = proto::decode_356(frame, m);
        if (ok) {
            m_view.voltage_v = m.voltage_v;
            m_view.current_a = m.current_a;
            m_view.temp_c = m.temp_c;
        }
        break;
    }
    case 0x35C: {
        proto::requests_35c r;
        ok = proto::decode_35c(frame, r);
        if (ok) {
            m_view.charge_enable = r.charge_enable;
            m_view.discharge_enable = r.discharge_enable;
            m_view.force_charge_1 = r.force_charge_1;
            m_view.force_charge_2 = r.force_charge_2;
            m_view.full_charge_request = r.full_charge_request;
            limits_changed = true;
        }
        break;
    }
    default: // other IDs: informational, they count only for the handshake
        count_for_handshake(frame.id);
        return;
    }
    if (!ok) {
        ++m_can_rejected; // malformed frame from outside: counted and logged, the simulation goes on
        m_events.event(name(), "can_rejected", {{"id", frame.id}, {"dlc", frame.dlc}});
        return;
    }
    battery_heard(frame.id, now_s);
    if (limits_changed)
        limits_received();
}

void inverter::battery_heard(std::uint32_t id, double now_s) {
    m_view.last_battery_frame_s = now_s;
    // SMA leaves standby only with a fresh 0x355 (its watchdog ID); the others with any frame.
    // A latched loss stays until restart().
    if (m_standby && !m_latched && (m_cfg.behaviour.protocol != "sma" || id == 0x355)) {
        m_standby = false;
        m_fault = false;
        m_events.event(name(), "battery_back", {});
    }
    count_for_handshake(id);
}

void inverter::count_for_handshake(std::uint32_t id) {
    // Each required frame seen required_repeats times closes the DC side.
    if (m_dc_closed)
        return;
    const auto& ids = m_cfg.behaviour.required_ids;
    bool complete = true;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == id && m_seen[i] < m_cfg.behaviour.required_repeats)
            ++m_seen[i];
        complete = complete && m_seen[i] >= m_cfg.behaviour.required_repeats;
    }
    if (complete) {
        m_dc_closed = true;
        if (m_handshake_reported) // said it was waiting: say that it is done
            m_events.event(name(), "handshake_complete", {});
    }
}

void inverter::limits_received() {
    inverter_limits l;
    l.valid = m_view.limits_valid;
    l.cvl_v = m_view.cvl_v;
    l.ccl_a = m_view.ccl_a;
    l.dcl_a = m_view.dcl_a;
    l.dvl_v = m_view.dvl_v;
    l.charge_enable = m_view.charge_enable;
    l.discharge_enable = m_view.discharge_enable;
    const double delay_s = m_cfg.behaviour.limit_delay_s;
    if (delay_s > 0) {
        m_pending.emplace_back(sc_core::sc_time_stamp().to_seconds() + delay_s, l);
        if (m_pending.size() == 1)
            m_pending_ev.notify(sc_core::sc_time(delay_s, sc_core::SC_SEC));
        return;
    }
    set_applied(l);
    apply_limits_now();
}

void inverter::delay_loop() {
    // Limits act limit_delay_s after their frame, in the order received.
    for (;;) {
        sc_core::wait(m_pending_ev);
        const double now_s = sc_core::sc_time_stamp().to_seconds();
        while (!m_pending.empty() && m_pending.front().first <= now_s + 1e-12) {
            set_applied(m_pending.front().second);
            m_pending.pop_front();
            apply_limits_now();
        }
        if (!m_pending.empty())
            m_pending_ev.notify(sc_core::sc_time(m_pending.front().first - now_s, sc_core::SC_SEC));
    }
}

double inverter::rule_limit(limit_rule rule, double received_a, double& last_nonzero_a, bool& ignoring,
                            double floor_a, const char* direction) {
    if (received_a > 0.0)
        last_nonzero_a = received_a;
    double applied = received_a;
    if (rule == limit_rule::floor)
        applied = std::max(received_a, floor_a);
    else if (rule == limit_rule::ignore_zero && received_a <= 0.0)
        applied = last_nonzero_a;
    const bool ignored = applied != received_a;
    if (ignored != ignoring) {
        ignoring = ignored;
        m_events.event(name(), ignored ? "limit_ignored" : "limit_honoured",
                       {{"direction", direction}, {"received_a", received_a}, {"applied_a", applied},
                        {"rule", limit_rule_names.name(rule)}});
    }
    return applied;
}

void inverter::set_applied(const inverter_limits& l) {
    m_lim = l;
    const auto& b = m_cfg.behaviour;
    const double ccl = l.charge_enable ? std::max(0.0, l.ccl_a) : 0.0;
    const double dcl = l.discharge_enable ? std::max(0.0, l.dcl_a) : 0.0;
    m_rule_ccl_a = rule_limit(b.charge_rule, ccl, m_last_ccl_a, m_ignoring_charge, b.charge_floor_a, "charge");
    m_rule_dcl_a = rule_limit(b.discharge_rule, dcl, m_last_dcl_a, m_ignoring_discharge, b.discharge_floor_a, "discharge");
}

double inverter::charge_limit_a(double v_v) const {
    (void)v_v;
    const auto& b = m_cfg.behaviour;
    // Ignoring or flooring the battery's limit, the inverter stops at its own end of charge.
    if (b.charge_rule != limit_rule::honour && m_view.soc_pct >= b.charge_stop_soc_pct)
        return 0.0;
    return m_rule_ccl_a;
}

double inverter::discharge_limit_a(double v_v) const {
    const auto& b = m_cfg.behaviour;
    if (b.discharge_rule != limit_rule::honour && m_view.soc_pct <= b.discharge_stop_soc_pct)
        return 0.0;
    if (b.honours_dvl && m_lim.dvl_v > 0.0 && v_v <= m_lim.dvl_v)
        return 0.0;
    return m_rule_dcl_a;
}

void inverter::apply_limits_now() {
    // A lowered limit acts when it is applied (end of its frame, or limit_delay_s later), not at
    // the next control tick; with a slew rate the control loop ramps to it instead.
    if (!m_lim.valid || !m_dc_closed || m_standby || m_cfg.behaviour.slew_a_per_s > 0)
        return;
    const double hi = charge_limit_a(std::numeric_limits<double>::quiet_NaN());
    const double lo = -discharge_limit_a(std::numeric_limits<double>::quiet_NaN());
    if (m_command_a > hi || m_command_a < lo)
        command(std::clamp(m_command_a, lo, hi));
}

void inverter::restart() {
    // A power cycle: the loss state, the handshake and the applied limits start over.
    m_latched = false;
    m_fault = false;
    m_standby = false;
    m_dc_closed = false;
    m_handshake_reported = false;
    std::fill(m_seen.begin(), m_seen.end(), 0u);
    m_view = inverter_view{};
    m_lim = inverter_limits{};
    m_pending.clear();
    m_rule_ccl_a = m_rule_dcl_a = 0.0;
    m_last_ccl_a = m_last_dcl_a = 0.0;
    m_ignoring_charge = m_ignoring_discharge = false;
    command(0.0);
    m_events.event(name(), "restart", {});
}

void inverter::on_rs485_limits(const inverter_limits& l, bool force_charge_1, bool force_charge_2, bool full_charge) {
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    m_view.cvl_v = l.cvl_v;
    m_view.ccl_a = l.ccl_a;
    m_view.dcl_a = l.dcl_a;
    m_view.dvl_v = l.dvl_v;
    m_view.charge_enable = l.charge_enable;
    m_view.discharge_enable = l.discharge_enable;
    m_view.force_charge_1 = force_charge_1;
    m_view.force_charge_2 = force_charge_2;
    m_view.full_charge_request = full_charge;
    m_view.limits_valid = true;
    m_view.last_355_s = now_s;
    battery_heard(0x351, now_s); // the limits play 0x351's part in the handshake and supervision
    limits_received();
}

void inverter::on_rs485_status(double soc_pct, double voltage_v, double current_a) {
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    m_view.soc_pct = soc_pct;
    m_view.voltage_v = voltage_v;
    m_view.current_a = current_a;
    m_view.last_355_s = now_s;
    battery_heard(0x355, now_s);
}

void inverter::command(double current_a) {
    const perf::scope perf_scope(perf::layer::inverter);
    if (current_a != m_command_a) {
        m_command_a = current_a;
        dc_port->dc_set_current(current_a);
    }
}

double inverter::power_request_w(double now_s, double v) {
    const perf::scope perf_scope(perf::layer::inverter);
    (void)v;
    if (!std::isnan(m_override_w))
        return m_override_w;
    if (!m_cfg.battery_power_w.t_s.empty())
        return m_cfg.battery_power_w.at(now_s);
    // Site model, AC side (+ = into the battery): PV surplus charges, a deficit discharges, plus
    // time-of-use charging from the grid, or at least request_charge_w while the battery asks
    // for a charge (0x35C); the grid limits bound what the grid may carry.
    const double pv = m_cfg.pv_w.at(now_s);
    const double load = m_cfg.load_w.at(now_s);
    double grid_charge_w = m_cfg.tou_charge_w.at(now_s);
    const auto& b = m_cfg.behaviour;
    const bool asked = m_view.limits_valid && !m_standby &&
                       ((b.honours_full_charge && m_view.full_charge_request) ||
                        (b.honours_force_charge && (m_view.force_charge_1 || m_view.force_charge_2)));
    const bool on_request = m_cfg.request_charge_w > 0.0 && asked;
    if (on_request != m_on_request) {
        m_on_request = on_request;
        m_events.event(name(), "charge_request",
                       {{"active", on_request}, {"full_charge", m_view.full_charge_request},
                        {"force_charge_1", m_view.force_charge_1}, {"force_charge_2", m_view.force_charge_2},
                        {"grid_charge_w", m_cfg.request_charge_w}});
    }
    if (on_request)
        grid_charge_w = std::max(grid_charge_w, m_cfg.request_charge_w);
    double ac = pv - load + grid_charge_w;
    ac = std::min(ac, pv - load + m_cfg.grid_import_limit_w);
    ac = std::max(ac, pv - load - m_cfg.grid_export_limit_w);
    const double eta = efficiency_at(ac);
    return ac >= 0 ? ac * eta : ac / eta;
}

void inverter::control_step() {
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    const auto& b = m_cfg.behaviour;
    const double last_s = b.protocol == "sma" ? m_view.last_355_s : m_view.last_battery_frame_s;
    if (m_view.limits_valid && !m_standby && now_s - last_s >= b.battery_timeout_s) {
        m_standby = true;
        m_events.event(name(), "battery_silent", {{"last_frame_s", last_s}, {"protocol", b.protocol}});
        if (b.on_loss == loss_action::fault || b.latch) {
            m_fault = b.on_loss == loss_action::fault;
            m_latched = b.latch;
            m_events.event(name(), "fault",
                           {{"heartbeat", m_fault ? "stopped" : "on"}, {"latched", m_latched}});
        }
    }
    if (m_view.limits_valid && !m_dc_closed && !m_handshake_reported) {
        // The battery talks, but not (yet) what this inverter requires before it closes.
        m_handshake_reported = true;
        nlohmann::json missing = nlohmann::json::array();
        for (std::size_t i = 0; i < b.required_ids.size(); ++i)
            if (m_seen[i] < b.required_repeats)
                missing.push_back({{"id", b.required_ids[i]}, {"seen", m_seen[i]}});
        m_events.event(name(), "handshake_waiting",
                       {{"required_repeats", b.required_repeats}, {"missing", missing}});
    }
    const double v = dc_port->dc_voltage_v();
    const double p_w = power_request_w(now_s, v);
    m_requested_a = v > 1.0 ? p_w / v : 0.0;

    double cmd = 0.0;
    bool cv = false;
    if (m_cfg.dc_only) {
        cmd = m_requested_a;
    } else if (m_lim.valid && m_dc_closed && !m_standby) {
        const double ccl = charge_limit_a(v);
        const double dcl = discharge_limit_a(v);
        cmd = std::clamp(m_requested_a, -dcl, ccl);
        // CC/CV: an integrating regulator on the DC voltage. Its state is the last charge
        // command (anti-windup: it never exceeds what is asked or allowed); each period it
        // moves by gain x (CVL - v), so with a stack resistance R the voltage error decays
        // by (1 - gain R) per period: stable for gain R < 2, no overshoot for gain R < 1.
        if (cmd > 0.0 && m_lim.cvl_v > 0.0) {
            const double cv_limit = std::max(0.0, std::max(0.0, m_command_a) +
                                                      m_cfg.cv_gain_a_per_v * (m_lim.cvl_v - v));
            if (cv_limit < cmd) {
                cmd = cv_limit;
                cv = true;
            }
        }
    }
    m_in_cv = cv;
    if (b.slew_a_per_s > 0) { // the set-point moves at most slew x period per tick
        const double step_a = b.slew_a_per_s * m_cfg.control_period_s;
        cmd = std::clamp(cmd, m_command_a - step_a, m_command_a + step_a);
    }
    command(cmd);
    const double p_dc = cmd * v;
    const double eta = efficiency_at(p_dc);
    m_ac_power_w = p_dc >= 0 ? p_dc / eta : p_dc * eta;
    m_grid_w = m_cfg.battery_power_w.t_s.empty()
                   ? m_cfg.load_w.at(now_s) - m_cfg.pv_w.at(now_s) + m_ac_power_w
                   : 0.0;
    next_trigger(m_control_period);
}

void inverter::heartbeat_step() {
    const auto& b = m_cfg.behaviour;
    next_trigger(m_heartbeat_period);
    if (!m_heartbeat_armed) { // time 0: the first heartbeat is one period in
        m_heartbeat_armed = true;
        return;
    }
    if (!m_heartbeat_on || m_fault || rs485())
        return;
    if (b.speaks_first == first_speaker::battery && m_view.last_battery_frame_s < 0)
        return; // it waits for the battery to speak first
    if (b.protocol == "sma") {
        proto::sma_305 h;
        h.voltage_v = dc_port->dc_voltage_v();
        h.current_a = dc_port->dc_current_a();
        h.temp_c = m_view.temp_c;
        h.soc_pct = m_view.soc_pct;
        can_send(proto::encode_305_sma(h));
        proto::sma_306 s;
        s.soh_pct = m_view.soh_pct;
        s.charge_procedure = sma_charge_procedure_external_bms;
        s.operating_state = m_standby ? sma_state_failure : sma_state_operating;
        s.active_error = m_standby ? sma_error_ext_bms_timeout : 0;
        s.charge_voltage_setpoint_v = m_view.cvl_v;
        can_send(proto::encode_306(s));
        can_send(proto::encode_307(proto::sma_307{}));
    } else if (b.protocol == "victron") {
        can_send(proto::encode_305_pylon());
        can_send(proto::make_can_frame(0x306, {0, 0, 0, 0, 0, 0, 0, 0}));
        // Venus OS identification pattern, captured from a GX (protocols.md §1.4, S13).
        can_send(proto::make_can_frame(0x307, {0x12, 0x34, 0x56, 0x78, 0x56, 0x49, 0x43, 0x00}));
    } else {
        can_send(proto::encode_305_pylon());
    }
}

} // namespace stacksim::models
