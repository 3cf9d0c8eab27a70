// Helpers shared by the cell-core suites. Expected values in the tests are computed here from
// the parameter tables by independent, simple code (not the model's union-axis lookup).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "numeric/cell_params.h"

namespace cell_test {

inline std::string default_path() { return std::string(STACKSIM_SOURCE_DIR) + "/models/params/lfp_cell_100ah.yaml"; }

inline stacksim::num::cell_params default_params() { return stacksim::num::load_cell_params(default_path()); }

// The default set without cell-to-cell spread.
inline stacksim::num::cell_params nominal_params() {
    auto p = default_params();
    p.capacity_spread = {};
    p.r0_spread = {};
    p.self_discharge_spread = {};
    return p;
}

// Plain linear interpolation in a SoC table, held at the ends.
inline double table_at(const stacksim::num::soc_table& t, double soc) {
    const double s = std::clamp(soc, t.soc.front(), t.soc.back());
    std::size_t j = 0;
    while (j + 2 < t.soc.size() && s > t.soc[j + 1])
        ++j;
    const double w = (s - t.soc[j]) / (t.soc[j + 1] - t.soc[j]);
    return (1.0 - w) * t.value[j] + w * t.value[j + 1];
}

inline double arrhenius(double ea_j_per_mol, double temp_k, double ref_k) {
    return std::exp(ea_j_per_mol / stacksim::num::gas_constant_j_per_mol_k * (1.0 / temp_k - 1.0 / ref_k));
}

inline bool rel_near(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)); }

} // namespace cell_test
