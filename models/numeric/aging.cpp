#include "numeric/aging.h"

#include <algorithm>
#include <cmath>

namespace stacksim::num {

namespace {
constexpr double seconds_per_day = 86400.0;
} // namespace

double anode_potential_v(double soc) {
    // Model equation of Safari & Delacourt (2011) as used by BLAST-Lite: fixed fit, not a parameter.
    const double xa = 8.5e-3 + soc * (0.78 - 8.5e-3);
    return 0.6379 + 0.5416 * std::exp(-305.5309 * xa) + 0.044 * std::tanh(-(xa - 0.1958) / 0.1088) -
           0.1978 * std::tanh((xa - 1.0571) / 0.0854) - 0.6875 * std::tanh((xa + 0.0117) / 0.0529) -
           0.0175 * std::tanh((xa - 0.5692) / 0.0875);
}

double calendar_fade_rate(const aging_params& a, double temp_k, double soc) {
    return std::abs(a.cal_p1) * std::exp(a.cal_p2_k / temp_k) * std::exp(a.cal_p3_k_per_v * anode_potential_v(soc) / temp_k);
}

double cycle_fade_rate(const aging_params& a, double temp_k, double dod, double c_rate) {
    return (a.cyc_p4 + a.cyc_p5 * dod + a.cyc_p6 * c_rate) * (std::exp(a.cyc_p7_k / temp_k) + std::exp(-a.cyc_p8_k / temp_k));
}

double calendar_resistance_rate_per_s(const aging_params& a, double temp_k, double soc) {
    const double arr = std::exp(-a.r_cal_ea_j_per_mol / gas_constant_j_per_mol_k * (1.0 / temp_k - 1.0 / a.r_cal_ref_temp_k));
    const double ds = soc - 0.5;
    return std::max(0.0, a.r_cal_rate_per_s * arr * (a.r_cal_soc_quad * ds * ds + a.r_cal_soc_const));
}

double cycle_resistance_rate_per_efc(const aging_params& a, double dod, double c_rate) {
    const double dd = dod - 0.5;
    const double pct = (a.r_cyc_crate_coeff * c_rate + a.r_cyc_const) * (a.r_cyc_dod_cubic * dd * dd * dd + a.r_cyc_dod_const);
    // Outside its fitted range (C-rate > ~1) the published fit turns negative; resistance never heals.
    return std::max(0.0, pct / 100.0);
}

double continue_power_law(double y0, double dx, double k, double p) {
    if (!(k > 0.0) || !(dx > 0.0))
        return y0;
    const double x0 = y0 > 0.0 ? std::pow(y0 / k, 1.0 / p) : 0.0;
    return k * std::pow(x0 + dx, p);
}

void advance_aging(const aging_params& a, aging_state& s, double duration_s, const aging_stress& stress) {
    if (duration_s > 0.0) {
        const double kcal = calendar_fade_rate(a, stress.temp_k, stress.soc);
        s.q_loss_calendar = continue_power_law(s.q_loss_calendar, duration_s / seconds_per_day, kcal, a.cal_exponent);
        s.r_growth_calendar += calendar_resistance_rate_per_s(a, stress.temp_k, stress.soc) * duration_s;
        s.age_s += duration_s;
    }
    if (stress.efc > 0.0) {
        const double kcyc = cycle_fade_rate(a, stress.temp_k, stress.dod, stress.c_rate);
        s.q_loss_cycle = continue_power_law(s.q_loss_cycle, stress.efc, kcyc, a.cyc_exponent);
        s.r_growth_cycle += cycle_resistance_rate_per_efc(a, stress.dod, stress.c_rate) * stress.efc;
        s.efc += stress.efc;
    }
}

} // namespace stacksim::num
