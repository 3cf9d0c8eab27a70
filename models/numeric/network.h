// Generic DC power network solved by nodal analysis.
//
// Nodes are named; node 0 is ground. Elements (every one named, currents positive from the
// element's first node to its second):
//   resistor        a, b, r_ohm                      i = (V(a) - V(b)) / r
//   source          pos, neg, e_v, r_ohm             V(pos) - V(neg) = e + r i, i into pos through
//                                                     the branch to neg (battery: i > 0 charges)
//   switch          a, b, r_on_ohm, closed           closed: a resistor r_on; open: no branch
//   current port    a, b, current_a                  i flows from a through the element to b
//   power port      a, b, power_w                    absorbs p = (V(a) - V(b)) i, i from a to b
//
// Every conductive element is a conductance g = 1/r (sources as Norton equivalents), so the
// nodal matrix G (ground row/column removed) is symmetric positive definite on every component
// that reaches ground: it is factorised with Eigen's SimplicialLDLT. On a topology change (an
// element is added, a switch opens or closes) the network is analysed once:
//   * series reduction: dangling elements (leading to a node nothing else touches) carry no
//     current and leave the matrix; chains of elements through nodes with exactly two elements
//     become one Thevenin branch (sum of r, signed sum of e) between "terminal" nodes (ground,
//     port terminals, nodes with 3+ elements). A 16-module loop stack (162 nodes) gives 31 rows.
//   * AMD ordering of the reduced matrix, assembled directly in that order (upper triangle),
//     and Eigen's symbolic factorisation.
// A solve after value changes only sums the chains, refactorises numerically and solves.
// One step of iterative refinement (correction kept apart from the voltages) brings the KCL
// residual from ~eps * |G| |v| (~1e-9 A with 10 uOhm contacts at 50 V) to ~1e-13 A. Currents of
// chain elements are their chain's current (KCL exact inside chains); voltages inside chains
// are walked from the chain's start.
//
// Power port (at most one): with the port current i the solution is V = V0 + i z, where V0 solves
// the network with the port open and z the unit-current response (two solves on one
// factorisation). The port sees its Thevenin equivalent v(i) = V(a) - V(b) = v_oc - r_th i, and
// p = v i gives r_th i^2 - v_oc i + p = 0. The physical root is the one continuous with i = 0 at
// p = 0 (the high-voltage operating point): i = 2p / (v_oc + sgn(v_oc) sqrt(v_oc^2 - 4 r_th p)).
// If v_oc^2 < 4 r_th p the power cannot be delivered: the port runs at the maximum power point
// i = v_oc / (2 r_th) (p_max = v_oc^2 / (4 r_th)) and reports port_status::power_limited.
//
// Degenerate cases:
//   * r <= 0, NaN or infinite on any resistor, source or closed switch: network_error naming the
//     element (so a zero-resistance loop cannot be built);
//   * a component with no conductive path to ground ("floating"): with floating_policy::error
//     solve() throws network_error naming a node of it; with floating_policy::isolate (default)
//     its first node is taken as its own 0 V reference (exact: no current can leave it) and
//     floating_nodes() lists its nodes;
//   * a port whose two terminals lie in different conductive components (e.g. every module
//     switch open) cannot drive current: it carries 0 A and reports port_status::open_circuit.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include "numeric/enum_names.h"

namespace stacksim::num {

class network_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class element_kind { resistor, source, switch_element, current_port, power_port };
enum class port_status { ok, open_circuit, power_limited };
enum class floating_policy { isolate, error };

inline const enum_names<element_kind, 5> element_kind_names{"element kind",
                                                           {{{element_kind::resistor, "resistor"},
                                                             {element_kind::source, "source"},
                                                             {element_kind::switch_element, "switch"},
                                                             {element_kind::current_port, "current_port"},
                                                             {element_kind::power_port, "power_port"}}}};
inline const enum_names<port_status, 3> port_status_names{"port status",
                                                         {{{port_status::ok, "ok"},
                                                           {port_status::open_circuit, "open_circuit"},
                                                           {port_status::power_limited, "power_limited"}}}};

inline const char* to_string(element_kind kind) { return element_kind_names.name(kind); }
inline const char* to_string(port_status status) { return port_status_names.name(status); }

class network {
public:
    using node_id = std::size_t;
    using element_id = std::size_t;
    static constexpr node_id ground = 0;

    explicit network(const std::string& ground_name = "0");

    // --- construction (each add is a topology change) ---
    node_id add_node(const std::string& name);    // throws if it exists
    node_id node(const std::string& name);        // existing or new
    node_id find_node(const std::string& name) const; // throws network_error if unknown
    bool has_node(const std::string& name) const { return m_node_index.count(name) != 0; }

    element_id add_resistor(const std::string& name, node_id a, node_id b, double r_ohm);
    element_id add_source(const std::string& name, node_id pos, node_id neg, double e_v, double r_ohm);
    element_id add_switch(const std::string& name, node_id a, node_id b, double r_on_ohm, bool closed);
    element_id add_current_port(const std::string& name, node_id a, node_id b, double current_a);
    element_id add_power_port(const std::string& name, node_id a, node_id b, double power_w);

    // --- values (no re-analysis) ---
    void set_resistance(element_id e, double r_ohm); // resistor, source, switch (r_on)
    void set_source(element_id e, double e_v, double r_ohm);
    void set_emf(element_id e, double e_v);
    void set_current(element_id e, double current_a); // current port
    void set_power(element_id e, double power_w);     // power port
    // Topology change only if the state changes.
    void set_closed(element_id e, bool closed);
    // Turn a port into a current port or a power port (no re-analysis: ports are not in the
    // matrix). At most one power port at a time.
    void set_port_kind(element_id e, element_kind k);

    void set_floating_policy(floating_policy p) { m_policy = p; }
    floating_policy get_floating_policy() const { return m_policy; }

    // Solve with the present values. Throws network_error on a floating component under
    // floating_policy::error, or if the factorisation fails.
    void solve();

    // --- structure ---
    std::size_t n_nodes() const { return m_node_names.size(); } // including ground
    std::size_t n_elements() const { return m_kind.size(); }
    const std::string& node_name(node_id n) const { return m_node_names[n]; }
    const std::string& element_name(element_id e) const { return m_name[e]; }
    element_id find_element(const std::string& name) const; // throws network_error if unknown
    bool has_element(const std::string& name) const { return m_element_index.count(name) != 0; }
    element_kind kind(element_id e) const { return m_kind[e]; }
    node_id node_a(element_id e) const { return m_a[e]; }
    node_id node_b(element_id e) const { return m_b[e]; }
    double resistance_ohm(element_id e) const { return m_r[e]; } // r, r_on; 0 for ports
    double emf_v(element_id e) const { return m_e[e]; }
    bool closed(element_id e) const { return m_closed[e]; }
    double set_value(element_id e) const { return m_value[e]; } // port current or power as set

    // --- results of the last solve ---
    double node_voltage_v(node_id n) const { return m_v[static_cast<Eigen::Index>(n)]; }
    const Eigen::VectorXd& node_voltages_v() const { return m_v; }
    double voltage_v(element_id e) const { return m_v[idx(m_a[e])] - m_v[idx(m_b[e])]; }
    double current_a(element_id e) const { return m_i[idx(e)]; }
    const Eigen::VectorXd& currents_a() const { return m_i; }
    // Dissipated power: r i^2 for resistors, closed switches and sources (their ohmic part);
    // 0 for ports (port power is voltage_v * current_a).
    double loss_w(element_id e) const { return m_loss[idx(e)]; }
    const Eigen::VectorXd& losses_w() const { return m_loss; }
    port_status status(element_id e) const { return m_status[e]; }
    // Power port: open-circuit voltage and Thevenin resistance seen at the last solve.
    double port_open_voltage_v() const { return m_port_voc; }
    double port_thevenin_ohm() const { return m_port_rth; }
    bool solved() const { return m_solved; }
    // The inputs the last solve used. The live values above may change after a solve (a cable's
    // R(T) for the next step, a switch, a port's setpoint) while the results stay those of the
    // solve; a snapshot of the solve (the SPICE export) reads these with the results, so its
    // values and currents belong to the same instant.
    struct values {
        std::vector<element_kind> kind;
        std::vector<double> r_ohm, e_v, set_value; // resistance_ohm(), emf_v(), set_value()
        std::vector<char> closed;
    };
    const values& solved_values() const { return m_solved_values; }

    // Sum of the element currents leaving each node (incl. ground); ~0 after a solve.
    Eigen::VectorXd kcl_residual_a() const;
    // max |kcl_residual_a()|, without allocating (a run's summary reads it every grid step).
    double max_kcl_residual_a() const;

    // Nodes of components without a conductive path to ground (last solve).
    const std::vector<node_id>& floating_nodes() const { return m_floating; }
    bool is_floating(node_id n) const { return n < m_component.size() && m_component[n] != m_component[ground]; }
    bool same_component(node_id a, node_id b) const {
        return a < m_component.size() && b < m_component.size() && m_component[a] == m_component[b];
    }

    // Counters: symbolic analyses (pattern + ordering) and numeric factorisations.
    std::size_t symbolic_analyses() const { return m_n_analyses; }
    std::size_t factorisations() const { return m_n_factorisations; }
    // Rows of the reduced nodal matrix (terminal nodes, see the series reduction), its non-zeros
    // (upper triangle) and those of its LDLT factor L (strictly lower).
    std::size_t matrix_rows() const { return static_cast<std::size_t>(m_g.rows()); }
    std::size_t matrix_nonzeros() const { return static_cast<std::size_t>(m_g.nonZeros()); }
    std::size_t factor_nonzeros() const;

private:
    static Eigen::Index idx(std::size_t i) { return static_cast<Eigen::Index>(i); }
    element_id add_element(const std::string& name, element_kind k, node_id a, node_id b, double r, double e,
                           double value, bool closed);
    void check_node(node_id n, const std::string& element) const;
    void check_r(element_id e, double r) const;
    // The checks of the set_* mutators: `e` is of kind k ("network: <op> on non-<kind_name> 'e'"), and
    // `value` is finite ("network: <element_name> 'e': <quantity> is not finite").
    void check_kind(element_id e, element_kind k, const char* op, const char* kind_name) const;
    void check_finite(element_id e, double value, const char* element_name, const char* quantity) const;
    // set_current / set_power: the port's current (A) or power (W), checked.
    void set_port_value(element_id e, element_kind k, double value, const char* op, const char* quantity);
    bool conductive(element_id e) const;
    void analyse();
    // steps of analyse()
    void find_components();
    void reduce_to_chains();
    void mark_fixed_terminals(std::vector<std::vector<element_id>>& adj);
    std::vector<std::size_t> prune_leaves(const std::vector<std::vector<element_id>>& adj, std::vector<char>& used);
    void walk_chains(const std::vector<std::vector<element_id>>& adj, std::vector<char>& used);
    void order_and_analyse_pattern();
    Eigen::Index order_terminals();
    void build_pattern(Eigen::Index nr);
    void locate_stamp_slots();
    void reset_results();
    void fill_and_factorise();
    void residual();
    void ldlt_solve(Eigen::VectorXd& x) const; // in place, with the current factorisation
    double port_current(element_id e) const;

    floating_policy m_policy = floating_policy::isolate;
    // nodes
    std::vector<std::string> m_node_names;
    std::unordered_map<std::string, node_id> m_node_index;
    // elements (structure of arrays)
    std::vector<std::string> m_name;
    std::unordered_map<std::string, element_id> m_element_index;
    std::vector<element_kind> m_kind;
    std::vector<node_id> m_a, m_b;
    std::vector<double> m_r, m_e, m_value;
    std::vector<char> m_closed;
    std::vector<port_status> m_status;
    element_id m_power_port = std::numeric_limits<element_id>::max();

    // analysis (valid while !m_dirty)
    bool m_dirty = true;
    std::vector<std::size_t> m_component; // per node; ground's component id = m_component[0]
    std::vector<node_id> m_floating;
    std::vector<node_id> m_pin;           // reference node of every floating component
    std::vector<element_id> m_cond;       // conductive elements
    // series reduction (see analyse()): chains of elements between terminal nodes
    std::vector<char> m_terminal;         // per node: has a row in the matrix (or is ground)
    std::vector<node_id> m_ca, m_cb;      // per chain: start and end node
    std::vector<std::size_t> m_chain_off; // chain k: entries [off[k], off[k+1]) below
    std::vector<element_id> m_chain_el;   // its elements in walk order
    std::vector<double> m_chain_sign;     // +1 if the element points along the walk
    std::vector<node_id> m_chain_node;    // node after each element
    std::vector<double> m_cg, m_ce;       // per chain: 1 / sum r, signed sum of e
    std::vector<element_id> m_pruned_el;  // dangling elements (no current), in pruning order
    std::vector<node_id> m_pruned_leaf, m_pruned_attach;
    std::vector<element_id> m_ports;
    std::vector<Eigen::Index> m_perm;     // node -> matrix row (AMD order); ground -1
    // per chain: value slots in the upper triangle (-1 = ground) for aa, bb, ab
    std::vector<Eigen::Index> m_slot_aa, m_slot_bb, m_slot_ab;
    std::vector<Eigen::Index> m_slot_pin;
    Eigen::SparseMatrix<double> m_g;
    // Eigen's solvers cannot be copied: a copied network gets a fresh solver and re-analyses.
    struct solver_box {
        // The matrix is assembled in AMD order as an upper triangle, so the factorisation can
        // run on it directly (Eigen's factorize() would allocate an empty temporary each call).
        struct solver : Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>, Eigen::Upper, Eigen::NaturalOrdering<int>> {
            void factorize_in_place(const Eigen::SparseMatrix<double>& a) { this->template factorize_preordered<true>(a); }
            const Eigen::VectorXd& diagonal() const { return this->m_diag; } // vectorD() copies
        };
        std::unique_ptr<solver> s = std::make_unique<solver>();
        bool analysed = false;
        solver_box() = default;
        solver_box(const solver_box&) : s(std::make_unique<solver>()) {}
        solver_box& operator=(const solver_box&) {
            s = std::make_unique<solver>();
            analysed = false;
            return *this;
        }
        solver_box(solver_box&&) = default;
        solver_box& operator=(solver_box&&) = default;
        ~solver_box() = default;
    };
    solver_box m_solver;
    Eigen::VectorXd m_dinv; // 1 / D of the factorisation
    std::size_t m_n_analyses = 0;
    std::size_t m_n_factorisations = 0;

    // results and scratch
    bool m_solved = false;
    Eigen::VectorXd m_rhs, m_x, m_z; // reduced (no ground)
    Eigen::VectorXd m_v;             // full, ground = 0
    Eigen::VectorXd m_i, m_loss;
    mutable Eigen::VectorXd m_kcl_scratch; // max_kcl_residual_a's per-node sums
    std::vector<double> m_vhi, m_vlo, m_res; // voltages, their refinement, nodal residual
    double m_port_current = 0.0;
    double m_port_voc = 0.0;
    double m_port_rth = 0.0;
    values m_solved_values;
};

} // namespace stacksim::num
