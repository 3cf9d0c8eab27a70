// A hybrid inverter as the battery sees it: a CAN node that reads the master BMS's limits and
// answers with its heartbeat, and a DC port into the stack's power network. With the protocol
// pylontech_rs485 it reads the limits over RS485 instead (inverter_rs485_link.h polls the master
// and hands each answer to on_rs485_limits / on_rs485_status).
//
// Every `control_period_s` it turns its power request (+ = charging the battery) into a battery
// current at its DC terminals and clamps it to what the battery allows, by the rules of its
// behaviour profile (inverter_profile.h): CCL / DCL from 0x351 and the enable bits of 0x35C
// (honoured, a 0 A limit ignored, or floored), with a CC/CV regulator against CVL on the measured
// DC voltage. With limit_delay_s = 0 a new 0x351 / 0x35C that lowers a limit is applied at once
// (end of that frame), not at the next tick; with limit_delay_s > 0 every received limit acts that
// long after its frame's end. A set-point slew rate, if any, bounds how fast the command moves.
// Until its handshake is complete (the profile's required frames, each seen required_repeats
// times), and after the battery has been silent for battery_timeout_s (SMA: no 0x355; others: no
// battery frame at all), it leaves the battery alone (0 A, standby); on_loss = fault also stops its
// heartbeat, and latch keeps that state until restart().
//
// Power request: either `battery_power_w` (DC power at the battery terminals, as in the default
// scenario), or, when that profile is empty, a site model: PV production, household load,
// time-of-use grid charging, grid charging on the battery's 0x35C charge requests (those the
// profile honours) and grid import/export limits on the AC side, converted to DC with the
// efficiency curve. Protocols (docs/models/inverter.md):
//   pylontech: 0x305 of eight zero bytes every heartbeat period;
//   sma:       0x305 with its measurements, 0x306 status, 0x307 relays; standby on no 0x355;
//   victron:   0x305 / 0x306 zeros and 0x307 identification "12 34 56 78 56 49 43 00";
//   pylontech_rs485: no CAN frames; it polls the master (inverter_rs485_link.h).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include <systemc>

#include "common/event_sink.h"
#include "common/profile.h"
#include "inverter/inverter_config.h"
#include "tlm/can_socket.h"
#include "tlm/dc_socket.h"

namespace stacksim::models {

// What the inverter has decoded from the battery (physical values).
struct inverter_view {
    bool limits_valid = false;
    double cvl_v = 0, ccl_a = 0, dcl_a = 0, dvl_v = 0;
    double soc_pct = 0, soh_pct = 0;
    double voltage_v = 0, current_a = 0, temp_c = 0;
    bool charge_enable = true, discharge_enable = true;
    bool force_charge_1 = false, force_charge_2 = false, full_charge_request = false;
    double last_battery_frame_s = -1;
    double last_355_s = -1;
};

// The limits the inverter acts on: the decoded ones, limit_delay_s later.
struct inverter_limits {
    bool valid = false;
    double cvl_v = 0, ccl_a = 0, dcl_a = 0, dvl_v = 0;
    bool charge_enable = true, discharge_enable = true;
};

class inverter : public sc_core::sc_module, public bus::can_host, public bus::dc_bw_if {
public:
    bus::dc_initiator_socket dc_port;

    inverter(const sc_core::sc_module_name& name, const inverter_config& cfg, event_sink& events);

    const inverter_config& config() const { return m_cfg; }
    const inverter_view& view() const { return m_view; }
    double command_a() const { return m_command_a; }
    double requested_a() const { return m_requested_a; }
    double ac_power_w() const { return m_ac_power_w; }   // AC side, + = into the inverter (charging)
    double grid_power_w() const { return m_grid_w; }     // site model: + = import
    bool standby() const { return m_standby; }
    bool latched() const { return m_latched; }        // a latched loss: only restart() clears it
    bool dc_closed() const { return m_dc_closed; }    // handshake complete
    const inverter_limits& applied_limits() const { return m_lim; }
    // The charge / discharge limits (A, >= 0) the profile's rules make of the applied limits now,
    // at DC voltage v_v.
    double charge_limit_a(double v_v) const;
    double discharge_limit_a(double v_v) const;
    bool in_cv() const { return m_in_cv; }
    std::uint64_t can_rejected() const { return m_can_rejected; }

    // Python / event hooks: replace the power request from now on (NaN = back to the profile).
    // It is the DC battery power (as battery_power_w), whatever the power source.
    void set_power_override_w(double p_w) { m_override_w = p_w; }
    // Stop / resume sending 0x305/0x306/0x307 (the node stays on the bus and keeps receiving).
    void set_heartbeat_enabled(bool on) { m_heartbeat_on = on; }
    // A power cycle of the inverter: clears a latched loss and restarts the handshake.
    void restart();

    // The RS485 link's decoded answers (protocol pylontech_rs485): 0x92 limits, and the stack's
    // SoC, voltage, current from 0x42; each counts as a battery frame.
    void on_rs485_limits(const inverter_limits& l, bool force_charge_1, bool force_charge_2, bool full_charge);
    void on_rs485_status(double soc_pct, double voltage_v, double current_a);

    // DC efficiency at an AC power (1 without a curve).
    double efficiency_at(double ac_power_w) const;

    bool rs485() const { return m_cfg.behaviour.protocol == "pylontech_rs485"; }

    void can_receive(const proto::can_frame& frame) override;
    std::string can_node_name() const override { return name(); }

private:
    void control_step();   // a method, every control_period_s
    void heartbeat_step(); // a method, every heartbeat_period_s
    double power_request_w(double now_s, double v);
    void apply_limits_now();
    void command(double current_a);
    void battery_heard(std::uint32_t id, double now_s);
    void count_for_handshake(std::uint32_t id);
    void limits_received();
    void set_applied(const inverter_limits& l);
    void delay_loop();
    double rule_limit(limit_rule rule, double received_a, double& last_nonzero_a, bool& ignoring, double floor_a,
                      const char* direction);

    inverter_config m_cfg;
    event_sink& m_events;
    inverter_view m_view;
    double m_command_a = 0.0;
    bool m_heartbeat_armed = false; // heartbeat_step has run its time-0 call
    sc_core::sc_time m_control_period, m_heartbeat_period; // control_period_s, behaviour.heartbeat_period_s
    double m_requested_a = 0.0;
    double m_ac_power_w = 0.0;
    double m_grid_w = 0.0;
    double m_override_w;
    bool m_standby = false;
    bool m_in_cv = false;
    bool m_on_request = false;
    bool m_heartbeat_on = true;
    std::uint64_t m_can_rejected = 0;
    // Profile state.
    inverter_limits m_lim;                                // applied (after limit_delay_s)
    std::deque<std::pair<double, inverter_limits>> m_pending; // (due time, limits) with a delay
    sc_core::sc_event m_pending_ev;
    double m_last_ccl_a = 0.0, m_last_dcl_a = 0.0;        // last non-zero (ignore_zero)
    double m_rule_ccl_a = 0.0, m_rule_dcl_a = 0.0;        // after the profile's limit rules
    bool m_ignoring_charge = false, m_ignoring_discharge = false;
    bool m_dc_closed = false;
    bool m_handshake_reported = false;
    std::vector<unsigned> m_seen;                         // per required ID
    bool m_fault = false;                                 // on_loss = fault: heartbeat off
    bool m_latched = false;
};

} // namespace stacksim::models
