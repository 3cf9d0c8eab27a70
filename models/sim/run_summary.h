// summary.json of one run (docs/outputs.md, "summary.json"): what ran, how long, energy balance,
// bus statistics, the stack's final state, the network's branches with their extremes, fast
// aging, and the expectations' results. Built from the finished system and its recorder.
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/expectations.h"
#include "sim/recorder.h"
#include "sim/scenario.h"

namespace stacksim::sim {

class system;

// What only the runner knows at the end of a run.
struct run_facts {
    double simulated_s = 0.0;
    double wall_s = 0.0;
    std::size_t events = 0;             // events logged (events.jsonl lines)
    std::size_t aging_windows_done = 0; // fast aging: windows closed
    nlohmann::ordered_json realtime;    // wall-clock mode: the pacer's summary (wallclock.h); null in batch runs
};

nlohmann::ordered_json run_summary(const scenario& sc, system& top, const recorder& rec, const run_facts& facts,
                                   const std::vector<expectation_result>& results);

} // namespace stacksim::sim
