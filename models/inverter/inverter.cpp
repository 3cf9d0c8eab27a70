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
    SC_HAS_PROCESS(inverter);
    SC_THREAD(control_loop);
    SC_THREAD(heartbeat_loop);
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
    if (frame.extended)
        return;
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
    default: return; // other IDs: informational
    }
    if (!ok) {
        ++m_can_rejected; // malformed frame from outside: counted and logged, the simulation goes on
        m_events.event(name(), "can_rejected", {{"id", frame.id}, {"dlc", frame.dlc}});
        return;
    }
    m_view.last_battery_frame_s = now_s;
    // SMA leaves standby only with a fresh 0x355 (its watchdog ID); the others with any frame.
    if (m_standby && (m_cfg.protocol != "sma" || frame.id == 0x355)) {
        m_standby = false;
        m_events.event(name(), "battery_back", {});
    }
    if (limits_changed)
        apply_limits_now();
}

void inverter::apply_limits_now() {
    // A lowered limit acts at the end of the frame that carried it (not at the next control tick).
    if (!m_view.limits_valid || m_standby)
        return;
    const double hi = m_view.charge_enable ? std::max(0.0, m_view.ccl_a) : 0.0;
    const double lo = m_view.discharge_enable ? -std::max(0.0, m_view.dcl_a) : 0.0;
    if (m_command_a > hi || m_command_a < lo)
        command(std::clamp(m_command_a, lo, hi));
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
    const bool asked = m_view.limits_valid && !m_standby &&
                       (m_view.full_charge_request || m_view.force_charge_1 || m_view.force_charge_2);
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

void inverter::control_loop() {
    const sc_core::sc_time period(m_cfg.control_period_s, sc_core::SC_SEC);
    for (;;) {
        const double now_s = sc_core::sc_time_stamp().to_seconds();
        const double last_s = m_cfg.protocol == "sma" ? m_view.last_355_s : m_view.last_battery_frame_s;
        if (m_view.limits_valid && !m_standby && now_s - last_s >= m_cfg.battery_timeout_s) {
            m_standby = true;
            m_events.event(name(), "battery_silent",
                           {{"last_frame_s", last_s}, {"protocol", m_cfg.protocol}});
        }
        const double v = dc_port->dc_voltage_v();
        const double p_w = power_request_w(now_s, v);
        m_requested_a = v > 1.0 ? p_w / v : 0.0;

        double cmd = 0.0;
        bool cv = false;
        if (m_cfg.dc_only) {
            cmd = m_requested_a;
        } else if (m_view.limits_valid && !m_standby) {
            const double ccl = m_view.charge_enable ? std::max(0.0, m_view.ccl_a) : 0.0;
            const double dcl = m_view.discharge_enable ? std::max(0.0, m_view.dcl_a) : 0.0;
            cmd = std::clamp(m_requested_a, -dcl, ccl);
            // CC/CV: an integrating regulator on the DC voltage. Its state is the last charge
            // command (anti-windup: it never exceeds what is asked or allowed); each period it
            // moves by gain x (CVL - v), so with a stack resistance R the voltage error decays
            // by (1 - gain R) per period: stable for gain R < 2, no overshoot for gain R < 1.
            if (cmd > 0.0 && m_view.cvl_v > 0.0) {
                const double cv_limit = std::max(0.0, std::max(0.0, m_command_a) +
                                                          m_cfg.cv_gain_a_per_v * (m_view.cvl_v - v));
                if (cv_limit < cmd) {
                    cmd = cv_limit;
                    cv = true;
                }
            }
        }
        m_in_cv = cv;
        command(cmd);
        const double p_dc = cmd * v;
        const double eta = efficiency_at(p_dc);
        m_ac_power_w = p_dc >= 0 ? p_dc / eta : p_dc * eta;
        m_grid_w = m_cfg.battery_power_w.t_s.empty()
                       ? m_cfg.load_w.at(now_s) - m_cfg.pv_w.at(now_s) + m_ac_power_w
                       : 0.0;
        sc_core::wait(period);
    }
}

void inverter::heartbeat_loop() {
    const sc_core::sc_time period(m_cfg.heartbeat_period_s, sc_core::SC_SEC);
    for (;;) {
        sc_core::wait(period);
        if (!m_heartbeat_on)
            continue;
        if (m_cfg.protocol == "sma") {
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
        } else if (m_cfg.protocol == "victron") {
            can_send(proto::encode_305_pylon());
            can_send(proto::make_can_frame(0x306, {0, 0, 0, 0, 0, 0, 0, 0}));
            // Venus OS identification pattern, captured from a GX (protocols.md §1.4, S13).
            can_send(proto::make_can_frame(0x307, {0x12, 0x34, 0x56, 0x78, 0x56, 0x49, 0x43, 0x00}));
        } else {
            can_send(proto::encode_305_pylon());
        }
    }
}

} // namespace stacksim::models
