#include "battery/can_link.h"

#include <algorithm>

#include "perf/perf_registry.h"

namespace stacksim::models {

namespace {
constexpr double seconds_per_day = 86400.0;
}

can_link::can_link(const sc_core::sc_module_name& name, const can_link_config& cfg, bms& own, stack_master& master,
                   event_sink& events)
    : sc_core::sc_module(name), bus::can_host("can_tx"), m_cfg(cfg), m_own(own), m_master(master), m_events(events),
      m_heartbeat_watch(sc_core::sc_time(cfg.heartbeat_timeout_s, sc_core::SC_SEC)) {
    SC_HAS_PROCESS(can_link);
    SC_THREAD(cycle_loop);
    SC_THREAD(supervision);
}

void can_link::update_requests(double soc_pct, double now_s) {
    const perf::scope perf_scope(perf::layer::can);
    proto::battery_can_state& st = m_state;
    if (soc_pct <= m_cfg.force_charge_1_on_soc_pct)
        st.force_charge_1 = true;
    else if (soc_pct >= m_cfg.force_charge_1_off_soc_pct)
        st.force_charge_1 = false;
    if (soc_pct <= m_cfg.force_charge_2_on_soc_pct)
        st.force_charge_2 = true;
    else if (soc_pct >= m_cfg.force_charge_2_off_soc_pct)
        st.force_charge_2 = false;
    if (soc_pct >= m_cfg.full_charge_soc_pct)
        m_last_full_s = now_s;
    st.full_charge_request = now_s - m_last_full_s > m_cfg.full_charge_after_days * seconds_per_day;
}

void can_link::cycle_loop() {
    const sc_core::sc_time period(m_cfg.can_period_s, sc_core::SC_SEC);
    sc_core::wait(sc_core::sc_time(m_cfg.first_s, sc_core::SC_SEC));
    for (;;) {
        const sc_core::sc_time cycle_start = sc_core::sc_time_stamp();
        // A fresh measurement of the master's own module, sampled at this instant.
        sc_core::wait(m_own.measured_event());
        m_master.update_aggregate();
        const stack_aggregate& agg = m_master.aggregate();
        proto::battery_can_state& st = m_state;
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
        st.protection = agg.protection;
        st.alarm = agg.alarm;
        st.capacity_ah = m_cfg.capacity_ah;
        st.installed_capacity_ah = m_cfg.capacity_ah;
        st.modules_ok = static_cast<std::uint16_t>(agg.modules_present);
        update_requests(agg.soc_pct, sc_core::sc_time_stamp().to_seconds());
        st.full_charge_request = st.full_charge_request || agg.full_charge_request; // first start
        if (m_heartbeat_lost && m_cfg.heartbeat_reaction == heartbeat_reaction::zero_limits) {
            st.ccl_a = 0.0;
            st.dcl_a = 0.0;
            st.charge_enable = false;
            st.discharge_enable = false;
        }
        if (m_transmit_on) {
            std::vector<proto::can_frame> frames = proto::encode_message_set(m_cfg.can_message_set, st);
            if (m_cfg.identification_once && m_identified)
                frames.erase(std::remove_if(frames.begin(), frames.end(),
                                            [](const proto::can_frame& f) {
                                                return f.id == proto::can_id::manufacturer ||
                                                       f.id == proto::can_id::battery_info;
                                            }),
                             frames.end());
            m_identified = true;
            for (std::size_t i = 0; i < frames.size(); ++i) {
                if (i > 0 && m_cfg.can_spacing_s > 0)
                    sc_core::wait(sc_core::sc_time(m_cfg.can_spacing_s, sc_core::SC_SEC));
                can_send(frames[i]);
            }
        }
        sc_core::wait(cycle_start + period - sc_core::sc_time_stamp());
    }
}

void can_link::supervision() {
    // One timed wake-up per timeout, however many 0x305 arrive (common/watchdog.h).
    m_heartbeat_watch.start();
    for (;;) {
        sc_core::wait(m_heartbeat_watch.deadline() - sc_core::sc_time_stamp());
        if (!m_heartbeat_watch.expired() || m_heartbeat_lost)
            continue;
        m_heartbeat_lost = true;
        m_events.event(name(), "heartbeat_lost",
                       {{"last_0x305_s", m_last_heartbeat_s},
                        {"reaction", m_cfg.heartbeat_reaction == heartbeat_reaction::zero_limits ? "zero_limits"
                                                                                              : "event"}});
    }
}

void can_link::can_receive(const proto::can_frame& frame) {
    const perf::scope perf_scope(perf::layer::can);
    if (proto::is_heartbeat_305(frame)) {
        m_last_heartbeat_s = sc_core::sc_time_stamp().to_seconds();
        m_heartbeat_watch.kick();
        if (m_heartbeat_lost) {
            m_heartbeat_lost = false;
            m_events.event(name(), "heartbeat_back", {});
        }
    }
}

} // namespace stacksim::models
