#include "numeric/cell_array.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::num {

namespace {

constexpr double seconds_per_hour = 3600.0;
constexpr double seconds_per_month = 30.0 * 86400.0; // "per month" = per 30 days
constexpr double two_pi = 6.283185307179586476925286766559;

double interpolate(const soc_table& t, double s) {
    const auto it = std::upper_bound(t.soc.begin(), t.soc.end(), s);
    std::size_t j = static_cast<std::size_t>(it - t.soc.begin());
    j = std::clamp<std::size_t>(j, 1, t.soc.size() - 1) - 1;
    const double w = (s - t.soc[j]) / (t.soc[j + 1] - t.soc[j]);
    return t.value[j] + w * (t.value[j + 1] - t.value[j]);
}

// Values and slopes of a table on the union axis x.
void resample(const soc_table& t, const std::vector<double>& x, std::vector<double>& y, std::vector<double>& slope) {
    y.resize(x.size());
    slope.assign(x.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i)
        y[i] = interpolate(t, x[i]);
    for (std::size_t i = 0; i + 1 < x.size(); ++i)
        slope[i] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
}

// Reproducible standard normal draws: mt19937_64 (its sequence is fixed by the C++ standard) and
// Box-Muller on 53-bit uniforms, so the spread does not depend on the standard library.
class normal_source {
public:
    explicit normal_source(std::uint64_t seed) : m_gen(seed) {}
    double next() {
        const double u1 = uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
    }

private:
    double uniform() { return (static_cast<double>(m_gen() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    std::mt19937_64 m_gen;
};

double draw_factor(const spread_spec& s, normal_source& src) {
    double z = src.next();
    switch (s.distribution) {
    case spread_distribution::none:
        return 1.0;
    case spread_distribution::normal:
        // relative_sigma <= 0.2 is enforced on load: a non-positive factor needs z < -5.
        while (1.0 + s.relative_sigma * z <= 0.0)
            z = src.next();
        return 1.0 + s.relative_sigma * z;
    case spread_distribution::lognormal: {
        const double var = std::log1p(s.relative_sigma * s.relative_sigma);
        return std::exp(-0.5 * var + std::sqrt(var) * z); // mean 1, sigma/mean = relative_sigma
    }
    }
    return 1.0;
}

// exp(d) for |d| <= small_exp_arg by its series to d^7: truncation < 0.02^8 / 8! = 6e-18 (below
// rounding). Plain arithmetic, so the loops that use it vectorise.
constexpr double small_exp_arg = 0.02;
inline double exp_series(double d) {
    return 1.0 + d * (1.0 + d * (1.0 / 2.0 + d * (1.0 / 6.0 + d * (1.0 / 24.0 + d * (1.0 / 120.0 + d * (1.0 / 720.0 + d * (1.0 / 5040.0)))))));
}

module_thermal make_thermal(const cell_params& p, std::size_t cells_per_module, thermal_layout layout) {
    validate_cell_params(p);
    if (cells_per_module == 0)
        throw std::invalid_argument("cell_array: cells_per_module must be > 0");
    if (layout == thermal_layout::module)
        return module_thermal::cells_in_case(cells_per_module, p.heat_capacity_j_per_k, p.case_heat_capacity_j_per_k,
                                             p.cell_to_cell_w_per_k, p.cell_to_case_w_per_k,
                                             p.case_to_ambient_w_per_k);
    return module_thermal::free_standing(cells_per_module, p.heat_capacity_j_per_k,
                                         p.standalone_cell_to_ambient_w_per_k);
}

} // namespace

cell_array::cell_array(const cell_params& p, std::size_t n_modules, std::size_t cells_per_module,
                       std::uint64_t spread_seed, thermal_layout layout)
    : m_p(p),
      m_nm(n_modules),
      m_nc(cells_per_module),
      m_n(n_modules * cells_per_module),
      m_layout(layout),
      m_thermal(make_thermal(p, cells_per_module, layout)),
      m_nodes(m_thermal.size()) {
    if (n_modules == 0)
        throw std::invalid_argument("cell_array: n_modules must be > 0");
    const auto n = static_cast<Eigen::Index>(m_n);
    const auto nm = static_cast<Eigen::Index>(m_nm);
    const auto nodes = static_cast<Eigen::Index>(m_nodes);

    // Union SoC axis of all tables: one segment search per cell serves every table.
    for (const soc_table* t : {&p.ocv_v, &p.entropic_v_per_k, &p.hysteresis_half_gap_v, &p.r0_soc_factor, &p.rc_soc_factor})
        m_x.insert(m_x.end(), t->soc.begin(), t->soc.end());
    std::sort(m_x.begin(), m_x.end());
    m_x.erase(std::unique(m_x.begin(), m_x.end()), m_x.end());
    resample(p.ocv_v, m_x, m_ocv_y, m_ocv_s);
    resample(p.entropic_v_per_k, m_x, m_ent_y, m_ent_s);
    resample(p.hysteresis_half_gap_v, m_x, m_gap_y, m_gap_s);
    resample(p.r0_soc_factor, m_x, m_f0_y, m_f0_s);
    resample(p.rc_soc_factor, m_x, m_frc_y, m_frc_s);
    m_seg.assign(m_n, 0);
    m_seg_b.assign(m_n, 0);

    // Spread, drawn cell by cell in index order (a smaller stack is a prefix of a larger one).
    m_cap0_ah.resize(n);
    m_r0_spread.resize(n);
    m_sd.resize(n);
    normal_source src(spread_seed);
    const double sd_per_s = p.self_discharge_pct_per_month / 100.0 / seconds_per_month;
    for (Eigen::Index k = 0; k < n; ++k) {
        m_cap0_ah(k) = p.table_capacity_ah * draw_factor(p.capacity_spread, src);
        m_r0_spread(k) = draw_factor(p.r0_spread, src);
        m_sd(k) = sd_per_s * draw_factor(p.self_discharge_spread, src);
    }

    const auto zeros = [n](Eigen::ArrayXd& a) { a = Eigen::ArrayXd::Zero(n); };
    m_soc = Eigen::ArrayXd::Constant(n, 0.5);
    for (Eigen::ArrayXd* a : {&m_d, &m_ocv_b, &m_tg, &m_inv_taud, &m_ad_anchor, &m_h, &m_v1, &m_v2, &m_voltage, &m_current, &m_heat_w, &m_e_in, &m_e_chem, &m_e_rc,
                              &m_e_heat, &m_ocv, &m_dudt, &m_gap, &m_f0, &m_frc, &m_r0c, &m_r0d, &m_r1, &m_r2, &m_g1,
                              &m_g2, &m_r0_now, &m_w0, &m_w1, &m_w2, &m_w3, &m_w4, &m_r1_old, &m_x_anchor, &m_a0_anchor, &m_arc_anchor, &m_win_temp, &m_win_soc,
                              &m_win_min, &m_win_max, &m_win_q, &m_win_q_active})
        zeros(*a);
    m_e_amb = Eigen::ArrayXd::Zero(nm);
    m_zero_cells = Eigen::ArrayXd::Zero(n);
    m_zero_modules = Eigen::ArrayXd::Zero(nm);
    m_tnode = Eigen::MatrixXd::Constant(nodes, nm, p.reference_temp_k);
    m_tbase = m_tnode;
    m_pnode = Eigen::MatrixXd::Zero(nodes, nm);
    m_tscratch = Eigen::MatrixXd::Zero(nodes, nm);
    m_temp.resize(n);
    m_case_temp.resize(layout == thermal_layout::module ? nm : 0);
    sync_temps_from_nodes();

    m_aging.assign(m_n, aging_state{});
    m_last_stress.assign(m_n, aging_stress{});
    m_cap_ah = m_cap0_ah;
    m_soh = Eigen::ArrayXd::Ones(n);
    m_r_age = Eigen::ArrayXd::Ones(n);
    refresh_capacity();
    reset_window();
    refresh();
    m_voltage = m_ocv + m_h;
}

// ---------------------------------------------------------------- setters

void cell_array::check_cell(std::size_t cell) const {
    if (cell >= m_n)
        throw std::out_of_range("cell_array: cell index " + std::to_string(cell) + " >= " + std::to_string(m_n));
}

void cell_array::check_module(std::size_t module) const {
    if (module >= m_nm)
        throw std::out_of_range("cell_array: module index " + std::to_string(module) + " >= " + std::to_string(m_nm));
}

void cell_array::set_soc(std::size_t cell, double soc) {
    check_cell(cell);
    m_soc(static_cast<Eigen::Index>(cell)) = soc;
    reset_window();
    refresh();
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::set_module_soc(std::size_t module, double soc) {
    check_module(module);
    m_soc.segment(static_cast<Eigen::Index>(module * m_nc), static_cast<Eigen::Index>(m_nc)).setConstant(soc);
    reset_window();
    refresh();
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::set_all_soc(double soc) {
    m_soc.setConstant(soc);
    reset_window();
    refresh();
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::set_hysteresis(std::size_t cell, double fraction) {
    check_cell(cell);
    const auto k = static_cast<Eigen::Index>(cell);
    m_h(k) = fraction * m_gap(k);
    m_voltage(k) = m_ocv(k) + m_h(k) + m_v1(k) + m_v2(k);
}

void cell_array::set_all_hysteresis(double fraction) {
    m_h = fraction * m_gap;
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::relax() {
    m_v1.setZero();
    m_v2.setZero();
    m_d.setZero();
    refresh();
    m_voltage = m_ocv + m_h;
}

void cell_array::set_temperature_k(std::size_t cell, double temp_k) {
    check_cell(cell);
    const auto pos = static_cast<Eigen::Index>(cell % m_nc);
    const auto m = static_cast<Eigen::Index>(cell / m_nc);
    m_tbase(pos, m) += temp_k - m_tnode(pos, m);
    m_tnode(pos, m) = temp_k;
    sync_temps_from_nodes();
    refresh();
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::set_case_temperature_k(std::size_t module, double temp_k) {
    check_module(module);
    if (m_layout != thermal_layout::module)
        return;
    const auto row = static_cast<Eigen::Index>(m_nc);
    const auto m = static_cast<Eigen::Index>(module);
    m_tbase(row, m) += temp_k - m_tnode(row, m);
    m_tnode(row, m) = temp_k;
    sync_temps_from_nodes();
}

void cell_array::set_module_temperature_k(std::size_t module, double temp_k) {
    check_module(module);
    const auto m = static_cast<Eigen::Index>(module);
    m_tbase.col(m).array() += temp_k - m_tnode.col(m).array();
    m_tnode.col(m).setConstant(temp_k);
    sync_temps_from_nodes();
    refresh();
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::set_all_temperature_k(double temp_k) {
    m_tbase.array() += temp_k - m_tnode.array();
    m_tnode.setConstant(temp_k);
    sync_temps_from_nodes();
    refresh();
    m_voltage = m_ocv + m_h + m_v1 + m_v2;
}

void cell_array::sync_temps_from_nodes() {
    const auto nc = static_cast<Eigen::Index>(m_nc);
    const auto nm = static_cast<Eigen::Index>(m_nm);
    Eigen::Map<Eigen::MatrixXd>(m_temp.data(), nc, nm) = m_tnode.topRows(nc);
    if (m_layout == thermal_layout::module)
        m_case_temp = m_tnode.row(nc).transpose().array();
}

// Heat between the cases of neighbouring modules, split from the per-module exact step (Lie
// splitting, first order in dt) and solved implicitly (backward Euler on the chain of cases):
//   (C I + dt G L_chain) T_new = C T_old,  L_chain the path-graph Laplacian m0-m1-...
// Unconditionally stable, and it conserves the cases' heat exactly (L_chain's columns sum to 0),
// so the energy books are untouched. Thomas algorithm, O(modules).
void cell_array::exchange_between_cases(double dt_s) {
    const double g = m_p.case_to_neighbour_w_per_k;
    if (m_layout != thermal_layout::module || !(g > 0.0) || m_nm < 2)
        return;
    const auto row = static_cast<Eigen::Index>(m_nc);
    const auto n = static_cast<Eigen::Index>(m_nm);
    const double c = m_p.case_heat_capacity_j_per_k, k = dt_s * g;
    // Tridiagonal: sub = super = -k; diag = c + k (ends) or c + 2k (inner); rhs = c T.
    Eigen::VectorXd diag(n), rhs(n), cp(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        diag(i) = c + k * ((i > 0) + (i + 1 < n));
        rhs(i) = c * m_tnode(row, i);
    }
    cp(0) = -k / diag(0);
    rhs(0) /= diag(0);
    for (Eigen::Index i = 1; i < n; ++i) {
        const double den = diag(i) + k * cp(i - 1);
        cp(i) = -k / den;
        rhs(i) = (rhs(i) + k * rhs(i - 1)) / den;
    }
    for (Eigen::Index i = n - 2; i >= 0; --i)
        rhs(i) -= cp(i) * rhs(i + 1);
    m_tnode.row(row) = rhs.transpose();
}

// ---------------------------------------------------------------- parameters at the present state

const cell_array::dt_consts& cell_array::consts(double dt_s) const {
    if (dt_s == m_dt.dt_s)
        return m_dt;
    if (!(dt_s > 0.0) || !std::isfinite(dt_s))
        throw std::invalid_argument("cell_array: dt_s must be > 0 and finite");
    const double t1 = m_p.tau1_s, t2 = m_p.tau2_s;
    m_dt.a1 = std::exp(-dt_s / t1);
    m_dt.a2 = std::exp(-dt_s / t2);
    m_dt.b1 = -t1 * std::expm1(-dt_s / t1);
    m_dt.b2 = -t2 * std::expm1(-dt_s / t2);
    m_dt.c1 = -0.5 * t1 * std::expm1(-2.0 * dt_s / t1);
    m_dt.c2 = -0.5 * t2 * std::expm1(-2.0 * dt_s / t2);
    m_dt.dt_s = dt_s;
    return m_dt;
}

void cell_array::refresh() {
    const double tref = m_p.reference_temp_k;
    const std::size_t last_seg = m_x.size() - 2;
    const double x_lo = m_x.front(), x_hi = m_x.back();
    // The segment of the SoC axis that holds x (the first or last one beyond the ends), searched
    // from the cell's previous segment: a cell moves little per step, so this is a step or none.
    auto segment = [&](std::uint32_t& cursor, double x) {
        std::size_t i = cursor;
        while (i < last_seg && x >= m_x[i + 1])
            ++i;
        while (i > 0 && x < m_x[i])
            --i;
        cursor = static_cast<std::uint32_t>(i);
        return i;
    };
    for (std::size_t k = 0; k < m_n; ++k) {
        const auto ki = static_cast<Eigen::Index>(k);
        const double sb = m_soc(ki);      // bulk SoC
        const double s = sb + m_d(ki);    // particle-surface SoC: every table is read here
        const std::size_t i = segment(m_seg[k], s);
        const double d = s - m_x[i];                                 // OCV: linear extrapolation beyond the ends
        const double dc = std::clamp(s, x_lo, x_hi) - m_x[i];      // others: held at the end values
        const double ent = m_ent_y[i] + m_ent_s[i] * dc;
        const double dtemp = m_temp(ki) - tref;
        m_dudt(ki) = ent;
        m_ocv(ki) = m_ocv_y[i] + m_ocv_s[i] * d + ent * dtemp;
        m_gap(ki) = m_gap_y[i] + m_gap_s[i] * dc;
        m_f0(ki) = m_f0_y[i] + m_f0_s[i] * dc;
        m_frc(ki) = m_frc_y[i] + m_frc_s[i] * dc;
        // The bulk's potential (for the energy books): same table at the bulk SoC.
        const std::size_t j = segment(m_seg_b[k], sb);
        m_ocv_b(ki) = m_ocv_y[j] + m_ocv_s[j] * (sb - m_x[j]) + ent * dtemp;
    }
    // Arrhenius factors A = exp(k x), x = 1/max(T, T_min) - 1/T_ref. Temperatures move little per
    // step: A = A(x_anchor) exp(k (x - x_anchor)) with the exponential's series while every
    // |k (x - x_anchor)| <= small_exp_arg (exact to rounding); otherwise new anchors (vectorised exp).
    m_w0 = m_temp.max(m_p.arrhenius_min_temp_k).inverse() - 1.0 / tref;
    const double k0 = m_p.ea_r0_j_per_mol / gas_constant_j_per_mol_k;
    const double krc = m_p.ea_rc_j_per_mol / gas_constant_j_per_mol_k;
    const double kd = m_p.ea_diffusion_j_per_mol / gas_constant_j_per_mol_k;
    if (!m_anchor_valid || (m_w0 - m_x_anchor).abs().maxCoeff() * std::max({k0, krc, kd}) > small_exp_arg) {
        m_x_anchor = m_w0;
        m_a0_anchor = (k0 * m_w0).exp();
        m_arc_anchor = (krc * m_w0).exp();
        m_ad_anchor = (kd * m_w0).exp();
        m_anchor_valid = true;
    }
    {
        const double* x = m_w0.data();
        const double* xa = m_x_anchor.data();
        const double* a0 = m_a0_anchor.data();
        const double* arc = m_arc_anchor.data();
        const double* ad = m_ad_anchor.data();
        double* f0 = m_w1.data();
        double* frc = m_w2.data();
        double* adf = m_tg.data(); // A_D(T) for now
        const auto n = static_cast<std::ptrdiff_t>(m_n);
        for (std::ptrdiff_t k = 0; k < n; ++k) {
            const double dx = x[k] - xa[k];
            f0[k] = a0[k] * exp_series(k0 * dx);
            frc[k] = arc[k] * exp_series(krc * dx);
        }
        for (std::ptrdiff_t k = 0; k < n; ++k) // separate loop: each vectorises
            adf[k] = ad[k] * exp_series(kd * (x[k] - xa[k]));
    }
    m_inv_taud = (1.0 / m_p.diffusion_tau_s) * m_tg.inverse(); // 1 / tau_d(T)
    m_inv_taud_max = m_inv_taud.maxCoeff();
    m_tg *= m_p.diffusion_depletion_s;                          // tau_g(T)
    m_w3 = m_r0_spread * m_r_age * m_f0 * m_w1;
    m_r0d = m_p.r0_discharge_ohm * m_w3;
    m_r0c = m_p.r0_charge_ohm * m_w3;
    m_w4 = m_r_age * m_frc * m_w2;
    m_r1 = m_p.r1_ohm * m_w4;
    m_r2 = m_p.r2_ohm * m_w4;
    m_g1 = m_r1.inverse();
    m_g2 = m_r2.inverse();
    m_r0_now = (m_current > 0.0).select(m_r0c, m_r0d);
}

void cell_array::refresh_capacity() {
    for (std::size_t k = 0; k < m_n; ++k) {
        const auto ki = static_cast<Eigen::Index>(k);
        m_soh(ki) = m_aging[k].relative_capacity();
        m_r_age(ki) = m_aging[k].resistance_factor();
    }
    m_cap_ah = m_cap0_ah * m_soh;
    m_cap_as = m_cap_ah * seconds_per_hour;
}

// ---------------------------------------------------------------- stepping

void cell_array::linearise(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& direction, Eigen::Ref<Eigen::ArrayXd> e_v,
                           Eigen::Ref<Eigen::ArrayXd> r_ohm) const {
    const perf::scope perf_scope(perf::layer::cells);
    const auto n = static_cast<Eigen::Index>(m_n);
    if (direction.size() != n || e_v.size() != n || r_ohm.size() != n)
        throw std::invalid_argument("cell_array::linearise: arrays must have size() elements");
    const dt_consts& c = consts(dt_s);
    e_v = m_ocv + m_h + c.a1 * m_v1 + c.a2 * m_v2;
    r_ohm = (direction > 0.0).select(m_r0c, (direction < 0.0).select(m_r0d, 0.5 * (m_r0c + m_r0d))) +
            (1.0 - c.a1) * m_r1 + (1.0 - c.a2) * m_r2;
}

void cell_array::step(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& current_a, double ambient_k) {
    step(dt_s, current_a, ambient_k, m_zero_cells, m_zero_modules);
}

void cell_array::step(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& current_a, double ambient_k,
                      const Eigen::Ref<const Eigen::ArrayXd>& cell_extra_heat_w,
                      const Eigen::Ref<const Eigen::ArrayXd>& module_extra_heat_w) {
    const perf::scope perf_scope(perf::layer::cells);
    const auto n = static_cast<Eigen::Index>(m_n);
    const auto nc = static_cast<Eigen::Index>(m_nc);
    const auto nm = static_cast<Eigen::Index>(m_nm);
    if (current_a.size() != n || cell_extra_heat_w.size() != n || module_extra_heat_w.size() != nm)
        throw std::invalid_argument("cell_array::step: current and cell heat need size(), module heat n_modules() elements");
    const dt_consts& c = consts(dt_s);
    const double dt = dt_s;
    const auto& i = current_a;

    m_e_extra += (cell_extra_heat_w.sum() + module_extra_heat_w.sum()) * dt;

    // Aging stress window (state at the start of the step).
    m_win_temp += m_temp * dt;
    m_win_soc += m_soc * dt;
    m_w4 = i.abs();
    m_win_q += m_w4 * dt;
    m_win_q_active += (m_w4 >= m_p.aging.crate_threshold * m_cap0_ah).select(m_w4 * dt, 0.0);

    // Electrical step, parameters frozen at the start of the step.
    m_w0 = (i > 0.0).select(m_r0c, m_r0d); // R0 by direction
    m_w1 = m_v1 - m_r1 * i;                 // v1 - v1_inf
    m_w2 = m_v2 - m_r2 * i;                 // v2 - v2_inf
    // Electrical energy: i * int v dt, int v_j dt = R_j i dt + (v_j - v_j_inf) b_j.
    m_e_in += i * ((m_ocv + m_h + (m_w0 + m_r1 + m_r2) * i) * dt + m_w1 * c.b1 + m_w2 * c.b2);
    // Heat (J): R0 i^2 dt + int v_j^2 / R_j dt + h i dt + i T dU/dT dt + (i - i_eff)(U_b - T dU/dT) dt
    // + i (U - U_b) dt (diffusion overpotential), int v_j^2 dt = (R_j i)^2 dt + 2 R_j i d_j b_j + d_j^2 c_j.
    m_w3 = m_ocv_b - m_temp * m_dudt; // enthalpy potential of the bulk U_b - T dU/dT
    m_w4 = (i > 0.0).select(m_p.coulombic_efficiency * i, i) - m_sd * m_cap_as; // i_eff
    m_heat_w = (m_w0 + m_r1 + m_r2) * i.square() * dt + 2.0 * i * (m_w1 * c.b1 + m_w2 * c.b2) +
               m_w1.square() * (c.c1 * m_g1) + m_w2.square() * (c.c2 * m_g2) +
               (m_h * i + i * m_temp * m_dudt + (i - m_w4) * m_w3 + i * (m_ocv - m_ocv_b)) * dt;
    m_e_heat += m_heat_w;
    m_heat_w *= 1.0 / dt;
    m_e_chem += m_w4 * m_w3 * dt;
    m_soc += m_w4 * dt / m_cap_as;
    m_win_min = m_win_min.min(m_soc);
    m_win_max = m_win_max.max(m_soc);
    // RC branches: v_j_end = v_j_inf + a_j (v_j - v_j_inf); capacitor energy C_j/2 (v_end^2 - v^2).
    m_w1 = m_r1 * i + c.a1 * m_w1;
    m_w2 = m_r2 * i + c.a2 * m_w2;
    m_e_rc += (0.5 * m_p.tau1_s) * m_g1 * (m_w1.square() - m_v1.square()) +
              (0.5 * m_p.tau2_s) * m_g2 * (m_w2.square() - m_v2.square());
    m_v1 = m_w1;
    m_v2 = m_w2;
    m_voltage = m_ocv + m_h + m_v1 + m_v2 + m_w0 * i;
    // Hysteresis: towards sign(i) * gap with the charge passed.
    m_w1 = (m_p.hysteresis_rate * dt) * i.abs() / m_cap_as; // >= 0
    if (m_w1.maxCoeff() <= small_exp_arg) {
        double* y = m_w1.data();
        for (Eigen::Index k = 0; k < n; ++k)
            y[k] = exp_series(-y[k]);
    } else {
        m_w1 = (-m_w1).exp();
    }
    m_w2 = (i > 0.0).select(m_gap, (i < 0.0).select(-m_gap, 0.0));
    m_h = m_w2 + (m_h - m_w2) * m_w1;
    // Surface-bulk SoC difference, exact for the step: d_end = d_ss + a_d (d - d_ss), d_ss = tau_g i / Q,
    // a_d = exp(-dt / tau_d(T)); tau_g and tau_d share the diffusion's Arrhenius factor.
    if (m_p.diffusion_depletion_s > 0.0) {
        const double* tg = m_tg.data();
        const double* inv_td = m_inv_taud.data();
        const double* cur = i.data();
        const double* q = m_cap_as.data();
        double* dd = m_d.data();
        if (dt * m_inv_taud_max <= small_exp_arg) { // every a_d by its series (vectorises)
            for (Eigen::Index k = 0; k < n; ++k) {
                const double dss = tg[k] * cur[k] / q[k];
                dd[k] = dss + exp_series(-dt * inv_td[k]) * (dd[k] - dss);
            }
        } else {
            for (Eigen::Index k = 0; k < n; ++k) {
                const double dss = tg[k] * cur[k] / q[k];
                dd[k] = dss + std::exp(-dt * inv_td[k]) * (dd[k] - dss);
            }
        }
    }
    m_current = i;

    // Thermal step: cell heat into the cell nodes, module heat into the case (or shared by the cells).
    auto p_cells = m_pnode.topRows(nc);
    p_cells = Eigen::Map<const Eigen::MatrixXd>(m_heat_w.data(), nc, nm) +
              Eigen::Map<const Eigen::MatrixXd>(cell_extra_heat_w.data(), nc, nm);
    if (m_layout == thermal_layout::module)
        m_pnode.row(nc) = module_extra_heat_w.matrix().transpose();
    else
        p_cells.rowwise() += module_extra_heat_w.matrix().transpose() / static_cast<double>(m_nc);
    m_thermal.step(dt, m_tnode, m_pnode, ambient_k, Eigen::Map<Eigen::VectorXd>(m_e_amb.data(), nm), m_tscratch);
    exchange_between_cases(dt);
    sync_temps_from_nodes();

    // New parameters for the next step. R1 and R2 share their SoC, temperature and aging factors;
    // when they change, v_j is rescaled by sqrt(R_new / R_old) so that the energy held by each
    // branch, C_j v_j^2 / 2 with C_j = tau_j / R_j, is unchanged (energy-conservative model).
    m_r1_old = m_r1;
    m_win_s += dt;
    if (m_win_s >= m_p.aging.update_interval_s)
        update_aging();
    refresh();
    m_r1_old = (m_r1 / m_r1_old).sqrt();
    m_v1 *= m_r1_old;
    m_v2 *= m_r1_old;
}

// ---------------------------------------------------------------- energy

cell_energy_totals cell_array::energy() const {
    cell_energy_totals e;
    e.electrical_in_j = m_e_in.sum();
    e.chemical_j = m_e_chem.sum();
    e.rc_field_j = m_e_rc.sum();
    e.heat_generated_j = m_e_heat.sum();
    e.extra_heat_j = m_e_extra;
    e.heat_to_ambient_j = m_e_amb.sum();
    e.thermal_stored_j = (m_thermal.heat_capacity_j_per_k().asDiagonal() * (m_tnode - m_tbase)).sum();
    return e;
}

// ---------------------------------------------------------------- aging

void cell_array::reset_window() {
    m_win_s = 0.0;
    m_win_temp.setZero();
    m_win_soc.setZero();
    m_win_q.setZero();
    m_win_q_active.setZero();
    m_win_min = m_soc;
    m_win_max = m_soc;
}

void cell_array::update_aging() {
    if (!(m_win_s > 0.0))
        return;
    const double t = m_win_s;
    for (std::size_t k = 0; k < m_n; ++k) {
        const auto ki = static_cast<Eigen::Index>(k);
        const double q0_as = m_cap0_ah(ki) * seconds_per_hour;
        aging_stress s;
        s.temp_k = m_win_temp(ki) / t;
        s.soc = m_win_soc(ki) / t;
        s.dod = std::max(0.0, m_win_max(ki) - m_win_min(ki));
        s.c_rate = m_win_q_active(ki) / q0_as * seconds_per_hour / t;
        s.efc = m_win_q(ki) / (2.0 * q0_as);
        advance_aging(m_p.aging, m_aging[k], t, s);
        m_last_stress[k] = s;
    }
    m_last_window_s = t;
    reset_window();
    refresh_capacity();
    refresh();
}

void cell_array::age(double duration_s, const aging_stress& stress) {
    if (!(duration_s >= 0.0))
        throw std::invalid_argument("cell_array::age: duration_s must be >= 0");
    for (auto& a : m_aging)
        advance_aging(m_p.aging, a, duration_s, stress);
    refresh_capacity();
    refresh();
}

void cell_array::age_repeat_last_window(double duration_s) {
    if (!(m_last_window_s > 0.0))
        throw std::logic_error("cell_array::age_repeat_last_window: no stress window has closed yet");
    if (!(duration_s >= 0.0))
        throw std::invalid_argument("cell_array::age_repeat_last_window: duration_s must be >= 0");
    for (std::size_t k = 0; k < m_n; ++k) {
        aging_stress s = m_last_stress[k];
        s.efc *= duration_s / m_last_window_s;
        advance_aging(m_p.aging, m_aging[k], duration_s, s);
    }
    refresh_capacity();
    refresh();
}

} // namespace stacksim::num
