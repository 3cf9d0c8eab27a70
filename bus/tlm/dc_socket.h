// The inverter's DC port into the stack's power network, as a TLM-2.0 socket pair.
//
// The inverter (initiator) commands a current or a power at its DC terminals and reads the
// terminal voltage and current; the stack (target) solves the network with that port, advancing
// the plant to the present instant first, so a set-point change takes effect exactly now.
// Sign: positive current / power charges the battery.
#pragma once

#include <systemc>
#include <tlm>

namespace stacksim::bus {

// Names the protocol for TLM socket binding checks (tlm_base_*_socket::get_protocol_types).
struct dc_protocol_types {};

class dc_fw_if : public virtual sc_core::sc_interface {
public:
    using protocol_types = dc_protocol_types;
    virtual void dc_set_current(double current_a) = 0; // current-source port
    virtual void dc_set_power(double power_w) = 0;     // power port (solved exactly)
    virtual double dc_voltage_v() = 0;                 // at the inverter's terminals
    virtual double dc_current_a() = 0;                 // actual port current
};

class dc_bw_if : public virtual sc_core::sc_interface {
public:
    using protocol_types = dc_protocol_types;
};

using dc_initiator_socket = tlm::tlm_base_initiator_socket<32, dc_fw_if, dc_bw_if, 1, sc_core::SC_ONE_OR_MORE_BOUND>;
using dc_target_socket = tlm::tlm_base_target_socket<32, dc_fw_if, dc_bw_if, 1, sc_core::SC_ONE_OR_MORE_BOUND>;

} // namespace stacksim::bus
