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
    os << "* " << title << '\n';
    os << "* stacksim network as solved: values of the last solve; I(NAME) in A, + from the element's first\n"
          "* node to its second; sources as V (emf) with a series R on the pos side; ports as I (solved current)\n";
    std::set<std::string> mids;
    for (std::size_t e = 0; e < net.n_elements(); ++e) {
        const std::string& a = n.nodes[net.node_a(e)];
        const std::string& b = n.nodes[net.node_b(e)];
        os << "* I(" << net.element_name(e) << ") = " << num(net.current_a(e)) << '\n';
        switch (net.kind(e)) {
        case element_kind::resistor:
            os << n.elements[e] << ' ' << a << ' ' << b << ' ' << num(net.resistance_ohm(e)) << '\n';
            break;
        case element_kind::switch_element:
            if (net.closed(e))
                os << n.elements[e] << ' ' << a << ' ' << b << ' ' << num(net.resistance_ohm(e)) << " ; closed switch\n";
            else
                os << "* " << n.elements[e] << ' ' << a << ' ' << b << " open switch: not in the netlist\n";
            break;
        case element_kind::source: {
            std::string mid = n.series_r[e] + "_mid";
            mid = unique(mid, mids);
            os << n.series_r[e] << ' ' << a << ' ' << mid << ' ' << num(net.resistance_ohm(e)) << '\n';
            os << n.elements[e] << ' ' << mid << ' ' << b << " DC " << num(net.emf_v(e)) << '\n';
            break;
        }
        case element_kind::current_port:
        case element_kind::power_port:
            os << n.elements[e] << ' ' << a << ' ' << b << " DC " << num(net.current_a(e)) << " ; "
               << to_string(net.kind(e)) << ", status " << to_string(net.status(e)) << '\n';
            break;
        }
    }
    // Tie every floating component at its smallest node (floating_nodes() is sorted by node id;
    // a component's first listed node is its reference).
    std::vector<network::node_id> refs;
    for (network::node_id f : net.floating_nodes()) {
        bool seen = false;
        for (network::node_id r : refs)
            if (net.same_component(r, f))
                seen = true;
        if (!seen)
            refs.push_back(f);
    }
    for (network::node_id r : refs)
        os << "* floating component tied to ground (no current)\n"
           << "rfloat_" << n.nodes[r] << ' ' << n.nodes[r] << " 0 1e12\n";
    os << ".op\n.end\n";
}

std::string spice_netlist(const network& net, const std::string& title) {
    std::ostringstream os;
    write_spice(os, net, title);
    return os.str();
}

} // namespace stacksim::num
