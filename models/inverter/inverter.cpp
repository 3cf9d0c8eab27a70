#include "inverter/inverter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "protocol/pylon_can.h"

namespace stacksim::models {

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

void inverter::can_receive(const proto::can_frame& frame) {
    if (frame.extended)
        return;
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    bool ok = true;
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
        }
        break;
    }
    case 0x355: {
        proto::soc_355 s;
        ok = proto::decode_355(frame, s);
        if (ok) {
            m_view.soc_pct = s.soc_pct;
            m_view.soh_pct = s.soh_pct;
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
    if (m_standby) {
        m_standby = false;
        m_events.event(name(), "battery_back", {});
    }
}

void inverter::control_loop() {
    const sc_core::sc_time period(m_cfg.control_period_s, sc_core::SC_SEC);
    for (;;) {
        const double now_s = sc_core::sc_time_stamp().to_seconds();
        if (m_view.limits_valid && !m_standby && now_s - m_view.last_battery_frame_s > m_cfg.battery_timeout_s) {
            m_standby = true;
            m_events.event(name(), "battery_silent", {{"last_frame_s", m_view.last_battery_frame_s}});
        }
        const double v = dc_port->dc_voltage_v();
        const double p_w = std::isnan(m_override_w) ? m_cfg.battery_power_w.at(now_s) : m_override_w;
        m_requested_a = v > 1.0 ? p_w / v : 0.0;

        double cmd = 0.0;
        if (m_view.limits_valid && !m_standby) {
            const double ccl = m_view.charge_enable ? m_view.ccl_a : 0.0;
            const double dcl = m_view.discharge_enable ? m_view.dcl_a : 0.0;
            cmd = std::clamp(m_requested_a, -dcl, ccl);
            // CV: above CVL, back the charge current off in proportion to the excess.
            if (cmd > 0.0 && m_view.cvl_v > 0.0 && v > m_view.cvl_v)
                cmd = std::max(0.0, std::min(cmd, m_command_a - m_cfg.cv_gain_a_per_v * (v - m_view.cvl_v)));
        }
        if (cmd != m_command_a) {
            m_command_a = cmd;
            dc_port->dc_set_current(cmd);
        }
        sc_core::wait(period);
    }
}

void inverter::heartbeat_loop() {
    const sc_core::sc_time period(m_cfg.heartbeat_period_s, sc_core::SC_SEC);
    for (;;) {
        sc_core::wait(period);
        can_send(proto::encode_305_pylon());
    }
}

} // namespace stacksim::models
