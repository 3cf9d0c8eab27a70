// A hybrid inverter as the battery sees it: a CAN node that reads the master BMS's limits and
// answers with its heartbeat, and a DC port into the stack's power network.
//
// Every `control_period_s` it turns its power profile (+ = charging the battery) into a
// battery current at its DC terminals and clamps it to what the battery allows: CCL / DCL
// from 0x351 and the enable bits of 0x35C, with CC/CV against CVL. Until the first limits
// arrive, and after the battery has been silent for `battery_timeout_s`, it leaves the battery
// alone (0 A).
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

#include "common/event_sink.h"
#include "sim/profile.h"
#include "tlm/can_socket.h"
#include "tlm/dc_socket.h"

namespace stacksim::models {

struct inverter_config {
    std::string protocol = "pylontech";   // pylontech | sma | victron (0x305 contents, timeouts)
    sim::profile battery_power_w;         // requested battery power, + = charging
    double control_period_s = 0.1;
    double heartbeat_period_s = 1.0;      // 0x305
    double battery_timeout_s = 60.0;      // no 0x351/0x355 for this long -> standby [C] SMA 60 s
    double cv_gain_a_per_v = 20.0;        // CV loop: current reduction per volt above CVL
};

// What the inverter has decoded from the battery (physical values).
struct inverter_view {
    bool limits_valid = false;
    double cvl_v = 0, ccl_a = 0, dcl_a = 0, dvl_v = 0;
    double soc_pct = 0, soh_pct = 0;
    double voltage_v = 0, current_a = 0, temp_c = 0;
    bool charge_enable = true, discharge_enable = true;
    double last_battery_frame_s = -1;
};

class inverter : public sc_core::sc_module, public bus::can_host, public bus::dc_bw_if {
public:
    bus::dc_initiator_socket dc_port;

    inverter(const sc_core::sc_module_name& name, const inverter_config& cfg, event_sink& events);

    const inverter_view& view() const { return m_view; }
    double command_a() const { return m_command_a; }
    double requested_a() const { return m_requested_a; }
    bool standby() const { return m_standby; }
    std::uint64_t can_rejected() const { return m_can_rejected; }

    // Python / event hooks: replace the power profile's value from now on (NaN = back to profile).
    void set_power_override_w(double p_w) { m_override_w = p_w; }

    void can_receive(const proto::can_frame& frame) override;
    std::string can_node_name() const override { return name(); }

private:
    void control_loop();
    void heartbeat_loop();

    inverter_config m_cfg;
    event_sink& m_events;
    inverter_view m_view;
    double m_command_a = 0.0;
    double m_requested_a = 0.0;
    double m_override_w;
    bool m_standby = false;
    std::uint64_t m_can_rejected = 0;
};

} // namespace stacksim::models
