// The master's CAN link to the inverter (BMS-CAN port): every `period_s` it takes a fresh
// measurement of its own module, refreshes the stack aggregate and sends the configured message
// set (Pylontech V1.2 by default), frames spaced `spacing_s` apart (0 = all queued at once; the
// bus then sends them back to back in ID order). It supervises the inverter's heartbeat (0x305).
#pragma once

#include <string>

#include <systemc>

#include "battery/bms.h"
#include "battery/stack_master.h"
#include "common/event_sink.h"
#include "protocol/pylon_can.h"
#include "tlm/can_socket.h"

namespace stacksim::models {

struct can_link_config {
    double period_s = 1.0;
    double spacing_s = 0.0;
    double first_s = 1.0;                // first cycle (after the first RS485 poll cycle)
    double heartbeat_timeout_s = 60.0;   // no 0x305 for this long -> event
    proto::can_message_set messages = proto::pylon_v12_set();
};

class can_link : public sc_core::sc_module, public bus::can_host {
public:
    can_link(const sc_core::sc_module_name& name, const can_link_config& cfg, bms& own, stack_master& master,
             event_sink& events);

    const can_link_config& config() const { return m_cfg; }
    double last_heartbeat_s() const { return m_last_heartbeat_s; }
    bool heartbeat_lost() const { return m_heartbeat_lost; }

    void can_receive(const proto::can_frame& frame) override;
    std::string can_node_name() const override { return name(); }

private:
    void cycle_loop();

    can_link_config m_cfg;
    bms& m_own;
    stack_master& m_master;
    event_sink& m_events;
    double m_last_heartbeat_s = 0.0;
    bool m_heartbeat_lost = false;
};

} // namespace stacksim::models
