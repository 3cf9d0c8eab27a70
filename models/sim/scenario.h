// A scenario: what to simulate (stack, wiring, inverter, environment, run settings), read from a
// YAML file (docs/scenarios.md). Everything is validated before anything runs: an unknown key,
// a wrong type, a value out of range or a missing file raises num::input_error with the file,
// line, key path and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/profile.h"
#include "inverter/inverter_config.h"
#include "numeric/param_file.h"
#include "sim/expectations.h"
#include "sim/maintenance_plan.h"
#include "sim/scenario_events.h"
#include "stack/stack_config.h"

namespace stacksim::sim {

using models::profile; // time profiles are plain model data (common/profile.h)

struct run_config {
    double duration_s = 3600.0;
    double step_s = 0.1;
    // The longest plant step where nothing looks at the plant (docs/performance.md, "Larger
    // steps"): a whole multiple of step_s; 0 = step_s, the fixed grid.
    double max_step_s = 0.0;
    unsigned record_every = 10;   // record every n-th electrical step
    bool record_cells = true;     // per-cell voltage, SoC and temperature columns
    bool vcd = true;              // waveforms.vcd of the stack-, module- and inverter-level signals
    bool bus_logs = true;         // write every CAN and RS485 frame to can.log / rs485.log
    bool hdf5 = false;            // also write the time series to timeseries.h5 (docs/outputs.md)
    // Wall-clock mode (docs/cosim.md): simulated seconds per wall second; 0 = batch, as fast as
    // possible. duration_s may be infinite only here (the run ends on SIGINT/SIGTERM).
    double realtime = 0.0;
    double behind_warn_s = 0.1;   // lateness that logs realtime_behind [assumed: 100 ms]
    std::string control;          // live control port, "tcp:[HOST:]PORT"; empty = none
};

// The CAN bus's host side (docs/cosim.md).
struct can_cosim {
    std::string bridge;            // host_can endpoint spec (can_endpoint.h); empty = none
    std::string external = "none"; // none | inverter | master: which simulated node a host device replaces
};

// Fast aging (docs/scenarios.md, "aging"): the run is cut into electrical windows of window_s; at the
// end of each, simulated time stands still while every cell ages jump_s more under the stress of its
// last aging window (cell_array::age_repeat_last_window). The run then stands for span_s of life:
// span_s = run.duration_s + windows * jump_s.
struct aging_run {
    bool enabled = false;
    double window_s = 0.0;
    std::size_t windows = 0;
    double span_s = 0.0;
    double jump_s = 0.0;
};

struct scenario {
    std::string file;             // where it came from (for messages)
    std::string name;
    std::string description;
    std::uint64_t seed = 1;
    run_config run;
    aging_run aging;
    maintenance_plan maintenance;   // contacts loosening over months, inspections (maintenance_plan.h)
    models::stack_config stack;
    models::inverter_config inverter;
    double can_bitrate_bps = 500000.0;
    can_cosim can;
    profile ambient_c = profile::constant(25.0);
    std::vector<num::param_record> parameters; // every sourced parameter that was read
    std::vector<timed_event> events;           // timed faults/actions, sorted by time
    std::vector<expectation> expectations;     // checked on the results after the run
};

// The seed's range, one definition for the scenario key `seed`, the CLI's --seed and Python's
// seed=: JSON's safe integers (summary.json carries the seed; RFC 8259 §6), 0 .. 2^53 - 1.
inline constexpr std::uint64_t seed_max = (std::uint64_t{1} << 53) - 1;
// "an integer in [0, 9007199254740991]", as the scenario key's message says it.
std::string seed_range_text();
// A seed given as text (the CLI's --seed): the whole text a decimal integer within the range, else
// std::invalid_argument("expected an integer in [0, ...], got <text>").
std::uint64_t parse_seed(const std::string& text);

// Reads and validates a scenario file. `set` holds "dotted.path=value" overrides (CLI --set),
// applied in order to the YAML before validation (a later one of the same path wins); `seed_override` replaces
// the scenario's seed if set (an override beyond seed_max is refused with std::invalid_argument). Every
// file read (the scenario, parameter files, CSV profiles) is held to `limits` (numeric/input_file.h;
// CLI --max-input-mb / --max-profile-mb).
scenario load_scenario(const std::string& path, const std::vector<std::string>& set = {},
                       const std::uint64_t* seed_override = nullptr, const num::input_limits& limits = {});
scenario load_scenario_text(const std::string& yaml_text, const std::string& name,
                            const std::vector<std::string>& set = {}, const std::uint64_t* seed_override = nullptr,
                            const num::input_limits& limits = {});

// The project's data directory (models/params) and repository root, for default file paths.
std::string source_dir();

// The scenario file `name` stands for, looked up as Python's stacksim.scenario_path does (the
// CLI's run, validate, describe, netlist and sweep all use it). In this order: a file at `name`
// as given (absolute, or relative to the working directory; returned unchanged); then `name` or
// `name`.yaml in <source_dir>/scenarios, in <source_dir>/scenarios/library and in <source_dir>
// (returned as that path). So "default", "cold_morning", "cable_loss/manual_cables" and
// "scenarios/default.yaml" work from any directory. std::invalid_argument names every place
// looked at if none is a file.
std::string scenario_path(const std::string& name);

} // namespace stacksim::sim
