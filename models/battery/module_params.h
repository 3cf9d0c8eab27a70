// The module parameter file (models/params/module_4k4pro.yaml): everything one battery module's
// electronics needs, section by section, and its reader.
//
// Each section is read by the field tables of the structs it sets (numeric/field_table.h): unknown
// keys are refused, every value is range-checked and recorded with its source. SystemC-free.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "battery/afe_config.h"
#include "battery/bms_config.h"
#include "battery/bq76952_config.h"
#include "battery/can_link_config.h"
#include "battery/stack_master_config.h"
#include "numeric/field_table.h"
#include "numeric/param_file.h"

namespace stacksim::models {

// module.*: the cell string and its balancing resistor (the plant's).
struct module_config {
    std::size_t cells_in_series = 0;
    double bleed_resistor_ohm = 0.0; // passive-balancing resistor per cell

    static const num::field_table<module_config>& fields();
};

// buses.*: the RS485 chain between modules and the CAN port to the inverter.
struct bus_config {
    double rs485_baud = 0.0;                // 8N1
    double rs485_hop_length_m = 0.0;        // cable between neighbouring modules
    double rs485_driver_enable_s = 0.0;     // driver-enable turnaround
    double rs485_propagation_s_per_m = 0.0;
    double rs485_link_length_m = 0.0;       // master's free port A -> a host's RS485 adapter (bridge at link)
    double rs485_bridge_idle_gap_s = 0.0;   // silence that ends a host's unfinished transmission
    double can_bitrate_bps = 0.0;

    static const num::field_table<bus_config>& fields();
};

// One section per member, as in the file.
struct module_params {
    module_config module;
    afe_config afe;                   // afe.cells = module.cells_in_series
    bq76952_config bq76952;           // the BQ76952 AFE model (firmware in the loop)
    bms_config bms;                   // also master.master_address
    stack_master_config master;
    can_link_config can;              // master.can_*, heartbeat, 0x35C flags
    bus_config buses;
};

// Reads a module parameter file (records every value with its source in root.records()).
module_params read_module_params(const num::param_node& root);
// Loads and reads a module parameter file; tests and benches take their defaults from here.
module_params load_module_params(const std::string& path);
// models/params/module_4k4pro.yaml in the source tree: the defaults of every module parameter.
std::string default_module_params_path();

// Every parameter of the module file: key path, unit, range, description (`stacksim describe`,
// stacksim.parameter_fields() in Python, and the test that the tables and the YAML agree).
std::vector<num::field_info> module_param_fields();

// CAN message-set and heartbeat-reaction choices (also for the scenario's inverter.battery_side).
std::vector<std::string> can_message_set_names();
proto::can_message_set can_message_set_named(const std::string& name);
heartbeat_reaction heartbeat_reaction_named(const std::string& name);

} // namespace stacksim::models
