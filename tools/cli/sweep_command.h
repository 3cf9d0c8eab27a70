// `stacksim sweep`: the cartesian product of --vary lists, each variant validated first and then
// run as its own `stacksim run` process (each with its own SystemC kernel), `jobs` at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stacksim::cli {

struct sweep_request {
    std::string scenario_path;
    std::vector<std::string> sets;  // applied to every variant
    std::vector<std::string> vary;  // "dotted.path=v1,v2,..."
    std::string out_dir;
    unsigned jobs = 1;
    std::optional<std::uint64_t> seed;
};

// Returns the process exit code: 0 all variants ran (and met their expectations), 2 bad input
// (nothing run, nothing written), 1 a variant failed (see sweep.csv).
int run_sweep(const sweep_request& req);

} // namespace stacksim::cli
