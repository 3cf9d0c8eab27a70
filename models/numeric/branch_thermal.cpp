#include "numeric/branch_thermal.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::num {

namespace {
void append(Eigen::ArrayXd& a, double v) {
    a.conservativeResize(a.size() + 1);
    a[a.size() - 1] = v;
}

void check_constants(const std::string& name, double heat_capacity_j_per_k, double conductance_w_per_k) {
    if (!(heat_capacity_j_per_k > 0.0) || !std::isfinite(heat_capacity_j_per_k))
        throw std::invalid_argument("branch_thermal '" + name + "': heat capacity must be > 0 J/K");
    if (!(conductance_w_per_k > 0.0) || !std::isfinite(conductance_w_per_k))
        throw std::invalid_argument("branch_thermal '" + name + "': conductance to ambient must be > 0 W/K");
}
} // namespace

std::size_t branch_thermal::add(const std::string& name, double heat_capacity_j_per_k, double conductance_w_per_k,
                                double rating_k, double initial_temp_k) {
    check_constants(name, heat_capacity_j_per_k, conductance_w_per_k);
    m_names.push_back(name);
    append(m_c, heat_capacity_j_per_k);
    append(m_g, conductance_w_per_k);
    append(m_rating, rating_k);
    append(m_t, initial_temp_k);
    append(m_t0, initial_temp_k);
    append(m_q_amb, 0.0);
    append(m_q_replaced, 0.0);
    append(m_decay, 0.0);
    m_decay_dt_s = std::numeric_limits<double>::quiet_NaN();
    m_up.reserve(m_names.size());
    m_down.reserve(m_names.size());
    return m_names.size() - 1;
}

void branch_thermal::set_constants(std::size_t k, double heat_capacity_j_per_k, double conductance_w_per_k) {
    if (k >= m_names.size())
        throw std::out_of_range("branch_thermal::set_constants: no node " + std::to_string(k));
    check_constants(m_names[k], heat_capacity_j_per_k, conductance_w_per_k);
    const auto i = static_cast<Eigen::Index>(k);
    m_q_replaced[i] += (m_c[i] - heat_capacity_j_per_k) * (m_t[i] - m_t0[i]);
    m_c[i] = heat_capacity_j_per_k;
    m_g[i] = conductance_w_per_k;
    m_decay_dt_s = std::numeric_limits<double>::quiet_NaN();
}

void branch_thermal::step(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& power_w, double ambient_k) {
    const perf::scope perf_scope(perf::layer::thermal);
    if (!(dt_s > 0.0))
        throw std::invalid_argument("branch_thermal::step: dt must be > 0 s");
    if (power_w.size() != m_t.size())
        throw std::invalid_argument("branch_thermal::step: power has the wrong size");
    m_up.clear();
    m_down.clear();
    if (!(dt_s == m_decay_dt_s)) {
        for (Eigen::Index k = 0; k < m_t.size(); ++k)
            m_decay[k] = std::exp(-m_g[k] / m_c[k] * dt_s);
        m_decay_dt_s = dt_s;
    }
    for (Eigen::Index k = 0; k < m_t.size(); ++k) {
        const double t0 = m_t[k];
        const double t_inf = ambient_k + power_w[k] / m_g[k];
        const double t1 = t_inf + (t0 - t_inf) * m_decay[k];
        m_t[k] = t1;
        m_q_amb[k] += power_w[k] * dt_s - m_c[k] * (t1 - t0);
        if (t0 <= m_rating[k] && t1 > m_rating[k])
            m_up.push_back(static_cast<std::size_t>(k));
        else if (t0 > m_rating[k] && t1 <= m_rating[k])
            m_down.push_back(static_cast<std::size_t>(k));
    }
}

} // namespace stacksim::num
