// Every cell of a stack in one structure of arrays: LFP equivalent circuit with two RC
// branches and one-state hysteresis, entropic and irreversible heat, a lumped thermal network per
// module, aging and cell-to-cell spread. Cell index k = module * cells_per_module + position.
//
// Electrical model of cell k (sign: + current charges the cell):
//   v = U(soc_s, T) + h + v1 + v2 + R0 i
//   U(s, T) = OCV_ref(s) + dU/dT(s) (T - T_ref)
//   soc_s = soc + d: the SoC at the surface of the active particles; the terminal sees U(soc_s).
//   dd/dt = (tau_g(T) i / Q - d) / tau_d(T)  (solid-state diffusion limit: on discharge the surface
//           empties ahead of the bulk by tau_g i / Q in steady state; at rest d relaxes to 0)
//   tau_g(T) = tau_g,ref A_D(T), tau_d(T) = tau_d,ref A_D(T)  (both scale as 1 / diffusivity; when
//           tau_d exceeds the discharge time, d grows as -(tau_g / tau_d) x charge passed / Q)
//   dv_j/dt = -v_j / tau_j + i / C_j,  C_j = tau_j / R_j   (j = 1, 2)
//   dsoc/dt = (eta i - i_sd) / Q,  eta = coulombic efficiency on charge, 1 on discharge
//   dh/dq   = -gamma / Q (h - sign(i) H(soc_s)),  q = charge passed (|i| dt)
//   R0 = R0_{charge|discharge} f0(soc_s) A0(T) (1 + growth) x spread,  R_j = R_j f_rc(soc_s) A_rc(T) (1 + growth)
//   A(T) = exp(Ea / R (1 / max(T, T_min) - 1 / T_ref))   (Ea per R0, RC terms and diffusion)
// Every SoC table (OCV, dU/dT, hysteresis gap, resistance shapes) is read at soc_s. In the cold
// tau_g grows, the surface reaches the steep end of the OCV while the bulk still holds charge,
// and the cut-off voltage comes earlier: the usable capacity falls with temperature.
// One step of dt with constant i is exact for the RC branches and for d (zero-order hold); U, h,
// dU/dT, tau_g and all resistances are frozen at the start of the step. Hence the end-of-step voltage is exactly
//   v = e + r i,  e = U + h + a1 v1 + a2 v2,  r = R0 + (1 - a1) R1 + (1 - a2) R2,  a_j = exp(-dt/tau_j).
// Nothing is ever clamped: SoC may leave 0..1 (the OCV table is extrapolated linearly beyond its
// ends, the other tables are held at their end values) — stopping that is the BMS's job.
//
// Heat of cell k over a step (J), exact for the step:
//   R0 i^2 dt + sum_j int v_j^2 / R_j dt + h i dt + i T dU/dT dt + (i - i_eff) (U_b - T dU/dT) dt
//   + i (U - U_b) dt            (diffusion: U_b = OCV_ref(soc) + dU/dT (T - T_ref), the bulk's potential)
// Chemical energy stored: i_eff (U_b - T dU/dT) dt, i_eff = eta i - i_sd. Electrical energy in:
// int v i dt. Energy held by the RC capacitors: sum_j C_j/2 (v_j,end^2 - v_j,start^2). Their sum
// balances exactly: electrical in = chemical + RC field + heat. Between steps, when R_j changes
// with SoC, temperature or aging, v_j is rescaled by sqrt(R_new / R_old) so that C_j v_j^2 / 2
// is unchanged: a relaxed cell has given back all RC energy and in = chemical + heat.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "numeric/aging.h"
#include "numeric/cell_params.h"
#include "numeric/module_thermal.h"

namespace stacksim::num {

enum class thermal_layout {
    module,       // per module: cells in a row, each linked to the module case, the case to ambient
    free_standing // every cell alone in free air (standalone cell studies)
};

// Cumulative energies since construction (J), over all cells and modules.
struct cell_energy_totals {
    double electrical_in_j = 0.0;   // int v i dt at the cell terminals (+ = into the cells)
    double chemical_j = 0.0;        // stored chemical energy, int i_eff (U - T dU/dT) dt
    double rc_field_j = 0.0;        // energy put into the RC capacitors
    double heat_generated_j = 0.0;  // heat generated in the cells (irreversible + reversible)
    double extra_heat_j = 0.0;      // external heat given to cells and cases (balancing, bus bars)
    double heat_to_ambient_j = 0.0; // heat passed from the network to ambient
    double thermal_stored_j = 0.0;  // sum C (T - T_start) over cells and cases
};

class cell_array {
public:
    cell_array(const cell_params& p, std::size_t n_modules, std::size_t cells_per_module, std::uint64_t spread_seed,
               thermal_layout layout = thermal_layout::module);

    std::size_t size() const { return m_n; }
    std::size_t n_modules() const { return m_nm; }
    std::size_t cells_per_module() const { return m_nc; }
    thermal_layout layout() const { return m_layout; }
    const cell_params& params() const { return m_p; }
    const module_thermal& thermal() const { return m_thermal; }

    // --- state setters (between steps) ---
    void set_soc(std::size_t cell, double soc);
    void set_module_soc(std::size_t module, double soc);
    void set_all_soc(double soc);
    // Hysteresis state as a fraction of the half gap at the present SoC: +1 charge branch,
    // -1 discharge branch, 0 mid (the initial state).
    void set_hysteresis(std::size_t cell, double fraction);
    void set_all_hysteresis(double fraction);
    // Temperatures. The thermal energy baseline moves with them (a forced temperature is no heat).
    void set_temperature_k(std::size_t cell, double temp_k);
    void set_case_temperature_k(std::size_t module, double temp_k); // no-op for free_standing
    void set_module_temperature_k(std::size_t module, double temp_k); // its cells and its case
    void set_all_temperature_k(double temp_k);
    // RC branch voltages and the surface-bulk SoC difference back to 0 (relaxed cell).
    void relax();

    // --- one step ---
    // Exact end-of-step linear model v_k = e_v[k] + r_ohm[k] i_k for a step of dt_s with constant
    // current (direction[k]: > 0 charge R0, < 0 discharge R0, 0 their mean).
    void linearise(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& direction, Eigen::Ref<Eigen::ArrayXd> e_v,
                   Eigen::Ref<Eigen::ArrayXd> r_ohm) const;
    // Advance every cell by dt_s with constant current_a[k]; heat inputs in W: per cell (size())
    // and per module (n_modules(), into the case node; free_standing: shared by its cells).
    void step(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& current_a, double ambient_k,
              const Eigen::Ref<const Eigen::ArrayXd>& cell_extra_heat_w,
              const Eigen::Ref<const Eigen::ArrayXd>& module_extra_heat_w);
    void step(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& current_a, double ambient_k);

    // --- state (per cell unless noted) ---
    const Eigen::ArrayXd& soc() const { return m_soc; }
    const Eigen::ArrayXd& ocv_v() const { return m_ocv; }          // U(soc_s, T), mid branch, present state
    const Eigen::ArrayXd& bulk_ocv_v() const { return m_ocv_b; }   // U at the bulk SoC (equals ocv_v at rest)
    const Eigen::ArrayXd& surface_soc_offset() const { return m_d; } // d = soc_s - soc (< 0 while discharging)
    const Eigen::ArrayXd& diffusion_depletion_s() const { return m_tg; } // tau_g(T) now
    const Eigen::ArrayXd& hysteresis_v() const { return m_h; }     // relaxed voltage = ocv_v + hysteresis_v
    const Eigen::ArrayXd& voltage_v() const { return m_voltage; }  // terminal voltage at the end of the last step
    const Eigen::ArrayXd& current_a() const { return m_current; }  // current of the last step
    const Eigen::ArrayXd& rc1_v() const { return m_v1; }
    const Eigen::ArrayXd& rc2_v() const { return m_v2; }
    const Eigen::ArrayXd& temp_k() const { return m_temp; }
    const Eigen::ArrayXd& case_temp_k() const { return m_case_temp; } // per module (empty: free_standing)
    const Eigen::ArrayXd& heat_w() const { return m_heat_w; }         // mean heat generated over the last step
    const Eigen::ArrayXd& capacity_ah() const { return m_cap_ah; }     // charge between SoC 0 and 1 now
    const Eigen::ArrayXd& initial_capacity_ah() const { return m_cap0_ah; }
    const Eigen::ArrayXd& r0_ohm() const { return m_r0_now; }          // R0 now, direction of the last current
    const Eigen::ArrayXd& r0_charge_ohm() const { return m_r0c; }
    const Eigen::ArrayXd& r0_discharge_ohm() const { return m_r0d; }
    const Eigen::ArrayXd& r1_ohm() const { return m_r1; }
    const Eigen::ArrayXd& r2_ohm() const { return m_r2; }
    const Eigen::ArrayXd& entropic_v_per_k() const { return m_dudt; }
    const Eigen::ArrayXd& self_discharge_per_s() const { return m_sd; } // fraction of capacity per second
    const Eigen::ArrayXd& r0_spread_factor() const { return m_r0_spread; }
    const Eigen::ArrayXd& soh() const { return m_soh; }                // capacity now / initial capacity
    const Eigen::ArrayXd& resistance_factor() const { return m_r_age; } // resistance now / initial
    const aging_state& aging(std::size_t cell) const { return m_aging[cell]; }

    // --- energy bookkeeping ---
    cell_energy_totals energy() const;
    const Eigen::ArrayXd& electrical_in_j() const { return m_e_in; } // per cell, cumulative
    const Eigen::ArrayXd& chemical_j() const { return m_e_chem; }
    const Eigen::ArrayXd& heat_generated_j() const { return m_e_heat; }
    const Eigen::ArrayXd& heat_to_ambient_j() const { return m_e_amb; } // per module

    // --- aging ---
    // Stressors of the simulated history are collected per cell; a window closes every
    // aging.update_interval_s of simulated time (or now, with update_aging()) and ages the cells.
    void update_aging();
    // Fast aging without electrical stepping: every cell ages duration_s under `stress`
    // (stress.efc = equivalent full cycles within duration_s).
    void age(double duration_s, const aging_stress& stress);
    // Repeat the stress of each cell's last closed window for duration_s (e.g. simulate one
    // representative day, then age ten years of such days).
    void age_repeat_last_window(double duration_s);
    const aging_stress& last_window_stress(std::size_t cell) const { return m_last_stress[cell]; }
    double last_window_s() const { return m_last_window_s; }
    double open_window_s() const { return m_win_s; } // simulated time not yet in the aging state
    // The cells' age: aged time plus the open window (every cell ages together).
    double age_s() const { return (m_n ? m_aging[0].age_s : 0.0) + m_win_s; }

private:
    struct dt_consts {
        double dt_s = -1.0;
        double a1 = 1.0, a2 = 1.0; // exp(-dt/tau)
        double b1 = 0.0, b2 = 0.0; // tau (1 - a)
        double c1 = 0.0, c2 = 0.0; // tau (1 - a^2) / 2
    };
    const dt_consts& consts(double dt_s) const;
    void linearise_cells(const dt_consts& c, const double* dir, double* e_v, double* r_ohm) const;
    // Parameters at the present state, for the next step. With r1_before (R1 before the change,
    // per cell; may be m_r1 itself), v1 and v2 are rescaled by sqrt(R1_new / R1_before).
    void refresh(const double* r1_before = nullptr);
    void find_segments();
    template <bool common>
    void refresh_tables();
    template <bool rescale>
    void refresh_factors(double k0, double krc, double kd, const double* r1_before);
    void step_cells(double dt, const dt_consts& c, const double* current_a);
    template <bool series>
    void step_diffusion(double dt, const double* current_a);
    template <bool series>
    void step_hysteresis(const double* current_a);
    void refresh_capacity();        // capacity and resistance factor from the aging state
    void reset_window();
    void sync_temps_from_nodes();
    void exchange_between_cases(double dt_s); // neighbouring module cases (case_to_neighbour_w_per_k)
    void check_cell(std::size_t cell) const;
    void check_module(std::size_t module) const;

    cell_params m_p;
    std::size_t m_nm, m_nc, m_n;
    thermal_layout m_layout;
    module_thermal m_thermal;
    std::size_t m_nodes; // thermal nodes per module

    // SoC tables on one union axis: value = y[i] + slope[i] (soc - x[i]).
    std::vector<double> m_x;
    std::vector<double> m_ocv_y, m_ocv_s, m_ent_y, m_ent_s, m_gap_y, m_gap_s, m_f0_y, m_f0_s, m_frc_y, m_frc_s;
    // The same tables, one record per segment (what a cell's look-up reads, together).
    struct soc_segment {
        double x, ocv_y, ocv_s, ent_y, ent_s, gap_y, gap_s, f0_y, f0_s, frc_y, frc_s;
    };
    std::vector<soc_segment> m_tab;
    std::vector<std::uint32_t> m_seg, m_seg_b; // segment of soc_s (all tables) and of soc (bulk OCV)
    // True while every cell's soc_s lies in segment m_common_seg and its soc in m_common_seg_b
    // (cells of a stack have nearly the same SoC): the look-up then reads one record for all.
    bool m_segs_common = false;
    std::uint32_t m_common_seg = 0, m_common_seg_b = 0;

    // constants per cell (spread)
    Eigen::ArrayXd m_cap0_ah, m_r0_spread, m_sd;
    // state
    Eigen::ArrayXd m_soc, m_d, m_h, m_v1, m_v2, m_temp, m_case_temp, m_voltage, m_current, m_heat_w;
    Eigen::MatrixXd m_tnode, m_tbase; // thermal nodes x modules: state and energy baseline
    // aging
    std::vector<aging_state> m_aging;
    std::vector<aging_stress> m_last_stress;
    double m_last_window_s = 0.0;
    Eigen::ArrayXd m_cap_ah, m_cap_as, m_soh, m_r_age;
    double m_win_s = 0.0;
    Eigen::ArrayXd m_win_temp, m_win_soc, m_win_min, m_win_max, m_win_q, m_win_q_active;
    // prepared parameters at the present state
    Eigen::ArrayXd m_ocv, m_ocv_b, m_tg, m_inv_taud, m_dudt, m_gap, m_f0, m_frc, m_r0c, m_r0d, m_r1, m_r2, m_g1, m_g2, m_r0_now;
    // energies
    Eigen::ArrayXd m_e_in, m_e_chem, m_e_rc, m_e_heat, m_e_amb;
    double m_e_extra = 0.0;
    // scratch
    Eigen::ArrayXd m_w0, m_w1, m_r1_old, m_zero_cells, m_zero_modules; // m_w0: Arrhenius x, m_w1: hysteresis exponent
    Eigen::MatrixXd m_pnode, m_tscratch;
    Eigen::ArrayXd m_x_anchor, m_a0_anchor, m_arc_anchor, m_ad_anchor; // Arrhenius anchors
    double m_inv_taud_max = 0.0; // max over cells of 1 / tau_d(T)
    bool m_anchor_valid = false;
    mutable dt_consts m_dt;
};

} // namespace stacksim::num
