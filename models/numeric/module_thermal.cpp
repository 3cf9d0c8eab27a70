#include "numeric/module_thermal.h"

#include <cmath>
#include <stdexcept>

#include <Eigen/Eigenvalues>

#include "numeric/ordered_product.h"
#include "perf/perf_registry.h"

namespace stacksim::num {

namespace {

// phi1(x) = (1 - e^-x) / x and phi2(x) = (x - 1 + e^-x) / x^2, accurate for small x.
double phi1(double x) {
    if (x < 1e-8)
        return 1.0 - 0.5 * x;
    return -std::expm1(-x) / x;
}

double phi2(double x) {
    if (x < 1e-3)
        return 0.5 - x / 6.0 + x * x / 24.0 - x * x * x / 120.0;
    return (x + std::expm1(-x)) / (x * x);
}

} // namespace

module_thermal::module_thermal(const Eigen::VectorXd& heat_capacity_j_per_k, const std::vector<thermal_link>& links,
                               const Eigen::VectorXd& ambient_w_per_k)
    : m_c(heat_capacity_j_per_k), m_g(ambient_w_per_k) {
    const Eigen::Index n = m_c.size();
    if (n == 0 || m_g.size() != n)
        throw std::invalid_argument("module_thermal: heat capacities and ambient conductances must have the same size > 0");
    if ((m_c.array() <= 0.0).any() || !m_c.allFinite())
        throw std::invalid_argument("module_thermal: heat capacities must be > 0");
    if ((m_g.array() < 0.0).any() || !(m_g.sum() > 0.0))
        throw std::invalid_argument("module_thermal: ambient conductances must be >= 0, at least one > 0");
    m_l = m_g.asDiagonal();
    for (const auto& k : links) {
        if (k.a >= static_cast<std::size_t>(n) || k.b >= static_cast<std::size_t>(n) || k.a == k.b || k.g_w_per_k < 0.0)
            throw std::invalid_argument("module_thermal: bad link");
        const auto a = static_cast<Eigen::Index>(k.a);
        const auto b = static_cast<Eigen::Index>(k.b);
        m_l(a, a) += k.g_w_per_k;
        m_l(b, b) += k.g_w_per_k;
        m_l(a, b) -= k.g_w_per_k;
        m_l(b, a) -= k.g_w_per_k;
    }
    const Eigen::VectorXd c_isqrt = m_c.array().rsqrt();
    const Eigen::VectorXd c_sqrt = m_c.array().sqrt();
    const Eigen::MatrixXd s = c_isqrt.asDiagonal() * m_l * c_isqrt.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(s);
    if (eig.info() != Eigen::Success)
        throw std::runtime_error("module_thermal: eigen-decomposition failed");
    m_lambda = eig.eigenvalues();
    m_v = eig.eigenvectors();
    if (!(m_lambda.minCoeff() > 0.0))
        throw std::invalid_argument("module_thermal: every node needs a path to ambient");
    m_left = c_isqrt.asDiagonal() * m_v;
    m_right_t = m_v.transpose() * c_sqrt.asDiagonal();
    m_right_p = m_v.transpose() * c_isqrt.asDiagonal();
    m_gleft = m_g.transpose() * m_left;
}

module_thermal module_thermal::cells_in_case(std::size_t n_cells, double cell_c_j_per_k, double case_c_j_per_k,
                                             double cell_to_cell_w_per_k, double cell_to_case_w_per_k,
                                             double case_to_ambient_w_per_k) {
    const auto n = static_cast<Eigen::Index>(n_cells);
    Eigen::VectorXd c = Eigen::VectorXd::Constant(n + 1, cell_c_j_per_k);
    c(n) = case_c_j_per_k;
    Eigen::VectorXd g = Eigen::VectorXd::Zero(n + 1);
    g(n) = case_to_ambient_w_per_k;
    std::vector<thermal_link> links;
    for (std::size_t i = 0; i < n_cells; ++i) {
        if (i + 1 < n_cells && cell_to_cell_w_per_k > 0.0)
            links.push_back({i, i + 1, cell_to_cell_w_per_k});
        links.push_back({i, n_cells, cell_to_case_w_per_k});
    }
    return module_thermal(c, links, g);
}

module_thermal module_thermal::free_standing(std::size_t n_cells, double cell_c_j_per_k, double cell_to_ambient_w_per_k) {
    const auto n = static_cast<Eigen::Index>(n_cells);
    return module_thermal(Eigen::VectorXd::Constant(n, cell_c_j_per_k), {},
                          Eigen::VectorXd::Constant(n, cell_to_ambient_w_per_k));
}

const module_thermal::step_matrices& module_thermal::matrices(double dt_s) const {
    for (const auto& m : m_cache)
        if (m.dt_s == dt_s)
            return m;
    if (!(dt_s > 0.0) || !std::isfinite(dt_s))
        throw std::invalid_argument("module_thermal: dt_s must be > 0");
    step_matrices& m = m_cache[m_next];
    m_next = (m_next + 1) % m_cache.size();
    const Eigen::Index n = m_c.size();
    Eigen::VectorXd e(n), p1(n), p2(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const double x = m_lambda(i) * dt_s;
        e(i) = std::exp(-x);
        p1(i) = dt_s * phi1(x);        // (1 - e^-x) / lambda
        p2(i) = dt_s * dt_s * phi2(x); // (dt - p1) / lambda
    }
    m.phi = m_left * e.asDiagonal() * m_right_t;
    m.gamma = m_left * p1.asDiagonal() * m_right_p;
    m.gamma_ambient = m.gamma * m_g;
    m.psi = m_gleft * p1.asDiagonal() * m_right_t;
    m.xi = m_gleft * p2.asDiagonal() * m_right_p;
    m.dt_s = dt_s;
    return m;
}

void module_thermal::step(double dt_s, Eigen::Ref<Eigen::MatrixXd> temp_k, const Eigen::Ref<const Eigen::MatrixXd>& power_w,
                          double ambient_k, Eigen::Ref<Eigen::VectorXd> ambient_heat_j, Eigen::MatrixXd& scratch) const {
    const perf::scope perf_scope(perf::layer::thermal);
    const step_matrices& m = matrices(dt_s);
    if (scratch.rows() != temp_k.rows() || scratch.cols() != temp_k.cols())
        scratch.resize(temp_k.rows(), temp_k.cols());
    scratch.array() = temp_k.array() - ambient_k;
    ambient_heat_j.transpose().noalias() += m.psi * scratch;
    ambient_heat_j.transpose().noalias() += m.xi * power_w;
    // Eigen's bits without its packing (ordered_product.h): the products dominate the step.
    ordered_product(temp_k, m.phi, scratch);
    ordered_product_add(temp_k, m.gamma, power_w);
    temp_k.array() += ambient_k;
}

} // namespace stacksim::num
