// The master's CAN link to the inverter (BMS-CAN port): every `period_s` it takes a fresh
// measurement of its own module, refreshes the stack aggregate and sends the configured message
// set (Pylontech V1.2 by default, or the SMA/Victron set), frames spaced `spacing_s` apart (0 = all
// queued at once; the bus then sends them back to back in ID order).
//
// 0x35C request flags: force charge I / II with SoC hysteresis, and the full-charge request once
// the SoC has stayed below `full_charge_soc_pct` for `full_charge_after_days` (protocols.md §1.3),
// or while the stack master holds a first start (a module not yet charged to 100 %).
//
// Heartbeat supervision: every 0x305 restarts a timer of `heartbeat_timeout_s`; when it expires the
// link raises `heartbeat_lost` (event) and applies the configured reaction until 0x305 returns:
// `event` (nothing else) or `zero_limits` (CCL = DCL = 0 and both enable bits cleared).
#pragma once

#include <string>

#include <systemc>

#include "battery/bms.h"
#include "battery/stack_master.h"
#include "battery/can_link_config.h"
#include "common/event_sink.h"
#include "common/watchdog.h"
#include "protocol/pylon_can.h"
#include "tlm/can_socket.h"

namespace stacksim::models {

class can_link : public sc_core::sc_module, public bus::can_host {
public:
    can_link(const sc_core::sc_module_name& name, const can_link_config& cfg, bms& own, stack_master& master,
             event_sink& events);

    const can_link_config& config() const { return m_cfg; }
    double last_heartbeat_s() const { return m_last_heartbeat_s; }
    bool heartbeat_lost() const { return m_heartbeat_lost; }
    // The state sent in the last cycle.
    const proto::battery_can_state& last_state() const { return m_state; }
    // Python / tests: stop or resume sending (the node stays on the bus and keeps receiving).
    void set_transmit_enabled(bool on) { m_transmit_on = on; }

    void can_receive(const proto::can_frame& frame) override;
    std::string can_node_name() const override { return name(); }

private:
    void cycle_loop();
    void supervision();
    void update_requests(double soc_pct, double now_s);

    can_link_config m_cfg;
    bms& m_own;
    stack_master& m_master;
    event_sink& m_events;
    proto::battery_can_state m_state;
    double m_last_heartbeat_s = 0.0;
    double m_last_full_s = 0.0;          // last time the SoC was at/above full_charge_soc_pct
    bool m_heartbeat_lost = false;
    bool m_transmit_on = true;
    bool m_identified = false; // the identification frames went out once (identification_once)
    watchdog m_heartbeat_watch; // restarted by every 0x305
};

} // namespace stacksim::models
