// The scenario's `maintenance` section (docs/scenarios.md, "maintenance"; the study in
// docs/scenarios/maintenance.md): the contacts loosen over months (bolt_preload.h, parameters
// contact.loosening.* of the wiring file) and are inspected at a fixed interval of the stack's life.
// An inspection re-torques every contact to its location's torque and logs what it found.
//
//   maintenance:
//     inspect_every_days: 90          # > 0, or `never` (the contacts loosen, nobody looks)
//     retorque_nm: {terminal: 14, busbar: 40}   # default: the wiring's terminal/busbar torques
//     found_loose_below_pct: 80       # optional: a contact below this % of its re-torque value
//                                     # is "found loose" (an event of its own)
//     resistance_limit_pct: 1000      # contact R (reference temperature) over r_nominal at which
//                                     # a resistance_limit event is logged; default 1000 %
//
// Life time: the simulated time plus the fast-aging jumps so far (stack.age_days). Inspections
// fall at life = k x inspect_every_days, k = 1, 2, ...; one inside a fast-aging jump happens there
// (the jump is split). Without the section nothing of this exists: no loosening law, no columns,
// no events.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "numeric/param_file.h"
#include "numeric/wiring_params.h"

namespace stacksim::models {
class stack;
}

namespace stacksim::sim {

struct maintenance_plan {
    bool enabled = false;
    double inspect_every_s = 0.0;      // 0 = never
    double retorque_terminal_nm = 0.0;
    double retorque_busbar_nm = 0.0;
    double found_loose_below_pct = 0.0; // 0 = no finding threshold
    double resistance_limit_pct = 1000.0;

    // From the section; the wiring parameters give the default re-torque values.
    static maintenance_plan from(const num::param_node& node, const num::wiring_params& wiring);

    // Re-torque every contact of the stack now, life_s into its life. Returns the inspection's
    // report: {life_days, inspection, found_loose, contacts: [{contact, location, torque_before_nm,
    // torque_after_nm, preload_pct, r_before_uohm, r_after_uohm, temp_c, found_loose}]}, and the
    // names of the contacts found loose in `loose`.
    nlohmann::json inspect(models::stack& st, double life_s, std::size_t number,
                                   std::vector<std::string>& loose) const;
};

} // namespace stacksim::sim
