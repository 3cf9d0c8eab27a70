// Standalone single cell: the stack's own cell core (cell_array with one
// free-standing cell: cell -> ambient through standalone_thermal.cell_to_ambient_w_per_k), driven
// by a piecewise-constant current profile. Used by stacksim.cell.simulate() in Python.
#pragma once

#include <string>
#include <vector>

#include "numeric/cell_array.h"
#include "numeric/cell_params.h"

namespace stacksim::num {

struct cell_simulation_result {
    // One entry per profile sample: entry i is the instant t_s[i] with current_a[i] flowing, the
    // input's own alignment. A step in the current at sample i shows at sample i: the terminal
    // voltage jumps by R0 * dI there (the states -- SoC, OCV, hysteresis, RC, temperature -- are
    // continuous and are those reached at t_s[i]). Entry 0 is the initial state.
    std::vector<double> t_s;
    std::vector<double> current_a;    // the input current_a[i], flowing from t_s[i] on (+ = charge)
    std::vector<double> voltage_v;    // terminal voltage at t_s[i] with current_a[i] flowing
    std::vector<double> ocv_v;        // mid-branch OCV at the present SoC and temperature
    std::vector<double> hysteresis_v; // relaxed voltage = ocv_v + hysteresis_v
    std::vector<double> soc;
    std::vector<double> temp_c;
    std::vector<double> heat_w;       // heat generated per second at t_s[i] with current_a[i] flowing
};

// t_s strictly increasing; current_a[i] (A, + = charge) holds on [t_s[i], t_s[i+1]); each interval
// is split into equal steps no longer than dt_s. The cell is the nominal cell of the set (no
// spread), starting at initial_soc with its hysteresis at initial_hysteresis (+1 charge branch,
// -1 discharge branch), relaxed, at ambient temperature.
// One nominal cell (no cell-to-cell spread) in free air at ambient_k, at rest with the given SoC and
// hysteresis state: the standalone cell of simulate_cell() and of the discharge-curve tool.
cell_array make_standalone_cell(const cell_params& p, double ambient_k, double soc, double hysteresis);

cell_simulation_result simulate_cell(const cell_params& p, const std::vector<double>& t_s,
                                     const std::vector<double>& current_a, double ambient_c, double dt_s,
                                     double initial_soc = 1.0, double initial_hysteresis = 1.0);
// Same with a parameter file ("" = the default set).
cell_simulation_result simulate_cell(const std::string& params_path, const std::vector<double>& t_s,
                                     const std::vector<double>& current_a, double ambient_c, double dt_s,
                                     double initial_soc = 1.0, double initial_hysteresis = 1.0);

} // namespace stacksim::num
