// Timed events of a scenario (docs/scenarios.md, "events"): faults and actions applied to the
// running system at an exact simulated instant. Parsed and validated with the scenario; applied by
// simulation::run_until() at their time (each one is also written to events.jsonl).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "numeric/param_file.h"

namespace stacksim::sim {

enum class event_action {
    contact_torque,    // a contact re-tightened / loosened to torque_nm
    contact_loosening, // a contact starts loosening over loosening_time_s (0 = stops)
    rs485_hop_cut,     // RS485 hop cut (or repaired)
    rs485_noise,       // the next `frames` RS485 frames get a bit error
    can_errors,        // the next `frames` CAN frames get a bit error
    can_drop,          // the next `frames` CAN frames vanish
    can_node,          // a CAN node ('battery' or 'inverter') goes off / back on the bus
    open_wire,         // AFE cell sense wire open / closed
    ntc_stuck,         // AFE NTC reading stuck / released
    ntc_drift,         // AFE NTC reading drifts at k_per_s
    module_power,      // a module's BMS powered off / on (module 0 = the master)
    inverter_power_w,  // inverter DC power set-point override ('profile' = back to the profile)
    cell_short,        // an internal short of r_ohm across one cell (on: false removes it)
    run_button,        // the RUN button released after press_s: >= 5 s off, >= 2 s on, shorter ignored
    cable_change,      // a cable replaced: new length_m and/or cross_section_mm2 (class and nodes kept)
    switch_welded,     // a module's main switch welded closed (on: false releases it)
    bus_short,         // a short of r_ohm across the inverter's DC terminals (on: false removes it)
};

struct timed_event {
    double t_s = 0.0;
    event_action action = event_action::rs485_noise;
    std::string action_name;
    std::string name;         // contact name, cable name or CAN node
    std::size_t module = 0;   // module index
    std::size_t index = 0;    // hop, cell or NTC sensor
    unsigned frames = 0;
    bool on = true;           // cut / online / open / stuck / powered
    double value = 0.0;       // torque_nm, loosening_time_s, k_per_s, power_w (NaN = profile), r_ohm, press_s
    std::optional<double> length_m;          // cable_change: new length (absent = unchanged)
    std::optional<double> cross_section_mm2; // cable_change: new cross-section (absent = unchanged)
    std::string file;         // where it was written (for messages)
    int line = 0;
    std::string path;
};

// Reads the `events:` sequence. n_modules, cells_per_module and ntc_sensors bound the indices.
std::vector<timed_event> read_events(const num::param_node& seq, std::size_t n_modules, std::size_t cells_per_module,
                                     std::size_t ntc_sensors, double duration_s);

} // namespace stacksim::sim
