// Lumped first-order thermal nodes, one per cable and per contact:
//   C dT/dt = P - G (T - T_amb)
// advanced exactly for power P held constant over the step (zero-order hold):
//   T(t + dt) = T_amb + P/G + (T(t) - T_amb - P/G) exp(-G dt / C)
// so any step size is stable. Each node has a rating (e.g. insulation class 90 degC); a step
// reports the nodes whose temperature crossed their rating upwards or downwards (the update is
// monotonic within a step, so the end value is the extreme of the step).
// Bookkeeping per node, exact for the step: heat to ambient = P dt - C (T_end - T_start).
// A node's constants can change (a cable replaced by one of another geometry, set_constants): its
// temperature is kept, and the heat the old C held above the initial temperature that the new C
// does not hold is booked as replaced heat, so per node, at any time,
//   sum of P dt = heat_to_ambient + stored_heat + replaced_heat.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace stacksim::num {

class branch_thermal {
public:
    // Returns the node index (0, 1, ...). heat_capacity > 0, conductance > 0.
    std::size_t add(const std::string& name, double heat_capacity_j_per_k, double conductance_w_per_k,
                    double rating_k, double initial_temp_k);

    std::size_t size() const { return m_names.size(); }
    const std::string& name(std::size_t k) const { return m_names[k]; }
    const Eigen::ArrayXd& temp_k() const { return m_t; }
    double temp_k(std::size_t k) const { return m_t[static_cast<Eigen::Index>(k)]; }
    const Eigen::ArrayXd& rating_k() const { return m_rating; }
    const Eigen::ArrayXd& heat_capacity_j_per_k() const { return m_c; }
    const Eigen::ArrayXd& conductance_w_per_k() const { return m_g; }
    void set_temp_k(std::size_t k, double t) { m_t[static_cast<Eigen::Index>(k)] = t; }
    void set_rating_k(std::size_t k, double t) { m_rating[static_cast<Eigen::Index>(k)] = t; }
    // New heat capacity and conductance of node k (> 0, else std::invalid_argument and nothing
    // changes); the temperature stays. Books (C_old - C_new) (T - T_initial) as replaced heat.
    void set_constants(std::size_t k, double heat_capacity_j_per_k, double conductance_w_per_k);

    // Advance every node by dt_s (> 0) with power_w (size() values, W) and ambient_k.
    // No allocation once the network is built.
    void step(double dt_s, const Eigen::Ref<const Eigen::ArrayXd>& power_w, double ambient_k);

    // Nodes that crossed their rating in the last step (upwards / back downwards).
    const std::vector<std::size_t>& crossed_up() const { return m_up; }
    const std::vector<std::size_t>& crossed_down() const { return m_down; }
    bool over_rating(std::size_t k) const {
        const auto i = static_cast<Eigen::Index>(k);
        return m_t[i] > m_rating[i];
    }
    // Cumulative heat passed to ambient per node (J) and its total.
    const Eigen::ArrayXd& heat_to_ambient_j() const { return m_q_amb; }
    // Heat stored relative to the initial temperatures, per node (J).
    Eigen::ArrayXd stored_heat_j() const { return m_c * (m_t - m_t0); }
    // Heat (relative to the initial temperature) that left a node with its old constants, per
    // node (J); 0 unless set_constants lowered C of a node above its initial temperature.
    const Eigen::ArrayXd& replaced_heat_j() const { return m_q_replaced; }

private:
    std::vector<std::string> m_names;
    Eigen::ArrayXd m_c, m_g, m_rating, m_t, m_t0, m_q_amb, m_q_replaced;
    // exp(-G dt / C) per node for the step m_decay_dt_s, kept while dt and the constants stay
    // (the grid's steps are all one size); NaN: to be computed.
    Eigen::ArrayXd m_decay;
    double m_decay_dt_s = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::size_t> m_up, m_down;
};

} // namespace stacksim::num
