#include "numeric/spice_export.h"

#include "numeric/number_text.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

namespace stacksim::num {

namespace {

std::string sanitize(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
    }
    return out;
}

std::string unique(std::string s, std::set<std::string>& used) {
    if (used.insert(s).second)
        return s;
    for (int k = 1;; ++k) {
        std::string t = s + "_" + std::to_string(k);
        if (used.insert(t).second)
            return t;
    }
}

// Shortest of %.15g .. %.17g that reads back as the same double.
std::string num(double v) { return shortest_text(v, 15); }

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

// A floating component's tie: at its smallest node (floating_nodes() is sorted by node id; a
// component's first listed node is its reference), named rfloat_<node>.
struct tie {
    network::node_id node;
    std::string device;
};

std::vector<tie> ties(const network& net, const spice_names& n) {
    std::set<std::string> used(n.elements.begin(), n.elements.end());
    used.insert(n.series_r.begin(), n.series_r.end());
    std::vector<tie> out;
    for (network::node_id f : net.floating_nodes()) {
        bool seen = false;
        for (const tie& t : out)
            if (net.same_component(t.node, f))
                seen = true;
        if (!seen)
            out.push_back({f, unique("rfloat_" + n.nodes[f], used)});
    }
    return out;
}

} // namespace

spice_names make_spice_names(const network& net) {
    spice_names n;
    std::set<std::string> used_nodes{"0", "gnd"};
    n.nodes.resize(net.n_nodes());
    n.nodes[network::ground] = "0";
    for (std::size_t k = 1; k < net.n_nodes(); ++k)
        n.nodes[k] = unique(sanitize(net.node_name(k)), used_nodes);
    std::set<std::string> used;
    n.elements.resize(net.n_elements());
    n.series_r.resize(net.n_elements());
    n.mid.resize(net.n_elements());
    for (std::size_t e = 0; e < net.n_elements(); ++e) {
        const std::string s = sanitize(net.element_name(e));
        switch (net.kind(e)) {
        case element_kind::resistor:
        case element_kind::switch_element:
            n.elements[e] = unique("r" + s, used);
            break;
        case element_kind::source:
            n.elements[e] = unique("v" + s, used);
            n.series_r[e] = unique("r" + s + "_r", used);
            n.mid[e] = unique(n.series_r[e] + "_mid", used_nodes);
            break;
        case element_kind::current_port:
        case element_kind::power_port:
            n.elements[e] = unique("i" + s, used);
            break;
        }
    }
    return n;
}

void write_spice(std::ostream& os, const network& net, const std::string& title) {
    if (!net.solved())
        throw network_error("spice export: the network has not been solved");
    const spice_names n = make_spice_names(net);
    const network::values& sv = net.solved_values();
    os << "* " << title << '\n';
    os << "* stacksim network as solved: the values of the last solve and its currents. Each element's\n"
          "* device lines follow '* element <stacksim name> (<kind>)' and one '* I(<device>) = <A>' per\n"
          "* device: stacksim's current in SPICE's convention (+ from the device's first node through it\n"
          "* to its second). Sources: V (emf) with a series R on the pos side; ports: I (solved current).\n"
          "* nodes (spice = stacksim):\n";
    for (std::size_t k = 0; k < net.n_nodes(); ++k)
        os << "*   " << n.nodes[k] << " = " << net.node_name(k) << '\n';
    for (std::size_t e = 0; e < net.n_elements(); ++e) {
        const std::string& a = n.nodes[net.node_a(e)];
        const std::string& b = n.nodes[net.node_b(e)];
        const element_kind kind = sv.kind[e];
        const double i_a = net.current_a(e);
        os << "* element " << net.element_name(e) << " (" << to_string(kind) << ")\n";
        switch (kind) {
        case element_kind::resistor:
            os << "* I(" << n.elements[e] << ") = " << num(i_a) << '\n';
            os << n.elements[e] << ' ' << a << ' ' << b << ' ' << num(sv.r_ohm[e]) << '\n';
            break;
        case element_kind::switch_element:
            if (sv.closed[e]) {
                os << "* I(" << n.elements[e] << ") = " << num(i_a) << '\n';
                os << n.elements[e] << ' ' << a << ' ' << b << ' ' << num(sv.r_ohm[e]) << " ; closed switch\n";
            } else {
                os << "* " << n.elements[e] << ' ' << a << ' ' << b << " open switch: not in the netlist (0 A)\n";
            }
            break;
        case element_kind::source:
            os << "* I(" << n.series_r[e] << ") = " << num(i_a) << '\n';
            os << "* I(" << n.elements[e] << ") = " << num(i_a) << '\n';
            os << n.series_r[e] << ' ' << a << ' ' << n.mid[e] << ' ' << num(sv.r_ohm[e]) << '\n';
            os << n.elements[e] << ' ' << n.mid[e] << ' ' << b << " DC " << num(sv.e_v[e]) << '\n';
            break;
        case element_kind::current_port:
        case element_kind::power_port:
            os << "* I(" << n.elements[e] << ") = " << num(i_a) << '\n';
            os << n.elements[e] << ' ' << a << ' ' << b << " DC " << num(i_a) << " ; " << to_string(kind)
               << ", status " << to_string(net.status(e)) << '\n';
            break;
        }
    }
    for (const tie& t : ties(net, n))
        os << "* floating component tied to ground (no current)\n"
           << "* I(" << t.device << ") = 0\n"
           << t.device << ' ' << n.nodes[t.node] << " 0 1e12\n";
    os << ".op\n.end\n";
}

std::string spice_netlist(const network& net, const std::string& title) {
    std::ostringstream os;
    write_spice(os, net, title);
    return os.str();
}

void write_spice_map(std::ostream& os, const network& net) {
    if (!net.solved())
        throw network_error("spice export: the network has not been solved");
    const spice_names n = make_spice_names(net);
    const network::values& sv = net.solved_values();
    os << "what,stacksim_name,spice_name\n";
    for (std::size_t k = 0; k < net.n_nodes(); ++k)
        os << "node," << csv_field(net.node_name(k)) << ',' << n.nodes[k] << '\n';
    for (std::size_t e = 0; e < net.n_elements(); ++e) {
        const std::string name = csv_field(net.element_name(e));
        if (sv.kind[e] == element_kind::switch_element && !sv.closed[e]) {
            os << "open_switch," << name << ',' << n.elements[e] << '\n';
            continue;
        }
        os << "device," << name << ',' << n.elements[e] << '\n';
        if (sv.kind[e] == element_kind::source)
            os << "series_r," << name << ',' << n.series_r[e] << '\n' << "mid_node," << name << ',' << n.mid[e] << '\n';
    }
    for (const tie& t : ties(net, n))
        os << "tie," << csv_field(net.node_name(t.node)) << ',' << t.device << '\n';
}

} // namespace stacksim::num
