// The present state of a running simulation as JSON: what the control port answers to
// {"get": "state"} and what Python's Simulation.state() returns (one definition for both).
//
//   time_s, stack_voltage_v, inverter_current_a (+ = charging),
//   module_current_a[], fuse_damage[], fuse_blown[]            (per module, m0 first)
//   modules[]: {name, address, voltage_v, current_a, soc_pct (as the BMS reports it),
//               true_soc_pct, cell_v_min, cell_v_max, temp_c_max, switch_closed, protection,
//               protection_bits, warning_bits, locked_out, joined, powered}
//   limits: the master's last CAN state {cvl_v, ccl_a, dcl_a, dvl_v, soc_pct, charge_enable,
//           discharge_enable, heartbeat_lost}
//   inverter: {current_a, standby}
// The plant is brought to the present instant first.
#pragma once

#include <nlohmann/json.hpp>

namespace stacksim::sim {

class system;

nlohmann::ordered_json state_snapshot(system& top);

} // namespace stacksim::sim
