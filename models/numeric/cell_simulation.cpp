#include "numeric/cell_simulation.h"

#include <cmath>
#include <stdexcept>

#include "numeric/cell_array.h"
#include "numeric/units.h"

namespace stacksim::num {

namespace {
constexpr double seconds_per_hour = 3600.0;

// Cell 0 at its present state with current i_a (+ = charge) flowing from now on: the model's
// instantaneous terminal voltage, U + h + v1 + v2 + R0 i (R0 by direction, as cell_array::step),
// and heat rate, the integrand of cell_array::step's heat (docs/models/cell.md, "Heat and energy").
double terminal_voltage_v(const cell_array& c, double i_a) {
    const double r0 = i_a > 0.0 ? c.r0_charge_ohm()(0) : c.r0_discharge_ohm()(0);
    return c.ocv_v()(0) + c.hysteresis_v()(0) + c.rc1_v()(0) + c.rc2_v()(0) + r0 * i_a;
}

double heat_rate_w(const cell_array& c, double i_a) {
    const double r0 = i_a > 0.0 ? c.r0_charge_ohm()(0) : c.r0_discharge_ohm()(0);
    const double v1 = c.rc1_v()(0), v2 = c.rc2_v()(0);
    const double t_k = c.temp_k()(0), dudt = c.entropic_v_per_k()(0);
    const double i_eff = (i_a > 0.0 ? c.params().coulombic_efficiency * i_a : i_a) -
                         c.self_discharge_per_s()(0) * c.capacity_ah()(0) * seconds_per_hour;
    // Side reactions release the bulk's enthalpy; the surface-bulk potential difference is the
    // diffusion overpotential's heat (both as cell_array::step).
    const double u_surface = c.ocv_v()(0), u_bulk = c.bulk_ocv_v()(0);
    return r0 * i_a * i_a + v1 * v1 / c.r1_ohm()(0) + v2 * v2 / c.r2_ohm()(0) + c.hysteresis_v()(0) * i_a +
           i_a * t_k * dudt + (i_a - i_eff) * (u_bulk - t_k * dudt) + i_a * (u_surface - u_bulk);
}
} // namespace

cell_array make_standalone_cell(const cell_params& p, double ambient_k, double soc, double hysteresis) {
    cell_params nominal = p;
    nominal.capacity_spread = {};
    nominal.r0_spread = {};
    nominal.self_discharge_spread = {};
    cell_array cell(nominal, 1, 1, 0, thermal_layout::free_standing);
    cell.set_all_temperature_k(ambient_k);
    cell.set_all_soc(soc);
    cell.set_all_hysteresis(hysteresis);
    return cell;
}

cell_simulation_result simulate_cell(const cell_params& p, const std::vector<double>& t_s,
                                     const std::vector<double>& current_a, double ambient_c, double dt_s,
                                     double initial_soc, double initial_hysteresis) {
    if (t_s.size() != current_a.size() || t_s.empty())
        throw std::invalid_argument("simulate_cell: t_s and current_a must have the same, non-zero length");
    if (!(dt_s > 0.0) || !std::isfinite(dt_s))
        throw std::invalid_argument("simulate_cell: dt_s must be > 0");
    for (std::size_t i = 1; i < t_s.size(); ++i)
        if (!(t_s[i] > t_s[i - 1]))
            throw std::invalid_argument("simulate_cell: t_s must strictly increase");

    const double ambient_k = ambient_c + num::zero_celsius_k;
    cell_array cell = make_standalone_cell(p, ambient_k, initial_soc, initial_hysteresis);

    cell_simulation_result r;
    const std::size_t n = t_s.size();
    for (auto* v : {&r.t_s, &r.current_a, &r.voltage_v, &r.ocv_v, &r.hysteresis_v, &r.soc, &r.temp_c, &r.heat_w})
        v->reserve(n);
    const auto record = [&](double t, double i) {
        r.t_s.push_back(t);
        r.current_a.push_back(i);
        r.voltage_v.push_back(terminal_voltage_v(cell, i));
        r.ocv_v.push_back(cell.ocv_v()(0));
        r.hysteresis_v.push_back(cell.hysteresis_v()(0));
        r.soc.push_back(cell.soc()(0));
        r.temp_c.push_back(cell.temp_k()(0) - num::zero_celsius_k);
        r.heat_w.push_back(heat_rate_w(cell, i));
    };
    record(t_s[0], current_a[0]);
    Eigen::ArrayXd i1(1);
    for (std::size_t k = 0; k + 1 < n; ++k) {
        const double span = t_s[k + 1] - t_s[k];
        const auto steps = static_cast<std::size_t>(std::ceil(span / dt_s - 1e-9));
        const double h = span / static_cast<double>(steps == 0 ? 1 : steps);
        i1(0) = current_a[k];
        for (std::size_t s = 0; s < (steps == 0 ? 1 : steps); ++s)
            cell.step(h, i1, ambient_k);
        record(t_s[k + 1], current_a[k + 1]);
    }
    return r;
}

cell_simulation_result simulate_cell(const std::string& params_path, const std::vector<double>& t_s,
                                     const std::vector<double>& current_a, double ambient_c, double dt_s,
                                     double initial_soc, double initial_hysteresis) {
    return simulate_cell(load_cell_params(params_path.empty() ? default_cell_params_path() : params_path), t_s,
                         current_a, ambient_c, dt_s, initial_soc, initial_hysteresis);
}

} // namespace stacksim::num
