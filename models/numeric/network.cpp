#include "numeric/network.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace stacksim::num {

namespace {

constexpr std::size_t no_element = std::numeric_limits<std::size_t>::max();

// Union-find over nodes.
std::size_t find_root(std::vector<std::size_t>& parent, std::size_t x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

} // namespace

network::network(const std::string& ground_name) {
    m_node_names.push_back(ground_name);
    m_node_index.emplace(ground_name, ground);
    m_v = Eigen::VectorXd::Zero(1);
    m_component.assign(1, 0);
}

network::node_id network::add_node(const std::string& name) {
    if (name.empty())
        throw network_error("network: empty node name");
    if (m_node_index.count(name))
        throw network_error("network: node '" + name + "' already exists");
    const node_id id = m_node_names.size();
    m_node_names.push_back(name);
    m_node_index.emplace(name, id);
    m_dirty = true;
    m_solved = false;
    return id;
}

network::node_id network::node(const std::string& name) {
    auto it = m_node_index.find(name);
    return it != m_node_index.end() ? it->second : add_node(name);
}

network::node_id network::find_node(const std::string& name) const {
    auto it = m_node_index.find(name);
    if (it == m_node_index.end())
        throw network_error("network: unknown node '" + name + "'");
    return it->second;
}

network::element_id network::find_element(const std::string& name) const {
    auto it = m_element_index.find(name);
    if (it == m_element_index.end())
        throw network_error("network: unknown element '" + name + "'");
    return it->second;
}

void network::check_node(node_id n, const std::string& element) const {
    if (n >= m_node_names.size())
        throw network_error("network: element '" + element + "' refers to node id " + std::to_string(n) +
                            " which does not exist");
}

void network::check_r(element_id e, double r) const {
    if (!std::isfinite(r) || r <= 0.0)
        throw network_error("network: element '" + m_name[e] + "' (" + to_string(m_kind[e]) +
                            "): resistance must be finite and > 0 ohm, got " + std::to_string(r) +
                            " (zero-resistance branches and loops are not supported)");
}

void network::check_kind(element_id e, element_kind k, const char* op, const char* kind_name) const {
    if (m_kind.at(e) != k)
        throw network_error(std::string("network: ") + op + " on non-" + kind_name + " '" + m_name[e] + "'");
}

void network::check_finite(element_id e, double value, const char* element_name, const char* quantity) const {
    if (!std::isfinite(value))
        throw network_error(std::string("network: ") + element_name + " '" + m_name[e] + "': " + quantity + " is not finite");
}

network::element_id network::add_element(const std::string& name, element_kind k, node_id a, node_id b, double r,
                                         double e, double value, bool closed) {
    if (name.empty())
        throw network_error("network: empty element name");
    if (m_element_index.count(name))
        throw network_error("network: element '" + name + "' already exists");
    check_node(a, name);
    check_node(b, name);
    const element_id id = m_kind.size();
    m_name.push_back(name);
    m_kind.push_back(k);
    m_a.push_back(a);
    m_b.push_back(b);
    m_r.push_back(r);
    m_e.push_back(e);
    m_value.push_back(value);
    m_closed.push_back(closed ? 1 : 0);
    m_status.push_back(port_status::ok);
    try {
        if (k == element_kind::resistor || k == element_kind::source || k == element_kind::switch_element)
            check_r(id, r);
        if ((k == element_kind::current_port || k == element_kind::power_port) && a == b)
            throw network_error("network: port '" + name + "' has both terminals on node '" + m_node_names[a] + "'");
        if (!std::isfinite(e) || !std::isfinite(value))
            throw network_error("network: element '" + name + "': value is not finite");
        if (k == element_kind::power_port && m_power_port != no_element)
            throw network_error("network: element '" + name + "': only one power port is supported (already have '" +
                                m_name[m_power_port] + "')");
    } catch (...) {
        m_name.pop_back();
        m_kind.pop_back();
        m_a.pop_back();
        m_b.pop_back();
        m_r.pop_back();
        m_e.pop_back();
        m_value.pop_back();
        m_closed.pop_back();
        m_status.pop_back();
        throw;
    }
    if (k == element_kind::power_port)
        m_power_port = id;
    m_element_index.emplace(name, id);
    m_dirty = true;
    m_solved = false;
    return id;
}

network::element_id network::add_resistor(const std::string& name, node_id a, node_id b, double r_ohm) {
    return add_element(name, element_kind::resistor, a, b, r_ohm, 0.0, 0.0, true);
}

network::element_id network::add_source(const std::string& name, node_id pos, node_id neg, double e_v,
                                        double r_ohm) {
    return add_element(name, element_kind::source, pos, neg, r_ohm, e_v, 0.0, true);
}

network::element_id network::add_switch(const std::string& name, node_id a, node_id b, double r_on_ohm,
                                        bool closed) {
    return add_element(name, element_kind::switch_element, a, b, r_on_ohm, 0.0, 0.0, closed);
}

network::element_id network::add_current_port(const std::string& name, node_id a, node_id b, double current_a) {
    return add_element(name, element_kind::current_port, a, b, 0.0, 0.0, current_a, false);
}

network::element_id network::add_power_port(const std::string& name, node_id a, node_id b, double power_w) {
    return add_element(name, element_kind::power_port, a, b, 0.0, 0.0, power_w, false);
}

void network::set_resistance(element_id e, double r_ohm) {
    const element_kind k = m_kind.at(e);
    if (k == element_kind::current_port || k == element_kind::power_port)
        throw network_error("network: set_resistance on port '" + m_name[e] + "'");
    check_r(e, r_ohm);
    m_r[e] = r_ohm;
}

void network::set_source(element_id e, double e_v, double r_ohm) {
    check_kind(e, element_kind::source, "set_source", "source");
    check_r(e, r_ohm);
    check_finite(e, e_v, "source", "emf");
    m_r[e] = r_ohm;
    m_e[e] = e_v;
}

void network::set_emf(element_id e, double e_v) {
    check_kind(e, element_kind::source, "set_emf", "source");
    check_finite(e, e_v, "source", "emf");
    m_e[e] = e_v;
}

void network::set_port_value(element_id e, element_kind k, double value, const char* op, const char* quantity) {
    check_kind(e, k, op, k == element_kind::current_port ? "current-port" : "power-port");
    check_finite(e, value, "port", quantity);
    m_value[e] = value;
}

void network::set_current(element_id e, double current_a) {
    set_port_value(e, element_kind::current_port, current_a, "set_current", "current");
}

void network::set_power(element_id e, double power_w) {
    set_port_value(e, element_kind::power_port, power_w, "set_power", "power");
}

void network::set_closed(element_id e, bool closed) {
    check_kind(e, element_kind::switch_element, "set_closed", "switch");
    const char c = closed ? 1 : 0;
    if (m_closed[e] != c) {
        m_closed[e] = c;
        m_dirty = true;
    }
}

void network::set_port_kind(element_id e, element_kind k) {
    const element_kind old = m_kind.at(e);
    if ((old != element_kind::current_port && old != element_kind::power_port) ||
        (k != element_kind::current_port && k != element_kind::power_port))
        throw network_error("network: set_port_kind: '" + m_name[e] + "' must be a port and become a port");
    if (old == k)
        return;
    if (k == element_kind::power_port && m_power_port != no_element)
        throw network_error("network: element '" + m_name[e] + "': only one power port is supported (already have '" +
                            m_name[m_power_port] + "')");
    m_kind[e] = k;
    m_value[e] = 0.0;
    m_power_port = k == element_kind::power_port ? e : no_element;
    m_status[e] = port_status::ok;
}

bool network::conductive(element_id e) const {
    switch (m_kind[e]) {
    case element_kind::resistor:
    case element_kind::source:
        return true;
    case element_kind::switch_element:
        return m_closed[e] != 0;
    default:
        return false;
    }
}

// Structural analysis, run once per change of topology: conductive components, series reduction
// to chains between terminal nodes, then the fill-reducing ordering and the symbolic
// factorisation of the reduced matrix. solve() then only refills values and factorises.
void network::analyse() {
    find_components();
    reduce_to_chains();
    order_and_analyse_pattern();
    reset_results();
    m_dirty = false;
}

// Conductive components (union-find over the closed conductive elements). A node outside the
// ground's component is floating: an error under floating_policy::error, otherwise its
// component is pinned at its smallest node id (m_pin).
void network::find_components() {
    const std::size_t n = m_node_names.size();
    const std::size_t ne = m_kind.size();
    std::vector<std::size_t> parent(n);
    std::iota(parent.begin(), parent.end(), std::size_t{0});
    m_cond.clear();
    for (element_id e = 0; e < ne; ++e) {
        if (!conductive(e))
            continue;
        m_cond.push_back(e);
        const std::size_t ra = find_root(parent, m_a[e]);
        const std::size_t rb = find_root(parent, m_b[e]);
        if (ra != rb)
            parent[std::max(ra, rb)] = std::min(ra, rb); // smallest node id becomes the root
    }
    m_component.resize(n);
    for (std::size_t i = 0; i < n; ++i)
        m_component[i] = find_root(parent, i);
    m_floating.clear();
    m_pin.clear();
    for (std::size_t i = 1; i < n; ++i) {
        if (m_component[i] == m_component[ground])
            continue;
        if (m_policy == floating_policy::error) {
            std::string others;
            for (std::size_t j = 1; j < n; ++j)
                if (m_component[j] == m_component[i] && j != i)
                    others += (others.empty() ? "" : ", ") + m_node_names[j];
            throw network_error("network: node '" + m_node_names[i] + "' has no conductive path to ground '" +
                                m_node_names[ground] + "'" +
                                (others.empty() ? std::string(" (isolated node)")
                                                : " (floating component with: " + others + ")"));
        }
        m_floating.push_back(i);
        if (m_component[i] == i)
            m_pin.push_back(i); // root = smallest node id of its component
    }
}

// Series reduction. Terminal nodes: ground, port terminals, floating-component references,
// nodes with a self-loop element and every node with 3 or more conductive elements. Leaves
// (non-terminal nodes with one element) carry no current and are pruned, repeatedly; the
// remaining non-terminal nodes have exactly two elements and lie on chains between terminal
// nodes. A chain is one Thevenin branch (sum of r, signed sum of e) in the matrix, which
// therefore has one row per terminal node only.
void network::reduce_to_chains() {
    const std::size_t n = m_node_names.size();
    const std::size_t ne = m_kind.size();
    std::vector<std::vector<element_id>> adj(n);
    mark_fixed_terminals(adj);
    std::vector<char> used(ne, 0); // element pruned or on a chain
    std::vector<std::size_t> degree = prune_leaves(adj, used);
    for (std::size_t i = 0; i < n; ++i)
        if (degree[i] >= 3)
            m_terminal[i] = 1;
    walk_chains(adj, used);
}

// Terminals known before pruning (ground, pins, self-loop nodes, port terminals), and the
// adjacency of the conductive elements that are not self-loops.
void network::mark_fixed_terminals(std::vector<std::vector<element_id>>& adj) {
    const std::size_t n = m_node_names.size();
    const std::size_t ne = m_kind.size();
    m_terminal.assign(n, 0);
    m_terminal[ground] = 1;
    for (node_id pn : m_pin)
        m_terminal[pn] = 1;
    for (element_id e : m_cond) {
        if (m_a[e] == m_b[e]) {
            m_terminal[m_a[e]] = 1;
            continue;
        }
        adj[m_a[e]].push_back(e);
        adj[m_b[e]].push_back(e);
    }
    for (element_id e = 0; e < ne; ++e)
        if (m_kind[e] == element_kind::current_port || m_kind[e] == element_kind::power_port)
            m_terminal[m_a[e]] = m_terminal[m_b[e]] = 1;
}

// Prunes dangling elements (non-terminal leaves, repeatedly) into m_pruned_*; returns the
// degree of every node in what remains.
std::vector<std::size_t> network::prune_leaves(const std::vector<std::vector<element_id>>& adj,
                                               std::vector<char>& used) {
    const std::size_t n = m_node_names.size();
    std::vector<std::size_t> degree(n);
    for (std::size_t i = 0; i < n; ++i)
        degree[i] = adj[i].size();
    m_pruned_el.clear();
    m_pruned_leaf.clear();
    m_pruned_attach.clear();
    std::vector<node_id> stack;
    for (std::size_t i = 0; i < n; ++i)
        if (!m_terminal[i] && degree[i] == 1)
            stack.push_back(i);
    while (!stack.empty()) {
        const node_id leaf = stack.back();
        stack.pop_back();
        if (m_terminal[leaf] || degree[leaf] != 1)
            continue;
        element_id el = no_element;
        for (element_id e : adj[leaf])
            if (!used[e])
                el = e;
        used[el] = 1;
        const node_id other = m_a[el] == leaf ? m_b[el] : m_a[el];
        degree[leaf] = 0;
        --degree[other];
        m_pruned_el.push_back(el);
        m_pruned_leaf.push_back(leaf);
        m_pruned_attach.push_back(other);
        if (!m_terminal[other] && degree[other] == 1)
            stack.push_back(other);
    }
    return degree;
}

// Walks every remaining element into a chain between terminal nodes (m_ca, m_cb, m_chain_*).
void network::walk_chains(const std::vector<std::vector<element_id>>& adj, std::vector<char>& used) {
    const std::size_t n = m_node_names.size();
    m_ca.clear();
    m_cb.clear();
    m_chain_off.assign(1, 0);
    m_chain_el.clear();
    m_chain_sign.clear();
    m_chain_node.clear();
    auto walk = [&](node_id start, element_id first) {
        node_id cur = start;
        element_id e = first;
        m_ca.push_back(start);
        for (;;) {
            used[e] = 1;
            const bool forward = m_a[e] == cur;
            const node_id next = forward ? m_b[e] : m_a[e];
            m_chain_el.push_back(e);
            m_chain_sign.push_back(forward ? 1.0 : -1.0);
            m_chain_node.push_back(next);
            if (m_terminal[next])
                break;
            element_id nx = no_element;
            for (element_id f : adj[next])
                if (!used[f])
                    nx = f;
            if (nx == no_element) // back at the start of a cycle (made terminal below)
                throw network_error("network: internal error in the series reduction at node '" +
                                    m_node_names[next] + "'");
            cur = next;
            e = nx;
        }
        m_cb.push_back(m_chain_node.back());
        m_chain_off.push_back(m_chain_el.size());
    };
    for (std::size_t t = 0; t < n; ++t)
        if (m_terminal[t])
            for (element_id e : adj[t])
                if (!used[e])
                    walk(t, e);
    // Cycles made only of non-terminal nodes: promote one node of each to terminal.
    for (element_id e : m_cond) {
        if (used[e] || m_a[e] == m_b[e])
            continue;
        m_terminal[m_a[e]] = 1;
        for (element_id f : adj[m_a[e]])
            if (!used[f])
                walk(m_a[e], f);
    }
    // Self-loop elements: chains of their own.
    for (element_id e : m_cond)
        if (m_a[e] == m_b[e]) {
            m_ca.push_back(m_a[e]);
            m_cb.push_back(m_a[e]);
            m_chain_el.push_back(e);
            m_chain_sign.push_back(1.0);
            m_chain_node.push_back(m_a[e]);
            m_chain_off.push_back(m_chain_el.size());
        }
}

// Fill-reducing ordering (AMD) of the reduced matrix (terminal nodes but ground), computed here
// once so that the matrix is assembled directly in permuted order: factorize() then needs no
// copy. Then the pattern of the upper triangle, the value slot of every chain's stamp in it,
// and the symbolic factorisation.
void network::order_and_analyse_pattern() {
    const Eigen::Index nr = order_terminals();
    build_pattern(nr);
    locate_stamp_slots();
    if (nr > 0)
        m_solver.s->analyzePattern(m_g);
    ++m_n_analyses;
    m_solver.analysed = true;
}

// m_perm: node -> row of the reduced matrix in AMD order (-1 for ground and non-terminals).
// Returns the number of rows.
Eigen::Index network::order_terminals() {
    const std::size_t n = m_node_names.size();
    std::vector<Eigen::Index> red(n, -1);
    Eigen::Index nr = 0;
    for (std::size_t i = 1; i < n; ++i)
        if (m_terminal[i])
            red[i] = nr++;
    const std::size_t nch = m_ca.size();
    std::vector<Eigen::Triplet<double>> trip;
    trip.reserve(static_cast<std::size_t>(nr) + 2 * nch);
    for (Eigen::Index i = 0; i < nr; ++i)
        trip.emplace_back(i, i, 1.0);
    for (std::size_t k = 0; k < nch; ++k) {
        const node_id a = m_ca[k], b = m_cb[k];
        if (a != ground && b != ground && a != b) {
            trip.emplace_back(red[a], red[b], 1.0);
            trip.emplace_back(red[b], red[a], 1.0);
        }
    }
    m_perm.assign(n, -1);
    if (nr > 0) {
        Eigen::SparseMatrix<double> full(nr, nr);
        full.setFromTriplets(trip.begin(), trip.end());
        Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> pinv;
        Eigen::AMDOrdering<int> amd;
        amd(full, pinv); // pinv.indices()[new] = old
        std::vector<Eigen::Index> new_of_red(static_cast<std::size_t>(nr));
        for (Eigen::Index k = 0; k < nr; ++k)
            new_of_red[static_cast<std::size_t>(pinv.indices()[k])] = k;
        for (std::size_t i = 1; i < n; ++i)
            if (red[i] >= 0)
                m_perm[i] = new_of_red[static_cast<std::size_t>(red[i])];
    }
    return nr;
}

// m_g: upper triangle in permuted indices, every diagonal present, values to be filled.
void network::build_pattern(Eigen::Index nr) {
    const std::size_t n = m_node_names.size();
    const std::size_t nch = m_ca.size();
    std::vector<Eigen::Triplet<double>> trip;
    trip.reserve(static_cast<std::size_t>(nr) + nch);
    for (std::size_t i = 1; i < n; ++i)
        if (m_perm[i] >= 0)
            trip.emplace_back(m_perm[i], m_perm[i], 1.0);
    for (std::size_t k = 0; k < nch; ++k) {
        const node_id a = m_ca[k], b = m_cb[k];
        if (a != ground && b != ground && a != b)
            trip.emplace_back(std::min(m_perm[a], m_perm[b]), std::max(m_perm[a], m_perm[b]), 1.0);
    }
    m_g.resize(nr, nr);
    m_g.setFromTriplets(trip.begin(), trip.end());
    m_g.makeCompressed();
}

// Index into m_g's values of every chain's stamp (aa, bb, ab; -1 = ground) and of every pin's
// diagonal, so that fill_and_factorise() writes values without searching.
void network::locate_stamp_slots() {
    auto slot = [&](node_id r, node_id c) -> Eigen::Index {
        if (r == ground || c == ground)
            return -1;
        const Eigen::Index row = std::min(m_perm[r], m_perm[c]), col = std::max(m_perm[r], m_perm[c]);
        const auto* outer = m_g.outerIndexPtr();
        const auto* inner = m_g.innerIndexPtr();
        const auto* first = inner + outer[col];
        const auto* last = inner + outer[col + 1];
        const auto* it = std::lower_bound(first, last, static_cast<int>(row));
        return static_cast<Eigen::Index>(it - inner);
    };
    const std::size_t nch = m_ca.size();
    m_slot_aa.resize(nch);
    m_slot_bb.resize(nch);
    m_slot_ab.resize(nch);
    m_cg.resize(nch);
    m_ce.resize(nch);
    for (std::size_t k = 0; k < nch; ++k) {
        const node_id a = m_ca[k], b = m_cb[k];
        if (a == b) {
            m_slot_aa[k] = m_slot_bb[k] = m_slot_ab[k] = -1; // carries current, stamps nothing
            continue;
        }
        m_slot_aa[k] = slot(a, a);
        m_slot_bb[k] = slot(b, b);
        m_slot_ab[k] = slot(a, b);
    }
    m_slot_pin.resize(m_pin.size());
    for (std::size_t k = 0; k < m_pin.size(); ++k)
        m_slot_pin[k] = slot(m_pin[k], m_pin[k]);
}

// Result and scratch vectors sized for the new structure; the port list.
void network::reset_results() {
    const std::size_t n = m_node_names.size();
    const std::size_t ne = m_kind.size();
    const Eigen::Index nr = m_g.rows();
    m_rhs.resize(nr);
    m_x.resize(nr);
    m_z.resize(nr);
    m_v = Eigen::VectorXd::Zero(idx(n));
    m_i = Eigen::VectorXd::Zero(idx(ne));
    m_loss = Eigen::VectorXd::Zero(idx(ne));
    m_vhi.assign(n, 0.0);
    m_vlo.assign(n, 0.0);
    m_res.assign(n, 0.0);
    m_ports.clear();
    for (element_id e = 0; e < ne; ++e)
        if (m_kind[e] == element_kind::current_port || m_kind[e] == element_kind::power_port)
            m_ports.push_back(e);
}

void network::fill_and_factorise() {
    double* val = m_g.valuePtr();
    std::fill(val, val + m_g.nonZeros(), 0.0);
    const std::size_t nch = m_ca.size();
    for (std::size_t k = 0; k < nch; ++k) {
        double r = 0.0, e_v = 0.0;
        for (std::size_t j = m_chain_off[k]; j < m_chain_off[k + 1]; ++j) {
            const element_id e = m_chain_el[j];
            r += m_r[e];
            if (m_kind[e] == element_kind::source)
                e_v += m_chain_sign[j] * m_e[e];
        }
        const double g = 1.0 / r;
        m_cg[k] = g;
        m_ce[k] = e_v;
        if (m_slot_aa[k] >= 0)
            val[m_slot_aa[k]] += g;
        if (m_slot_bb[k] >= 0)
            val[m_slot_bb[k]] += g;
        if (m_slot_ab[k] >= 0)
            val[m_slot_ab[k]] -= g;
    }
    // A floating component is tied to ground at its reference node. No current flows through the
    // tie (its injections sum to zero), so its scale only affects conditioning: 1 S.
    for (Eigen::Index s : m_slot_pin)
        val[s] += 1.0;
    if (m_g.rows() > 0) {
        m_solver.s->factorize_in_place(m_g);
        ++m_n_factorisations;
        if (m_solver.s->info() != Eigen::Success)
            throw network_error("network: factorisation failed (matrix not positive definite)");
        m_dinv = m_solver.s->diagonal().cwiseInverse();
    }
}

// x <- (L D L^T)^-1 x on the factor's CSC arrays (unit lower L, no permutation: the matrix is
// assembled in AMD order). Same arithmetic as Eigen's solve, without its expression overhead.
void network::ldlt_solve(Eigen::VectorXd& x) const {
    const auto& l = m_solver.s->matrixL().nestedExpression();
    const int* outer = l.outerIndexPtr();
    const int* inner = l.innerIndexPtr();
    const double* val = l.valuePtr();
    const Eigen::Index n = x.size();
    double* px = x.data();
    for (Eigen::Index j = 0; j < n; ++j) {
        const double xj = px[j];
        for (int p = outer[j]; p < outer[j + 1]; ++p)
            px[inner[p]] -= val[p] * xj;
    }
    for (Eigen::Index j = 0; j < n; ++j)
        px[j] *= m_dinv[j];
    for (Eigen::Index j = n - 1; j >= 0; --j) {
        double xj = px[j];
        for (int p = outer[j]; p < outer[j + 1]; ++p)
            xj -= val[p] * px[inner[p]];
        px[j] = xj;
    }
}

// Nodal residual J - G v = -(sum of the element currents leaving each node) at v = m_vhi, in
// double: neighbouring node voltages differ little, so v_a - v_b is exact (Sterbenz) and the
// currents carry only their own rounding (~1e-16 relative).
void network::residual() {
    std::fill(m_res.begin(), m_res.end(), 0.0);
    const std::size_t nch = m_ca.size();
    for (std::size_t k = 0; k < nch; ++k) {
        const double i = ((m_vhi[m_ca[k]] - m_vhi[m_cb[k]]) - m_ce[k]) * m_cg[k];
        m_res[m_ca[k]] -= i;
        m_res[m_cb[k]] += i;
    }
    for (element_id e : m_ports) {
        const double i = port_current(e);
        m_res[m_a[e]] -= i;
        m_res[m_b[e]] += i;
    }
    for (node_id p : m_pin)
        m_res[p] -= m_vhi[p]; // the 1 S tie of a floating component
}

double network::port_current(element_id e) const {
    if (m_status[e] == port_status::open_circuit)
        return 0.0;
    return m_kind[e] == element_kind::power_port ? m_port_current : m_value[e];
}

void network::solve() {
    if (m_dirty || !m_solver.analysed)
        analyse();
    m_solved = false;
    fill_and_factorise();
    const std::size_t n = m_node_names.size();

    // Right-hand side (permuted): Norton injections of the sources and the current ports.
    m_rhs.setZero();
    auto inject = [&](node_id nd, double j) {
        if (nd != ground)
            m_rhs[m_perm[nd]] += j;
    };
    const std::size_t nch = m_ca.size();
    for (std::size_t k = 0; k < nch; ++k) {
        if (m_ce[k] != 0.0) {
            const double j = m_ce[k] * m_cg[k];
            inject(m_ca[k], j);
            inject(m_cb[k], -j);
        }
    }
    for (element_id e : m_ports) {
        m_status[e] = m_component[m_a[e]] == m_component[m_b[e]] ? port_status::ok : port_status::open_circuit;
        if (m_kind[e] == element_kind::current_port && m_status[e] == port_status::ok) {
            inject(m_a[e], -m_value[e]);
            inject(m_b[e], m_value[e]);
        }
    }
    if (m_g.rows() > 0) {
        m_x = m_rhs;
        ldlt_solve(m_x);
    }

    // Power port: exact solution on its Thevenin equivalent.
    m_port_current = 0.0;
    m_port_voc = 0.0;
    m_port_rth = 0.0;
    if (m_power_port != no_element) {
        const element_id pp = m_power_port;
        const node_id a = m_a[pp], b = m_b[pp];
        auto at = [&](const Eigen::VectorXd& x, node_id nd) { return nd == ground ? 0.0 : x[m_perm[nd]]; };
        m_port_voc = at(m_x, a) - at(m_x, b);
        if (m_status[pp] == port_status::ok) {
            m_z.setZero();
            if (a != ground)
                m_z[m_perm[a]] = -1.0;
            if (b != ground)
                m_z[m_perm[b]] = 1.0;
            ldlt_solve(m_z);
            m_port_rth = -(at(m_z, a) - at(m_z, b));
            const double p = m_value[pp];
            const double voc = m_port_voc;
            const double r = m_port_rth;
            double i = 0.0;
            if (r <= 0.0) { // cannot happen with r > 0 everywhere; defined anyway
                if (voc != 0.0)
                    i = p / voc;
                else if (p != 0.0)
                    m_status[pp] = port_status::power_limited;
            } else {
                const double disc = voc * voc - 4.0 * r * p;
                if (disc < 0.0) {
                    i = voc / (2.0 * r);
                    m_status[pp] = port_status::power_limited;
                } else {
                    const double s = std::sqrt(disc);
                    const double den = voc + (voc >= 0.0 ? s : -s);
                    i = den != 0.0 ? 2.0 * p / den : 0.0;
                }
            }
            m_port_current = i;
            m_x += i * m_z;
        }
    }

    // One step of iterative refinement, the correction kept apart (v = v_hi + v_lo): node
    // voltages near 50 V carry ~7e-15 V of rounding, which a 10 uOhm contact turns into ~1e-9 A
    // of KCL error; with the correction the residual drops to ~1e-13 A.
    m_vhi[ground] = 0.0;
    for (std::size_t k = 1; k < n; ++k)
        m_vhi[k] = m_perm[k] >= 0 ? m_x[m_perm[k]] : 0.0;
    std::fill(m_vlo.begin(), m_vlo.end(), 0.0);
    if (m_g.rows() > 0) {
        residual();
        for (std::size_t k = 1; k < n; ++k)
            if (m_perm[k] >= 0)
                m_rhs[m_perm[k]] = m_res[k];
        m_z = m_rhs;
        ldlt_solve(m_z);
        for (std::size_t k = 1; k < n; ++k)
            m_vlo[k] = m_perm[k] >= 0 ? m_z[m_perm[k]] : 0.0;
    }
    // Chain currents with the refined voltages; element currents, losses and the voltages of
    // the nodes inside chains (walked from the chain's start) and of pruned leaves (no current).
    m_i.setZero();
    m_loss.setZero();
    for (std::size_t k = 0; k < n; ++k)
        m_v[idx(k)] = m_terminal[k] ? m_vhi[k] + m_vlo[k] : 0.0;
    for (std::size_t k = 0; k < nch; ++k) {
        const node_id a = m_ca[k], b = m_cb[k];
        const double i = (((m_vhi[a] - m_vhi[b]) - m_ce[k]) + (m_vlo[a] - m_vlo[b])) * m_cg[k];
        double v = m_v[idx(a)];
        const std::size_t last = m_chain_off[k + 1] - 1;
        for (std::size_t j = m_chain_off[k]; j <= last; ++j) {
            const element_id el = m_chain_el[j];
            const double ie = m_chain_sign[j] * i;
            m_i[idx(el)] = ie;
            m_loss[idx(el)] = m_r[el] * ie * ie;
            if (j < last) {
                const double emf = m_kind[el] == element_kind::source ? m_e[el] : 0.0;
                v -= m_chain_sign[j] * emf + m_r[el] * i;
                m_v[idx(m_chain_node[j])] = v;
            }
        }
    }
    for (std::size_t j = m_pruned_el.size(); j-- > 0;) {
        const element_id el = m_pruned_el[j];
        const node_id leaf = m_pruned_leaf[j];
        // no current: V(a) - V(b) = e for a source, 0 otherwise
        const double emf = m_kind[el] == element_kind::source ? m_e[el] : 0.0;
        m_v[idx(leaf)] = m_v[idx(m_pruned_attach[j])] + (m_a[el] == leaf ? emf : -emf);
    }
    for (element_id e : m_ports)
        m_i[idx(e)] = port_current(e);
    // The inputs of this solve, kept with its results (same sizes after the first: no allocation).
    m_solved_values.kind = m_kind;
    m_solved_values.r_ohm = m_r;
    m_solved_values.e_v = m_e;
    m_solved_values.set_value = m_value;
    m_solved_values.closed = m_closed;
    m_solved = true;
}

std::size_t network::factor_nonzeros() const {
    return m_solver.analysed && m_g.rows() > 0 ? static_cast<std::size_t>(m_solver.s->matrixL().nestedExpression().nonZeros())
                                               : 0;
}

namespace {
// Per-node sums of the element currents, into res (resized only when the node count changed).
void kcl_sums(Eigen::VectorXd& res, std::size_t n_nodes, const std::vector<std::size_t>& a, const std::vector<std::size_t>& b,
              const Eigen::VectorXd& current_a) {
    const auto n = static_cast<Eigen::Index>(n_nodes);
    if (res.size() != n)
        res.resize(n);
    res.setZero();
    for (std::size_t e = 0; e < a.size(); ++e) {
        const double i = current_a[static_cast<Eigen::Index>(e)];
        res[static_cast<Eigen::Index>(a[e])] += i;
        res[static_cast<Eigen::Index>(b[e])] -= i;
    }
}
} // namespace

Eigen::VectorXd network::kcl_residual_a() const {
    Eigen::VectorXd res;
    kcl_sums(res, m_node_names.size(), m_a, m_b, m_i);
    return res;
}

double network::max_kcl_residual_a() const {
    kcl_sums(m_kcl_scratch, m_node_names.size(), m_a, m_b, m_i);
    return m_kcl_scratch.size() ? m_kcl_scratch.cwiseAbs().maxCoeff() : 0.0;
}

} // namespace stacksim::num
