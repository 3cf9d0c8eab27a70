// Configuration of a module's BMS: protections, limits, balancing, SoC, timing.
//
// SystemC-free, so that scenario loading, tools and bindings can use it without the kernel. Each
// struct's parameters are declared once, in its field table (numeric/field_table.h; rows in
// battery/module_params.cpp); their values and sources are in models/params/module_4k4pro.yaml.
// The parameters carry no values of their own (zero until read): tests and benches load the file
// (load_module_params). What the file does not set (the address, the capacity, the initial SoC,
// the start-up flags) the scenario sets per module (sim/scenario.cpp make_modules).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "numeric/field_table.h"

namespace stacksim::models {

// One level of one protection: it sets when the measured value has been beyond `set` for
// `delay_s`, and clears when it has been back beyond `clear` (the hysteresis) for `clear_delay_s`.
// For a high-side protection "beyond" means >= (set) / <= (clear); for a low-side one the reverse.
struct protection_level {
    double set{};
    double clear{};
    double delay_s{};
    double clear_delay_s{};
};

// The protections of a module, each with two levels: warning (reported: 0x44, events) and
// protection (acts: the module isolates itself, or for the charge temperatures refuses charge).
enum class prot_channel : std::size_t {
    cell_ov, cell_uv, module_ov, module_uv, charge_oc, discharge_oc,
    charge_ot, charge_ut, discharge_ot, discharge_ut, imbalance, sensor, count
};
constexpr std::size_t n_prot_channels = static_cast<std::size_t>(prot_channel::count);
const char* prot_channel_name(prot_channel c);
// True for the channels whose value must stay below `set` (over-voltage, over-current, ...).
constexpr bool prot_channel_high_side(prot_channel c) {
    return !(c == prot_channel::cell_uv || c == prot_channel::module_uv || c == prot_channel::charge_ut ||
             c == prot_channel::discharge_ut);
}

struct protection_pair {
    protection_level warning;
    protection_level protection;
};

struct protection_config {
    // Indexed by prot_channel. Units: cell/module V, A (charge and discharge both positive
    // magnitudes), degC for the temperatures, V of max-min cell spread for imbalance, number of
    // faulty sensors for `sensor`.
    std::array<protection_pair, n_prot_channels> channel{};
    // Short circuit: a hardware comparator in the AFE (afe_config::sc_*), latched; the BMS
    // re-arms it and recloses after this time.
    double short_circuit_recover_s{};
    // NTC plausibility: a reading outside [min, max] degC counts as a sensor fault.
    double ntc_min_c{}, ntc_max_c{};
    // Cluster rule (master): more than this many modules in protection -> the stack stops.
    unsigned cluster_max_protected{};
    // Over-current lock-out: when `oc_lockout_trips` over-current trips (charge_oc, discharge_oc,
    // short circuit) fall within `oc_lockout_window_s`, the module stays isolated (no automatic
    // recovery) until a manual reset (RUN button, power cycle) or `oc_lockout_timeout_s` after
    // the lock-out. 0 trips: never locks out.
    unsigned oc_lockout_trips{};
    double oc_lockout_window_s{};
    double oc_lockout_timeout_s{};

    protection_pair& operator[](prot_channel c) { return channel[static_cast<std::size_t>(c)]; }
    const protection_pair& operator[](prot_channel c) const { return channel[static_cast<std::size_t>(c)]; }

    static const num::field_table<protection_config>& fields(); // bms.protection.*
};

struct limit_config {
    double cvl_cell_v{};       // charge voltage limit per cell
    double dvl_cell_v{};       // discharge voltage limit per cell (0x351 bytes 6-7)
    double ccl_a{};            // nominal charge current limit
    double dcl_a{};            // nominal discharge current limit
    double ccl_taper_start_v{}, ccl_taper_end_v{};  // max cell voltage band where CCL -> 0
    double dcl_taper_start_v{}, dcl_taper_end_v{};  // min cell voltage band where DCL -> 0
    // Temperature derating (degC of the coldest / hottest NTC): linear from 1 at start to 0 at end.
    double ccl_cold_start_c{}, ccl_cold_end_c{};
    double ccl_hot_start_c{}, ccl_hot_end_c{};
    double dcl_cold_start_c{}, dcl_cold_end_c{};
    double dcl_hot_start_c{}, dcl_hot_end_c{};
    // SoC derating: linear from 1 at start to `floor` at end (SoC 0..1).
    double ccl_soc_start{}, ccl_soc_end{}, ccl_soc_floor{};
    double dcl_soc_start{}, dcl_soc_end{}, dcl_soc_floor{};

    static const num::field_table<limit_config>& fields(); // bms.limits.*
};

// Passive balancing: bleed the cells that are at least `delta_v` above the lowest cell, when the
// highest cell is above `start_v` (the top of the LFP plateau, where the spread is visible) and
// the module is not discharging harder than `max_discharge_a`. The bleed resistor and its heat
// are the plant's (module.bleed_resistor_ohm).
struct balancing_config {
    bool enabled{};
    double start_v{};
    double delta_v{};
    double max_discharge_a{};

    static const num::field_table<balancing_config>& fields(); // bms.balancing.*
};

// SoC recalibration and SoH. At rest (|I| < rest_current_a for rest_time_s) the mean cell
// voltage outside the LFP plateau maps to SoC through the BMS's OCV table ends (low: empty
// end, high: full end); on the plateau nothing is recalibrated. Full charge: charging with the
// highest cell within full_margin_v of the CVL and I <= full_tail_current_a for full_time_s -> 100 %.
// SoH: the Ah discharged from a full-charge calibration to a low-end rest calibration, divided
// by the SoC span (at least min_soh_depth), over the nominal capacity.
struct soc_config {
    double rest_current_a{};
    double rest_time_s{};
    std::vector<double> low_soc{}, low_v{};
    std::vector<double> high_soc{}, high_v{};
    double full_margin_v{};
    double full_tail_current_a{};
    double full_time_s{};
    double min_soh_depth{};
    // First start (bms_config::first_start): until its first full-charge detection the BMS
    // never reports more than this SoC (coulomb counting and rest-OCV calibrations are capped).
    double uncalibrated_max_soc{};

    static const num::field_table<soc_config>& fields(); // bms.soc.*
};

struct bms_config {
    std::uint8_t address{};            // RS485 address (DIP switch); the master has master_address
    std::uint8_t master_address{};
    double measure_period_s{};
    double capacity_ah{};              // nominal, for coulomb counting and 0x42 (the cell file's)
    double initial_soc = 0.5;          // the BMS's stored SoC at start (0..1)
    double response_latency_s{};       // RS485 request end -> response start
    // Sub only: open the switch when no frame from the master has arrived for this long, and
    // (in a stack) stay open at start-up until the master's join command (cid2_join).
    double master_timeout_s{};
    double precharge_time_s{};         // closing: precharge path this long, then the main switch
    bool wait_for_join = false;
    // First start ([4K4-family] U18, weco-stack.md): the module leaves the factory uncalibrated
    // and asks for a full charge (0x92 status b3) until its own full-charge detection has seen
    // 100 %; the master holds the stack (no discharge) while any module present asks.
    bool first_start = false;
    protection_config protection;
    limit_config limits;
    balancing_config balancing;
    soc_config soc;
    std::uint8_t protocol_version = 0x20;

    static const num::field_table<bms_config>& fields();        // bms.* scalars
    static const num::field_table<bms_config>& master_fields(); // master.master_address
};

} // namespace stacksim::models
