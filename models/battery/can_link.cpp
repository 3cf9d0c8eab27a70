#include "battery/can_link.h"

namespace stacksim::models {

can_link::can_link(const sc_core::sc_module_name& name, const can_link_config& cfg, bms& own, stack_master& master,
                   event_sink& events)
    : sc_core::sc_module(name), bus::can_host("can_tx"), m_cfg(cfg), m_own(own), m_master(master), m_events(events) {
    SC_HAS_PROCESS(can_link);
    SC_THREAD(cycle_loop);
}

void can_link::cycle_loop() {
    const sc_core::sc_time period(m_cfg.period_s, sc_core::SC_SEC);
    sc_core::wait(sc_core::sc_time(m_cfg.first_s, sc_core::SC_SEC));
    for (;;) {
        const sc_core::sc_time cycle_start = sc_core::sc_time_stamp();
        // A fresh measurement of the master's own module, sampled at this instant.
        sc_core::wait(m_own.measured_event());
        m_master.update_aggregate();
        const stack_aggregate& agg = m_master.aggregate();
        proto::battery_can_state st;
        st.cvl_v = agg.cvl_v;
        st.ccl_a = agg.ccl_a;
        st.dcl_a = agg.dcl_a;
        st.dvl_v = agg.dvl_v;
        st.soc_pct = agg.soc_pct;
        st.soh_pct = agg.soh_pct;
        st.soc_hires_pct = agg.soc_pct;
        st.voltage_v = agg.voltage_v;
        st.current_a = agg.current_a;
        st.temp_c = agg.temp_c;
        st.module_count = static_cast<std::uint8_t>(agg.modules_present);
        st.charge_enable = agg.charge_enable;
        st.discharge_enable = agg.discharge_enable;
        const std::vector<proto::can_frame> frames = proto::encode_message_set(m_cfg.messages, st);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            if (i > 0 && m_cfg.spacing_s > 0)
                sc_core::wait(sc_core::sc_time(m_cfg.spacing_s, sc_core::SC_SEC));
            can_send(frames[i]);
        }
        // Heartbeat supervision of the inverter's 0x305.
        const double now_s = sc_core::sc_time_stamp().to_seconds();
        if (!m_heartbeat_lost && now_s - m_last_heartbeat_s > m_cfg.heartbeat_timeout_s) {
            m_heartbeat_lost = true;
            m_events.event(name(), "heartbeat_lost", {{"last_0x305_s", m_last_heartbeat_s}});
        }
        sc_core::wait(cycle_start + period - sc_core::sc_time_stamp());
    }
}

void can_link::can_receive(const proto::can_frame& frame) {
    if (frame.id == 0x305 && !frame.extended) {
        m_last_heartbeat_s = sc_core::sc_time_stamp().to_seconds();
        if (m_heartbeat_lost) {
            m_heartbeat_lost = false;
            m_events.event(name(), "heartbeat_back", {});
        }
    }
}

} // namespace stacksim::models
