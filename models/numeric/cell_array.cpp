#include "numeric/cell_array.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::num {

namespace {

// The per-cell loops read and write distinct arrays, element k in iteration k: no iteration depends
// on another, which GCC cannot prove through the many pointers (its alias checks give up), so it
// is told. The arithmetic of each element is unchanged; only several elements go at once.
#if defined(__GNUC__) && !defined(__clang__)
#define STACKSIM_INDEPENDENT_ITERATIONS _Pragma("GCC ivdep")
#else
#define STACKSIM_INDEPENDENT_ITERATIONS
#endif
// Where the processor has AVX, those loops also run four cells at a time (a clone of each is
// compiled for AVX and picked at load time). AVX alone has no fused multiply-add, so every
// operation and its rounding are those of the SSE2 build: the results are identical.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define STACKSIM_CELL_LOOP_CLONES __attribute__((target_clones("avx", "default")))
#else
#define STACKSIM_CELL_LOOP_CLONES
#endif

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
    m_tab.resize(m_x.size());
    for (std::size_t i = 0; i < m_x.size(); ++i)
        m_tab[i] = {m_x[i], m_ocv_y[i], m_ocv_s[i], m_ent_y[i], m_ent_s[i], m_gap_y[i], m_gap_s[i],
                    m_f0_y[i], m_f0_s[i], m_frc_y[i], m_frc_s[i]};
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
                              &m_g2, &m_r0_now, &m_w0, &m_w1, &m_r1_old, &m_x_anchor, &m_a0_anchor, &m_arc_anchor, &m_win_temp, &m_win_soc,
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

// Arrhenius factors, diffusion times and resistances of every cell (and with rescale the RC
// voltages' sqrt(R1_new / R1_before)), one vectorised loop per variant.
template <bool rescale>
STACKSIM_CELL_LOOP_CLONES
void cell_array::refresh_factors(double k0, double krc, double kd, const double* __restrict r1_before) {
    {
        const double* __restrict x = m_w0.data();
        const double* __restrict xa = m_x_anchor.data();
        const double* __restrict a0 = m_a0_anchor.data();
        const double* __restrict arc = m_arc_anchor.data();
        const double* __restrict ad = m_ad_anchor.data();
        const double* __restrict spread = m_r0_spread.data();
        const double* __restrict rage = m_r_age.data();
        const double* __restrict f0 = m_f0.data();
        const double* __restrict frc = m_frc.data();
        const double* __restrict cur = m_current.data();
        double* __restrict tg = m_tg.data();
        double* __restrict inv_taud = m_inv_taud.data();
        double* __restrict r0c = m_r0c.data();
        double* __restrict r0d = m_r0d.data();
        double* __restrict r1 = m_r1.data();
        double* __restrict r2 = m_r2.data();
        double* __restrict g1 = m_g1.data();
        double* __restrict g2 = m_g2.data();
        double* __restrict r0_now = m_r0_now.data();
        double* __restrict v1 = m_v1.data();
        double* __restrict v2 = m_v2.data();
        const double inv_taud_ref = 1.0 / m_p.diffusion_tau_s, depl = m_p.diffusion_depletion_s;
        const double p_r0d = m_p.r0_discharge_ohm, p_r0c = m_p.r0_charge_ohm, p_r1 = m_p.r1_ohm, p_r2 = m_p.r2_ohm;
        const auto n = static_cast<std::ptrdiff_t>(m_n);
        {
            STACKSIM_INDEPENDENT_ITERATIONS
            for (std::ptrdiff_t k = 0; k < n; ++k) {
                const double dx = x[k] - xa[k];
                const double a_0 = a0[k] * exp_series(k0 * dx);
                const double a_rc = arc[k] * exp_series(krc * dx);
                const double a_d = ad[k] * exp_series(kd * dx); // A_D(T)
                const double itd = inv_taud_ref * (1.0 / a_d);  // 1 / tau_d(T)
                inv_taud[k] = itd;
                tg[k] = a_d * depl; // tau_g(T)
                const double w3 = spread[k] * rage[k] * f0[k] * a_0;
                const double r0_d = p_r0d * w3, r0_c = p_r0c * w3;
                r0d[k] = r0_d;
                r0c[k] = r0_c;
                const double w4 = rage[k] * frc[k] * a_rc;
                const double r1k = p_r1 * w4;
                if constexpr (rescale) {
                    // sqrt(R_new / R_old): C_j v_j^2 / 2 unchanged (R1 and R2 share the factor).
                    const double f = std::sqrt(r1k / r1_before[k]);
                    v1[k] = v1[k] * f;
                    v2[k] = v2[k] * f;
                }
                const double r2k = p_r2 * w4;
                r1[k] = r1k;
                r2[k] = r2k;
                g1[k] = 1.0 / r1k;
                g2[k] = 1.0 / r2k;
                r0_now[k] = cur[k] > 0.0 ? r0_c : r0_d;
            }
        }
    }
}

// Table values of every cell at its segments (found by find_segments), x = 1/max(T, T_min) -
// 1/T_ref into m_w0. common: every cell is in segments m_common_seg / m_common_seg_b, so the two
// records are read once (the same values, without a gather per cell).
template <bool common>
STACKSIM_CELL_LOOP_CLONES
void cell_array::refresh_tables() {
    const double tref = m_p.reference_temp_k;
    const double x_lo = m_x.front(), x_hi = m_x.back();
    const double t_min = m_p.arrhenius_min_temp_k, inv_tref = 1.0 / tref;
    {
        const double* __restrict socp = m_soc.data();
        const double* __restrict dp = m_d.data();
        const double* __restrict temp = m_temp.data();
        const std::uint32_t* __restrict seg = m_seg.data();
        const std::uint32_t* __restrict seg_b = m_seg_b.data();
        const soc_segment* __restrict tab = m_tab.data();
        double* __restrict dudt = m_dudt.data();
        double* __restrict ocv = m_ocv.data();
        double* __restrict gap = m_gap.data();
        double* __restrict f0 = m_f0.data();
        double* __restrict frc = m_frc.data();
        double* __restrict ocv_b = m_ocv_b.data();
        double* __restrict xw = m_w0.data();
        const auto n = static_cast<std::ptrdiff_t>(m_n);
        const soc_segment t_common = tab[m_common_seg], tb_common = tab[m_common_seg_b];
        STACKSIM_INDEPENDENT_ITERATIONS
        for (std::ptrdiff_t k = 0; k < n; ++k) {
            const double sb = socp[k];
            const double s = sb + dp[k];
            const soc_segment& t = common ? t_common : tab[seg[k]];
            const double d = s - t.x;                            // OCV: linear extrapolation beyond the ends
            const double dc = std::clamp(s, x_lo, x_hi) - t.x;  // others: held at the end values
            const double ent = t.ent_y + t.ent_s * dc;
            const double tk = temp[k];
            const double dtemp = tk - tref;
            dudt[k] = ent;
            ocv[k] = t.ocv_y + t.ocv_s * d + ent * dtemp;
            gap[k] = t.gap_y + t.gap_s * dc;
            f0[k] = t.f0_y + t.f0_s * dc;
            frc[k] = t.frc_y + t.frc_s * dc;
            // The bulk's potential (for the energy books): same table at the bulk SoC.
            const soc_segment& tb = common ? tb_common : tab[seg_b[k]];
            ocv_b[k] = tb.ocv_y + tb.ocv_s * (sb - tb.x) + ent * dtemp;
            const double x = 1.0 / std::max(tk, t_min) - inv_tref;
            xw[k] = x;
        }
    }
}

namespace {

// How many of the n cells have their particle-surface SoC (soc + d) outside [lo, hi) or their
// bulk SoC outside [lo_b, hi_b). A NaN is outside of nothing here, as in the search, which leaves
// a NaN's segment where it is. Vectorises (a count, not a branch).
STACKSIM_CELL_LOOP_CLONES
std::ptrdiff_t cells_outside(const double* __restrict soc, const double* __restrict d, std::ptrdiff_t n, double lo,
                             double hi, double lo_b, double hi_b) {
    std::ptrdiff_t outside = 0;
    for (std::ptrdiff_t k = 0; k < n; ++k) {
        const double sb = soc[k];
        const double s = sb + d[k];
        outside += static_cast<std::ptrdiff_t>((s < lo) | (s >= hi) | (sb < lo_b) | (sb >= hi_b));
    }
    return outside;
}

} // namespace

// The segment of the SoC axis that holds each cell's surface and bulk SoC (the first or last one
// beyond the ends). While every cell is in one common pair of segments, one vectorised pass
// checks that they all still are (the common case: a cell moves little per step and the cells of
// a stack have nearly the same SoC); otherwise each cell's search starts from its previous
// segment, so it is a step or none.
void cell_array::find_segments() {
    const std::size_t last_seg = m_x.size() - 2;
    const double* __restrict xs = m_x.data();
    const auto n = static_cast<std::ptrdiff_t>(m_n);
    // Segment i holds x iff x >= xs[i] (or i is the first) and x < xs[i + 1] (or i is the last).
    constexpr double inf = std::numeric_limits<double>::infinity();
    const auto lo = [&](std::size_t i) { return i == 0 ? -inf : xs[i]; };
    const auto hi = [&](std::size_t i) { return i == last_seg ? inf : xs[i + 1]; };
    if (m_segs_common && cells_outside(m_soc.data(), m_d.data(), n, lo(m_common_seg), hi(m_common_seg),
                                       lo(m_common_seg_b), hi(m_common_seg_b)) == 0)
        return;
    auto segment = [&](std::uint32_t& cursor, double x) {
        std::size_t i = cursor;
        while (i < last_seg && x >= xs[i + 1])
            ++i;
        while (i > 0 && x < xs[i])
            --i;
        cursor = static_cast<std::uint32_t>(i);
    };
    for (std::size_t k = 0; k < m_n; ++k) {
        const double sb = m_soc(static_cast<Eigen::Index>(k)); // bulk SoC
        segment(m_seg[k], sb + m_d(static_cast<Eigen::Index>(k))); // particle-surface SoC: every table is read here
        segment(m_seg_b[k], sb);
    }
    m_common_seg = m_seg.front(); // an array has at least one cell (the constructor checks)
    m_common_seg_b = m_seg_b.front();
    m_segs_common = std::all_of(m_seg.begin(), m_seg.end(), [&](std::uint32_t i) { return i == m_common_seg; }) &&
                    std::all_of(m_seg_b.begin(), m_seg_b.end(), [&](std::uint32_t i) { return i == m_common_seg_b; });
}

void cell_array::refresh(const double* r1_before) {
    // Arrhenius factors A = exp(k x), x = 1/max(T, T_min) - 1/T_ref. Temperatures move little per
    // step: A = A(x_anchor) exp(k (x - x_anchor)) with the exponential's series while every
    // |k (x - x_anchor)| <= small_exp_arg (exact to rounding); otherwise new anchors (vectorised exp).
    // The segments first; then the tables (one record per segment) give x and its largest
    // distance from the anchors; refresh_factors (factors, resistances, the RC rescale) vectorises.
    find_segments();
    if (m_segs_common)
        refresh_tables<true>();
    else
        refresh_tables<false>();
    const double max_dx = (m_w0 - m_x_anchor).abs().maxCoeff();
    const double k0 = m_p.ea_r0_j_per_mol / gas_constant_j_per_mol_k;
    const double krc = m_p.ea_rc_j_per_mol / gas_constant_j_per_mol_k;
    const double kd = m_p.ea_diffusion_j_per_mol / gas_constant_j_per_mol_k;
    if (!m_anchor_valid || max_dx * std::max({k0, krc, kd}) > small_exp_arg) {
        m_x_anchor = m_w0;
        m_a0_anchor = (k0 * m_w0).exp();
        m_arc_anchor = (krc * m_w0).exp();
        m_ad_anchor = (kd * m_w0).exp();
        m_anchor_valid = true;
    }
    if (r1_before)
        refresh_factors<true>(k0, krc, kd, r1_before);
    else
        refresh_factors<false>(k0, krc, kd, nullptr);
    m_inv_taud_max = m_inv_taud.maxCoeff();
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
    linearise_cells(c, direction.data(), e_v.data(), r_ohm.data());
}

// e = U + h + a1 v1 + a2 v2 and r = R0(direction) + (1 - a1) R1 + (1 - a2) R2 per cell, each with
// the operations and order of the whole-array expressions, in one loop.
STACKSIM_CELL_LOOP_CLONES
void cell_array::linearise_cells(const dt_consts& c, const double* __restrict dir, double* __restrict e_v,
                                 double* __restrict r_ohm) const {
    const double* __restrict ocv = m_ocv.data();
    const double* __restrict hh = m_h.data();
    const double* __restrict v1 = m_v1.data();
    const double* __restrict v2 = m_v2.data();
    const double* __restrict r0c = m_r0c.data();
    const double* __restrict r0d = m_r0d.data();
    const double* __restrict r1 = m_r1.data();
    const double* __restrict r2 = m_r2.data();
    const double a1 = c.a1, a2 = c.a2, f1 = 1.0 - c.a1, f2 = 1.0 - c.a2;
    const auto n = static_cast<std::ptrdiff_t>(m_n);
    STACKSIM_INDEPENDENT_ITERATIONS
    for (std::ptrdiff_t k = 0; k < n; ++k) {
        e_v[k] = ocv[k] + hh[k] + a1 * v1[k] + a2 * v2[k];
        const double rc = r0c[k], rd = r0d[k], d = dir[k];
        const double mid = 0.5 * (rc + rd);
        const double r0 = d > 0.0 ? rc : (d < 0.0 ? rd : mid);
        r_ohm[k] = r0 + f1 * r1[k] + f2 * r2[k];
    }
}

// The cell part of a step (see step()): one loop over the cells. Every quantity is computed with
// exactly the operations, in the order, of the step's equations written as whole-array
// expressions: the loop only saves the passes over memory (and vectorises).
STACKSIM_CELL_LOOP_CLONES
void cell_array::step_cells(double dt, const dt_consts& c, const double* __restrict cur) {
    const auto n = static_cast<Eigen::Index>(m_n);
    {
        const double* __restrict temp = m_temp.data();
        const double* __restrict cap0 = m_cap0_ah.data();
        const double* __restrict cap = m_cap_as.data();
        const double* __restrict sd = m_sd.data();
        const double* __restrict r0c = m_r0c.data();
        const double* __restrict r0d = m_r0d.data();
        const double* __restrict r1 = m_r1.data();
        const double* __restrict r2 = m_r2.data();
        const double* __restrict g1 = m_g1.data();
        const double* __restrict g2 = m_g2.data();
        const double* __restrict ocv = m_ocv.data();
        const double* __restrict ocv_b = m_ocv_b.data();
        const double* __restrict dudt = m_dudt.data();
        const double* __restrict hh = m_h.data();
        double* __restrict win_temp = m_win_temp.data();
        double* __restrict win_soc = m_win_soc.data();
        double* __restrict win_q = m_win_q.data();
        double* __restrict win_qa = m_win_q_active.data();
        double* __restrict win_min = m_win_min.data();
        double* __restrict win_max = m_win_max.data();
        double* __restrict soc = m_soc.data();
        double* __restrict v1 = m_v1.data();
        double* __restrict v2 = m_v2.data();
        double* __restrict e_in = m_e_in.data();
        double* __restrict e_heat = m_e_heat.data();
        double* __restrict e_chem = m_e_chem.data();
        double* __restrict e_rc = m_e_rc.data();
        double* __restrict heat_w = m_heat_w.data();
        double* __restrict volt = m_voltage.data();
        double* __restrict hrate = m_w1.data(); // hysteresis exponent, >= 0
        const double thr = m_p.aging.crate_threshold, ce = m_p.coulombic_efficiency;
        const double a1 = c.a1, a2 = c.a2, b1 = c.b1, b2 = c.b2, c1 = c.c1, c2 = c.c2;
        const double half_t1 = 0.5 * m_p.tau1_s, half_t2 = 0.5 * m_p.tau2_s, inv_dt = 1.0 / dt;
        const double hyst = m_p.hysteresis_rate * dt;
        STACKSIM_INDEPENDENT_ITERATIONS
        for (Eigen::Index k = 0; k < n; ++k) {
            const double ik = cur[k];
            const double tk = temp[k];
            // Aging stress window (state at the start of the step).
            win_temp[k] += tk * dt;
            win_soc[k] += soc[k] * dt;
            const double ai = std::abs(ik);
            const double aidt = ai * dt;
            win_q[k] += aidt;
            win_qa[k] += ai >= thr * cap0[k] ? aidt : 0.0;
            // Electrical step: R0 by direction; w_j = v_j - v_j_inf.
            const double r0_c = r0c[k], r0_d = r0d[k]; // both loaded: the select vectorises
            const double r0 = ik > 0.0 ? r0_c : r0_d;
            const double r1k = r1[k], r2k = r2[k];
            const double w1 = v1[k] - r1k * ik;
            const double w2 = v2[k] - r2k * ik;
            const double rsum = r0 + r1k + r2k;
            const double u = ocv[k], ub = ocv_b[k], h = hh[k], ent = dudt[k];
            // Electrical energy: i * int v dt, int v_j dt = R_j i dt + (v_j - v_j_inf) b_j.
            e_in[k] += ik * ((u + h + rsum * ik) * dt + w1 * b1 + w2 * b2);
            // Heat (J), see the header; int v_j^2 dt = (R_j i)^2 dt + 2 R_j i w_j b_j + w_j^2 c_j.
            const double w3 = ub - tk * ent;                          // U_b - T dU/dT
            const double ieff = (ik > 0.0 ? ce * ik : ik) - sd[k] * cap[k]; // i_eff
            const double q = rsum * (ik * ik) * dt + 2.0 * ik * (w1 * b1 + w2 * b2) + (w1 * w1) * (c1 * g1[k]) +
                             (w2 * w2) * (c2 * g2[k]) +
                             (h * ik + ik * tk * ent + (ik - ieff) * w3 + ik * (u - ub)) * dt;
            e_heat[k] += q;
            heat_w[k] = q * inv_dt;
            e_chem[k] += ieff * w3 * dt;
            const double s = soc[k] + ieff * dt / cap[k];
            soc[k] = s;
            const double lo = win_min[k], hi = win_max[k];
            win_min[k] = s < lo ? s : lo; // std::min(lo, s), as Eigen's min
            win_max[k] = hi < s ? s : hi; // std::max(hi, s)
            // RC branches: v_j_end = v_j_inf + a_j (v_j - v_j_inf); capacitor energy C_j/2 (v_end^2 - v^2).
            const double n1 = r1k * ik + a1 * w1;
            const double n2 = r2k * ik + a2 * w2;
            const double o1 = v1[k], o2 = v2[k];
            e_rc[k] += half_t1 * g1[k] * (n1 * n1 - o1 * o1) + half_t2 * g2[k] * (n2 * n2 - o2 * o2);
            v1[k] = n1;
            v2[k] = n2;
            volt[k] = u + h + n1 + n2 + r0 * ik;
            hrate[k] = hyst * ai / cap[k];
        }
    }
}

// Surface-bulk SoC difference, exact for the step: d_end = d_ss + a_d (d - d_ss), d_ss = tau_g i / Q,
// a_d = exp(-dt / tau_d(T)); tau_g and tau_d share the diffusion's Arrhenius factor. Every a_d by
// its series when all arguments are small (vectorises), else by std::exp. A loop of its own: the
// series is a long chain of dependent operations, which the processor overlaps across cells only
// when a loop's body is short.
template <bool series>
STACKSIM_CELL_LOOP_CLONES
void cell_array::step_diffusion(double dt, const double* __restrict cur) {
    const auto n = static_cast<Eigen::Index>(m_n);
    const double* __restrict cap = m_cap_as.data();
    const double* __restrict tg = m_tg.data();
    const double* __restrict inv_td = m_inv_taud.data();
    double* __restrict dd = m_d.data();
    const double neg_dt = -dt;
    STACKSIM_INDEPENDENT_ITERATIONS
    for (Eigen::Index k = 0; k < n; ++k) {
        const double ik = cur[k];
        const double dss = tg[k] * ik / cap[k];
        const double x = neg_dt * inv_td[k];
        const double a = series ? exp_series(x) : std::exp(x);
        dd[k] = dss + a * (dd[k] - dss);
    }
}

// Hysteresis of every cell: towards sign(i) * gap with the charge passed, h_end = target +
// (h - target) a, a = exp(-x) by the series (series) or given in m_w1.
template <bool series>
STACKSIM_CELL_LOOP_CLONES
void cell_array::step_hysteresis(const double* __restrict cur) {
    const auto n = static_cast<Eigen::Index>(m_n);
    const double* __restrict gap = m_gap.data();
    const double* __restrict x = m_w1.data();
    double* __restrict hh = m_h.data();
    double* __restrict icopy = m_current.data();
    STACKSIM_INDEPENDENT_ITERATIONS
    for (Eigen::Index k = 0; k < n; ++k) {
        const double ik = cur[k], g = gap[k];
        const double target = ik > 0.0 ? g : (ik < 0.0 ? -g : 0.0);
        double a = x[k];
        if constexpr (series)
            a = exp_series(-a);
        hh[k] = target + (hh[k] - target) * a;
        icopy[k] = ik;
    }
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

    m_e_extra += (cell_extra_heat_w.sum() + module_extra_heat_w.sum()) * dt;

    // The cells: electrical step, energies, SoC, aging window, diffusion; parameters frozen at
    // the start of the step.
    step_cells(dt, c, current_a.data());
    if (m_p.diffusion_depletion_s > 0.0) {
        if (dt * m_inv_taud_max <= small_exp_arg) // every a_d by its series (vectorises)
            step_diffusion<true>(dt, current_a.data());
        else
            step_diffusion<false>(dt, current_a.data());
    }
    // Hysteresis by exp(-x), x = rate |i| dt / Q in m_w1: the series when every argument is
    // small, else the library's (vectorised) exponential.
    if (m_w1.maxCoeff() <= small_exp_arg) {
        step_hysteresis<true>(current_a.data());
    } else {
        m_w1 = (-m_w1).exp();
        step_hysteresis<false>(current_a.data());
    }

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
    refresh(m_r1_old.data());
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
