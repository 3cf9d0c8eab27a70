// Parameter set of the electro-thermal LFP cell core: electrical 2RC model with
// hysteresis, entropic heat, Arrhenius temperature scaling, thermal network data, cell-to-cell
// spread and aging constants. Loaded from YAML (models/params/lfp_cell_100ah.yaml is the default);
// every value in the file carries a source. docs/models/cell.md documents each key.
//
// Each section of the file is read by field tables (numeric/field_table.h, the tables are in
// cell_params.cpp): unknown keys are refused, every value is range-checked and recorded with its
// source. The structs carry no values of their own (zero until read): the file is the one source
// of every value, and tests load it (load_cell_params(default_cell_params_path())).
#pragma once

#include <string>
#include <vector>

#include "numeric/param_file.h"

namespace stacksim::num {

struct field_info; // numeric/field_table.h

// Universal gas constant (CODATA 2018, exact), J/(mol K).
inline constexpr double gas_constant_j_per_mol_k = 8.314462618;

// A piecewise-linear table over SoC. The axis spans exactly 0..1 and strictly increases.
struct soc_table {
    std::vector<double> soc;
    std::vector<double> value;
};

enum class spread_distribution { none, normal, lognormal };

// Per-cell multiplicative factor f with mean 1 and standard deviation relative_sigma.
struct spread_spec {
    spread_distribution distribution = spread_distribution::none;
    double relative_sigma = 0.0;
};

// Capacity fade: NREL BLAST-Lite Lfp_Gr_250AhPrismatic (2019):
//   q = 1 - qLoss_t - qLoss_EFC
//   qLoss_t   = k_cal * t_days^cal_exponent,   k_cal = cal_p1 * exp(cal_p2_k / T) * exp(cal_p3_k_per_v * Ua(SoC) / T)
//   qLoss_EFC = k_cyc * EFC^cyc_exponent,      k_cyc = (cyc_p4 + cyc_p5 * DoD + cyc_p6 * Crate)
//                                                      * (exp(cyc_p7_k / T) + exp(-cyc_p8_k / T))
// Resistance growth: Naumann (TUM) Sony LFP model as in SimSES:
//   calendar, per second: r_cal_rate_per_s * exp(-r_cal_ea/R (1/T - 1/r_cal_ref_temp_k))
//                         * (r_cal_soc_quad * (SoC - 0.5)^2 + r_cal_soc_const)
//   cyclic, % per FEC:    (r_cyc_crate_coeff * C + r_cyc_const) * (r_cyc_dod_cubic * (DoD - 0.5)^3 + r_cyc_dod_const)
struct aging_params {
    double cal_p1{};
    double cal_p2_k{};
    double cal_p3_k_per_v{};
    double cal_exponent{};
    double cyc_p4{};
    double cyc_p5{};
    double cyc_p6{};
    double cyc_p7_k{};
    double cyc_p8_k{};
    double cyc_exponent{};
    double r_cal_rate_per_s{};
    double r_cal_ea_j_per_mol{};
    double r_cal_ref_temp_k{};
    double r_cal_soc_quad{};
    double r_cal_soc_const{};
    double r_cyc_crate_coeff{};
    double r_cyc_const{};
    double r_cyc_dod_cubic{};
    double r_cyc_dod_const{};
    double crate_threshold{};   // |I|/Q below this counts as rest for the C-rate stressor
    double update_interval_s{}; // a stress window closes after this much simulated time
};

struct cell_params {
    std::string file; // where the set was loaded from ("" if built in code)

    // --- electrical ---
    double capacity_ah{};            // rated capacity (what a BMS counts against)
    double table_capacity_ah{};      // charge between SoC 0 and SoC 1 of the tables
    double voltage_max_v{};          // cell limits (informational: the model never clamps)
    double voltage_min_v{};
    double reference_temp_k{};
    soc_table ocv_v;                 // mid-branch OCV at reference_temp_k
    soc_table entropic_v_per_k;      // dU/dT
    soc_table hysteresis_half_gap_v; // charge branch = mid + gap, discharge branch = mid - gap
    double hysteresis_rate{};        // 1/(fraction of capacity): e-folding of the hysteresis state
    double r0_charge_ohm{};          // at reference_temp_k and SoC 0.5
    double r0_discharge_ohm{};
    double r1_ohm{};
    double tau1_s{};
    double r2_ohm{};
    double tau2_s{};
    soc_table r0_soc_factor;         // multiplies R0 (1 at SoC 0.5 for the default set)
    soc_table rc_soc_factor;         // multiplies R1 and R2
    double ea_r0_j_per_mol{};
    double ea_rc_j_per_mol{};
    double arrhenius_min_temp_k{};   // Arrhenius factors are evaluated at max(T, this)
    // Solid-state diffusion limit (particle surface vs bulk SoC), see cell_array.h:
    //   d(soc_surface - soc)/dt = (tau_g(T) i / Q - (soc_surface - soc)) / tau_d(T)
    //   tau_g(T) = diffusion_depletion_s A_D(T), tau_d(T) = diffusion_tau_s A_D(T),
    //   A_D(T) = exp(ea_diffusion / R (1 / max(T, T_min) - 1 / T_ref))
    // 0 = no diffusion limit (surface SoC = bulk SoC): a file without the group reads as that
    // (read_cell_params).
    double diffusion_depletion_s{};        // at reference_temp_k: steady surface depletion per (i / Q)
    double diffusion_tau_s{};              // at reference_temp_k: relaxation time of the surface-bulk difference
    double ea_diffusion_j_per_mol{};
    double coulombic_efficiency{};         // on charge
    double self_discharge_pct_per_month{}; // % of capacity per 30 days
    double heat_capacity_j_per_k{};        // per cell

    // --- thermal network of a module: cells in a row, a case node, ambient ---
    double cell_to_cell_w_per_k{};
    double cell_to_case_w_per_k{};
    double case_to_ambient_w_per_k{};
    double case_heat_capacity_j_per_k{};
    // Between the cases of neighbouring modules (chain order m0-m1-m2...): 0 = mounted apart.
    double case_to_neighbour_w_per_k{};
    // --- a free-standing single cell (standalone simulation) ---
    double standalone_cell_to_ambient_w_per_k{};

    // --- cell-to-cell spread ---
    spread_spec capacity_spread;
    spread_spec r0_spread;
    spread_spec self_discharge_spread;

    aging_params aging;

    std::vector<param_record> records; // every value read, with its source
};

// Load and check a parameter set; throws input_error (file:line: key: expected ...).
cell_params load_cell_params(const std::string& yaml_path);
// Read a parameter set from an already parsed document (e.g. a Python dict as YAML text).
cell_params read_cell_params(const param_node& root);
// Absolute path of models/params/lfp_cell_100ah.yaml.
std::string default_cell_params_path();
// Every parameter of the cell file: key path, unit, range, description (`stacksim describe`,
// stacksim.parameter_fields() in Python, and the test that the tables and the YAML agree).
std::vector<field_info> cell_param_fields();
// Check a set built or changed in code; throws std::invalid_argument naming the field.
void validate_cell_params(const cell_params& p);

} // namespace stacksim::num
