// Lumped thermal network: N nodes with heat capacities, conductances between nodes and from nodes
// to ambient. Solved exactly for piecewise-constant heat inputs (zero-order hold):
//
//   C dT/dt = -L T + P + g T_amb,   L = Laplacian of the links + diag(g)
//   T(t+dt) - T_amb = Phi (T(t) - T_amb) + Gamma P,  Phi = exp(-C^-1 L dt)
//
// Phi and Gamma come from one symmetric eigen-decomposition of C^-1/2 L C^-1/2 (done once); a
// new dt only costs N exponentials and two N x N products, and the last few dt are cached.
// Phi is the exact matrix exponential of the network, so it is dense even for a chain of cells
// (every node feels every other within a step): a banded or tridiagonal solve would need an
// implicit, approximate integrator (backward Euler, Crank-Nicolson) and change the results by
// O(dt), not by rounding. A step therefore stays two dense products, 2 N^2 per copy.
// Stable and exact for any step. Every column of the temperature matrix is one copy of the
// network (one module), so a whole stack is advanced with two small matrix products.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

namespace stacksim::num {

struct thermal_link {
    std::size_t a = 0;
    std::size_t b = 0;
    double g_w_per_k = 0.0;
};

class module_thermal {
public:
    // heat_capacity_j_per_k > 0 for every node; ambient_w_per_k >= 0 with at least one > 0.
    module_thermal(const Eigen::VectorXd& heat_capacity_j_per_k, const std::vector<thermal_link>& links,
                   const Eigen::VectorXd& ambient_w_per_k);

    // n_cells cells in a row (neighbours linked by cell_to_cell), each linked to a case node
    // (index n_cells), the case linked to ambient.
    static module_thermal cells_in_case(std::size_t n_cells, double cell_c_j_per_k, double case_c_j_per_k,
                                        double cell_to_cell_w_per_k, double cell_to_case_w_per_k,
                                        double case_to_ambient_w_per_k);
    // n_cells independent cells, each linked to ambient.
    static module_thermal free_standing(std::size_t n_cells, double cell_c_j_per_k, double cell_to_ambient_w_per_k);

    std::size_t size() const { return m_c.size(); }
    const Eigen::VectorXd& heat_capacity_j_per_k() const { return m_c; }
    const Eigen::VectorXd& ambient_w_per_k() const { return m_g; }
    const Eigen::MatrixXd& conductance_matrix() const { return m_l; } // L

    struct step_matrices {
        double dt_s = -1.0;
        Eigen::MatrixXd phi;         // N x N
        Eigen::MatrixXd gamma;       // N x N, response to constant node power (W)
        Eigen::VectorXd gamma_ambient; // gamma * g: response to the ambient temperature
        // Heat to ambient over the step, from the exact integral of the temperatures:
        //   q = psi . (T0 - T_amb) + xi . P
        Eigen::RowVectorXd psi;
        Eigen::RowVectorXd xi;
    };
    // Matrices for a step of dt_s (> 0); cached for the last few distinct dt.
    const step_matrices& matrices(double dt_s) const;

    // Advance temp_k (N x M, one column per copy) by dt_s with constant power_w (N x M) and
    // ambient_k; adds the heat each column passed to ambient over the step (J) to ambient_heat_j (M).
    // scratch must be N x M (resized if not; size it once to avoid allocation in a loop).
    void step(double dt_s, Eigen::Ref<Eigen::MatrixXd> temp_k, const Eigen::Ref<const Eigen::MatrixXd>& power_w,
              double ambient_k, Eigen::Ref<Eigen::VectorXd> ambient_heat_j, Eigen::MatrixXd& scratch) const;

private:
    Eigen::VectorXd m_c;
    Eigen::VectorXd m_g;
    Eigen::MatrixXd m_l;
    Eigen::VectorXd m_lambda;     // eigenvalues of S = C^-1/2 L C^-1/2 (all > 0)
    Eigen::MatrixXd m_v;          // its orthonormal eigenvectors
    Eigen::MatrixXd m_left;       // C^-1/2 V
    Eigen::MatrixXd m_right_t;    // V^T C^1/2
    Eigen::MatrixXd m_right_p;    // V^T C^-1/2
    Eigen::RowVectorXd m_gleft;   // g^T C^-1/2 V
    mutable std::array<step_matrices, 4> m_cache;
    mutable std::size_t m_next = 0;
};

} // namespace stacksim::num
