// Capacity fade and resistance growth of an LFP cell.
//
// Capacity: NREL BLAST-Lite Lfp_Gr_250AhPrismatic (large-format prismatic LFP/graphite):
//   q = 1 - qLoss_t - qLoss_EFC,  qLoss_t = k_cal t_days^p_cal,  qLoss_EFC = k_cyc EFC^p_cyc.
// Resistance: Naumann's Sony LFP model as in SimSES (calendar: linear in time; cyclic: linear in FEC).
//
// Stress changes are handled by virtual-time continuation, exact for piecewise-constant stress:
// with the rate k of the present window, the state y = k x^p is continued from the virtual
// x0 = (y/k)^(1/p) to x0 + dx. (BLAST-Lite takes one explicit Euler step in virtual time instead;
// both give k x^p for constant stress in the limit of small windows; ours gives it exactly.)
#pragma once

#include "numeric/cell_params.h"

namespace stacksim::num {

// Stressors of one window of time (BLAST-Lite's set).
struct aging_stress {
    double temp_k = 298.15;  // mean temperature
    double soc = 0.5;        // mean SoC
    double dod = 0.0;        // max - min SoC in the window
    double c_rate = 0.0;     // mean |I| / Q_nominal over the window (1/h), rest counted as 0
    double efc = 0.0;        // equivalent full cycles in the window: Ah throughput / (2 Q_nominal)
};

// Aging state of one cell.
struct aging_state {
    double q_loss_calendar = 0.0; // fraction of initial capacity
    double q_loss_cycle = 0.0;
    double r_growth_calendar = 0.0; // fraction of initial resistance
    double r_growth_cycle = 0.0;
    double efc = 0.0;               // equivalent full cycles so far
    double age_s = 0.0;
    double relative_capacity() const { return 1.0 - q_loss_calendar - q_loss_cycle; }
    double resistance_factor() const { return 1.0 + r_growth_calendar + r_growth_cycle; }
};

// Graphite anode potential vs Li (V) from SoC: Safari & Delacourt, J. Electrochem. Soc. 158 (2011)
// A562, with the lithiation fraction Xa = 8.5e-3 + SoC (0.78 - 8.5e-3) of Schimpe et al. 2017,
// as in BLAST-Lite's BatteryDegradationModel._get_Ua.
double anode_potential_v(double soc);

// BLAST-Lite rates: k_cal (per day^p_cal) and k_cyc (per EFC^p_cyc).
double calendar_fade_rate(const aging_params& a, double temp_k, double soc);
double cycle_fade_rate(const aging_params& a, double temp_k, double dod, double c_rate);
// Naumann: calendar resistance growth per second; cyclic growth per EFC (fractions, not %).
double calendar_resistance_rate_per_s(const aging_params& a, double temp_k, double soc);
double cycle_resistance_rate_per_efc(const aging_params& a, double dod, double c_rate);

// y = k x^p continued from y0 by dx (virtual time). k <= 0 or dx <= 0 leaves y0.
double continue_power_law(double y0, double dx, double k, double p);

// Advance one cell's aging state over duration_s with constant stress.
void advance_aging(const aging_params& a, aging_state& s, double duration_s, const aging_stress& stress);

} // namespace stacksim::num
