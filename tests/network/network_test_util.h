// Helpers for the network suites.
#pragma once

#include <string>

#include "numeric/wiring.h"
#include "numeric/wiring_params.h"

namespace network_test {

inline std::string params_path() { return std::string(STACKSIM_SOURCE_DIR) + "/models/params/wiring_default.yaml"; }

inline const stacksim::num::wiring_params& params() {
    static const stacksim::num::wiring_params p = stacksim::num::wiring_params::load_file(params_path());
    return p;
}

constexpr double t20_k = 293.15; // the tables' reference temperature

} // namespace network_test
