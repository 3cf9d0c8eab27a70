#include "numeric/wiring.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "perf/perf_registry.h"

namespace stacksim::num {

namespace {

double loosening_or_none(double t_s) {
    return t_s > 0.0 ? t_s : std::numeric_limits<double>::infinity();
}

std::string strip_contact_prefix(const std::string& contact_name) {
    const std::string prefix = "contact.";
    return contact_name.compare(0, prefix.size(), prefix) == 0 ? contact_name.substr(prefix.size()) : contact_name;
}

// Ground of the stack network: the inverter's - terminal.
std::string ground_name(const wiring_spec& spec) {
    if (spec.topology != wiring_topology::explicit_netlist)
        return "inv.neg";
    for (const explicit_element& e : spec.elements)
        if (e.kind == "inverter")
            return e.b;
    throw network_error("wiring: explicit netlist needs one element of kind inverter (its b node is ground)");
}

} // namespace

// ---------------------------------------------------------------------------------------------
wiring_spec wiring_spec::from(const param_node& node, std::size_t n_modules) {
    node.allow_only({"topology", "port", "inter_module_cable", "inverter_cable", "busbar_cable", "cables", "contacts",
                     "elements"});
    wiring_spec s;
    s.n_modules = n_modules;
    if (node.has("topology"))
        s.topology = wiring_topology_names.parse(node.at("topology").as_choice(wiring_topology_names.choices()));
    if (node.has("port"))
        s.port = port_mode_names.parse(node.at("port").as_choice(port_mode_names.choices()));
    // Partial cable specs: unspecified fields keep the defaults of wiring_params.
    auto partial = [](const param_node& n) {
        n.allow_only({"length_m", "cross_section_mm2", "class"});
        cable_override o;
        if (n.has("length_m"))
            o.length_m = n.at("length_m").as_number(1e-3, 1e3);
        if (n.has("cross_section_mm2"))
            o.cross_section_mm2 = n.at("cross_section_mm2").as_number(0.1, 1e3);
        if (n.has("class"))
            o.cls = conductor_class_names.parse(n.at("class").as_choice(conductor_class_names.choices()));
        return o;
    };
    if (auto n = node.find("inter_module_cable"))
        s.inter_module = partial(*n);
    if (auto n = node.find("inverter_cable"))
        s.inverter = partial(*n);
    if (auto n = node.find("busbar_cable"))
        s.busbar_drop = partial(*n);
    if (auto n = node.find("cables")) {
        for (const std::string& k : n->keys())
            s.cables[k] = partial(n->at(k));
    }
    if (auto n = node.find("contacts")) {
        for (const std::string& k : n->keys()) {
            const param_node c = n->at(k);
            c.allow_only({"torque_nm", "loosening_time_s"});
            contact_override o;
            if (c.has("torque_nm"))
                o.torque_nm = c.at("torque_nm").as_number(0.0, 1e3);
            if (c.has("loosening_time_s"))
                o.loosening_time_s = c.at("loosening_time_s").as_number(0.0, 1e12);
            s.contacts[k] = o;
        }
    }
    if (auto n = node.find("elements")) {
        if (!n->is_sequence())
            n->fail("a list of elements");
        std::size_t modules = 0;
        for (std::size_t i = 0; i < n->size(); ++i) {
            const param_node e = (*n)[i];
            explicit_element x;
            x.kind = e.at("kind").as_choice({"module", "cable", "contact", "resistor", "switch", "inverter"});
            x.name = e.at("name").as_string();
            x.a = e.at("a").as_string();
            x.b = e.at("b").as_string();
            if (x.kind == "module" || x.kind == "inverter") {
                e.allow_only({"kind", "name", "a", "b"});
                modules += x.kind == "module";
            } else if (x.kind == "cable") {
                e.allow_only({"kind", "name", "a", "b", "length_m", "cross_section_mm2", "class"});
                cable_spec c;
                c.length_m = e.at("length_m").as_number(1e-3, 1e3);
                c.cross_section_mm2 = e.at("cross_section_mm2").as_number(0.1, 1e3);
                c.cls = e.has("class") ? conductor_class_names.parse(e.at("class").as_choice(conductor_class_names.choices()))
                                       : conductor_class::class5;
                x.cable = c;
            } else if (x.kind == "contact") {
                e.allow_only({"kind", "name", "a", "b", "torque_nm", "location", "loosening_time_s"});
                x.torque_nm = e.at("torque_nm").as_number(0.0, 1e3);
                x.location = e.has("location") ? contact_location_names.parse(e.at("location").as_choice(
                                                  contact_location_names.choices()))
                                            : contact_location::terminal;
                if (e.has("loosening_time_s"))
                    x.loosening_time_s = e.at("loosening_time_s").as_number(0.0, 1e12);
            } else if (x.kind == "resistor") {
                e.allow_only({"kind", "name", "a", "b", "r_ohm"});
                x.r_ohm = e.at("r_ohm").as_number(1e-12, 1e12);
            } else { // switch
                e.allow_only({"kind", "name", "a", "b", "r_ohm", "closed"});
                x.r_ohm = e.at("r_ohm").as_number(1e-12, 1e12);
                if (e.has("closed"))
                    x.closed = e.at("closed").as_bool();
            }
            s.elements.push_back(x);
        }
        if (s.topology == wiring_topology::explicit_netlist && modules != n_modules)
            n->fail(std::to_string(n_modules) + " module elements (one per module), got " + std::to_string(modules));
    } else if (s.topology == wiring_topology::explicit_netlist) {
        node.fail("an 'elements' list for topology explicit");
    }
    return s;
}

// ---------------------------------------------------------------------------------------------
stack_network::stack_network(const wiring_spec& spec, const wiring_params& params, double initial_temp_k)
    : m_params(params), m_topology(spec.topology),
      m_net(ground_name(spec)),
      m_initial_temp_k(initial_temp_k) {
    m_cable_over = spec.cables;
    m_contact_over = spec.contacts;
    const wiring_defaults& d = params.defaults;
    auto complete = [](const cable_override& o, cable_spec c) {
        if (o.length_m)
            c.length_m = *o.length_m;
        if (o.cross_section_mm2)
            c.cross_section_mm2 = *o.cross_section_mm2;
        if (o.cls)
            c.cls = *o.cls;
        return c;
    };

    if (spec.topology == wiring_topology::explicit_netlist) {
        build_explicit(spec);
    } else {
        const std::size_t n = spec.n_modules;
        if (n < 1)
            throw network_error("wiring: at least one module is needed");
        const cable_spec jumper = complete(spec.inter_module, d.inter_module);
        const cable_spec inv = complete(spec.inverter, d.inverter_for(n));
        const cable_spec drop = complete(spec.busbar_drop, d.busbar_drop);
        m_index.inverter_neg = network::ground;
        m_index.inverter_pos = m_net.add_node("inv.pos");
        for (std::size_t k = 0; k < n; ++k) {
            const std::string m = "m" + std::to_string(k);
            const network::node_id pos = m_net.add_node(m + ".pos");
            const network::node_id neg = m_net.add_node(m + ".neg");
            build_module(m, pos, neg);
        }
        const contact_location T = contact_location::terminal, B = contact_location::busbar;
        if (spec.topology == wiring_topology::busbar) {
            const network::node_id bus_pos = m_net.add_node("bus.pos");
            const network::node_id bus_neg = m_net.add_node("bus.neg");
            for (std::size_t k = 0; k < n; ++k) {
                const std::string m = "m" + std::to_string(k);
                add_run("cable.pos." + m + "_bus", drop, m_index.module_pos[k], m + ".pos", T, "bus", bus_pos, "bus.pos",
                        B, m);
                add_run("cable.neg." + m + "_bus", drop, m_index.module_neg[k], m + ".neg", T, "bus", bus_neg, "bus.neg",
                        B, m);
            }
            add_run("cable.pos.inv_bus", inv, m_index.inverter_pos, "inv.pos", T, "bus", bus_pos, "bus.pos", B, "inv");
            add_run("cable.neg.inv_bus", inv, network::ground, "inv.neg", T, "bus", bus_neg, "bus.neg", B, "inv");
        } else {
            for (std::size_t k = 0; k + 1 < n; ++k) {
                const std::string a = "m" + std::to_string(k), b = "m" + std::to_string(k + 1);
                add_run("cable.pos." + a + "_" + b, jumper, m_index.module_pos[k], a + ".pos", T, b,
                        m_index.module_pos[k + 1], b + ".pos", T, a);
                add_run("cable.neg." + a + "_" + b, jumper, m_index.module_neg[k], a + ".neg", T, b,
                        m_index.module_neg[k + 1], b + ".neg", T, a);
            }
            const std::size_t last = spec.topology == wiring_topology::loop ? n - 1 : 0;
            const std::string ml = "m" + std::to_string(last);
            add_run("cable.pos.inv_m0", inv, m_index.inverter_pos, "inv.pos", T, "m0", m_index.module_pos[0], "m0.pos", T,
                    "inv");
            add_run("cable.neg.inv_" + ml, inv, network::ground, "inv.neg", T, ml, m_index.module_neg[last],
                    ml + ".neg", T, "inv");
        }
        m_index.port = m_net.add_current_port("inverter.port", network::ground, m_index.inverter_pos, 0.0);
    }
    for (const pending_contact& c : m_pending_contacts)
        add_contact(c.name, c.a, c.b, c.location, c.torque_nm, c.loosening_time_s);
    m_pending_contacts.clear();
    if (spec.port == port_mode::power)
        m_net.set_port_kind(m_index.port, element_kind::power_port);

    // Overrides that matched nothing are errors (typos in a scenario).
    for (const auto& [name, o] : m_cable_over)
        throw network_error("wiring: cable override '" + name + "' matches no cable (names like cable.pos.m0_m1, "
                            "cable.neg.inv_m0, cable.pos.m2_bus)");
    for (const auto& [name, o] : m_contact_over)
        throw network_error("wiring: contact override '" + name + "' matches no contact (names like contact.m1.pos.m0, "
                            "contact.inv.pos.m0, contact.bus.pos.m2)");

    m_net.set_floating_policy(floating_policy::isolate);
    m_source_set.assign(n_modules(), 0);
    const auto ne = static_cast<Eigen::Index>(m_net.n_elements());
    m_loss_j = Eigen::VectorXd::Zero(ne);
    m_emf_j = Eigen::VectorXd::Zero(ne);
    m_heat_w = Eigen::ArrayXd::Zero(static_cast<Eigen::Index>(m_thermal.size()));
    update_resistances();
}

void stack_network::build_module(const std::string& inst, network::node_id pos, network::node_id neg) {
    const module_internals& mi = m_params.module;
    const network::node_id c = m_net.add_node(inst + ".c");
    const network::node_id b = m_net.add_node(inst + ".b");
    const network::node_id f = m_net.add_node(inst + ".f");
    const network::node_id pre = m_net.add_node(inst + ".pre");
    // Placeholder values until the stack calls set_module_source (enforced in solve()).
    m_index.cells.push_back(m_net.add_source(inst + ".cells", c, neg, 0.0, 1.0));
    m_index.busbar.push_back(m_net.add_resistor(inst + ".busbar", c, b, mi.busbar_ohm));
    // A switch (closed, r_on = fuse_ohm) so a blown fuse opens its branch (stack_plant).
    m_index.fuse.push_back(m_net.add_switch(inst + ".fuse", b, f, mi.fuse_ohm, true));
    m_index.main_switch.push_back(m_net.add_switch(inst + ".switch", f, pos, mi.switch_on_ohm, true));
    m_index.precharge_r.push_back(m_net.add_resistor(inst + ".precharge_r", f, pre, mi.precharge_ohm));
    m_index.precharge.push_back(m_net.add_switch(inst + ".precharge", pre, pos, mi.precharge_switch_on_ohm, false));
    m_index.module_pos.push_back(pos);
    m_index.module_neg.push_back(neg);
}

void stack_network::add_cable(const std::string& name, network::node_id a, network::node_id b, cable_spec spec) {
    auto it = m_cable_over.find(name);
    if (it != m_cable_over.end()) {
        if (it->second.length_m)
            spec.length_m = *it->second.length_m;
        if (it->second.cross_section_mm2)
            spec.cross_section_mm2 = *it->second.cross_section_mm2;
        if (it->second.cls)
            spec.cls = *it->second.cls;
        m_cable_over.erase(it);
    }
    cable c(name, spec, m_params.cables); // throws std::invalid_argument naming the cable
    m_index.cable_elements.push_back(m_net.add_resistor(name, a, b, c.resistance_ohm(m_initial_temp_k)));
    const cable_thermal_params& t = m_params.cable_thermal;
    if (m_thermal.size() != m_cables.size()) // internal invariant: cables first, then contacts
        throw network_error("wiring: cable '" + name + "' added after the contacts");
    m_thermal.add(name, t.heat_capacity_j_per_k(spec), t.conductance_w_per_k(spec), t.rating_k, m_initial_temp_k);
    m_cables.push_back(c);
}

void stack_network::add_contact(const std::string& name, network::node_id a, network::node_id b, contact_location loc,
                                double torque_nm, double loosening_time_s) {
    auto it = m_contact_over.find(name);
    if (it != m_contact_over.end()) {
        if (it->second.torque_nm)
            torque_nm = *it->second.torque_nm;
        if (it->second.loosening_time_s)
            loosening_time_s = *it->second.loosening_time_s;
        m_contact_over.erase(it);
    }
    contact k(name, loc, torque_nm, m_params.law(loc), loosening_or_none(loosening_time_s));
    m_index.contact_elements.push_back(m_net.add_resistor(name, a, b, k.resistance_ohm(m_initial_temp_k)));
    const contact_thermal_params& t = m_params.contact_thermal;
    m_thermal.add(name, t.heat_capacity_j_per_k, t.conductance_w_per_k, t.rating_k, m_initial_temp_k);
    m_contacts.push_back(k);
}

void stack_network::add_run(const std::string& cable_name, const cable_spec& spec, network::node_id x,
                            const std::string& x_name, contact_location x_loc, const std::string& x_peer,
                            network::node_id y, const std::string& y_name, contact_location y_loc,
                            const std::string& y_peer) {
    const std::string cx = "contact." + x_name + "." + x_peer;
    const std::string cy = "contact." + y_name + "." + y_peer;
    const network::node_id lx = m_net.add_node(strip_contact_prefix(cx));
    const network::node_id ly = m_net.add_node(strip_contact_prefix(cy));
    const wiring_defaults& d = m_params.defaults;
    auto torque = [&](contact_location l) {
        return l == contact_location::terminal ? d.terminal_torque_nm : d.busbar_torque_nm;
    };
    add_cable(cable_name, lx, ly, spec);
    m_pending_contacts.push_back({cx, x, lx, x_loc, torque(x_loc), d.loosening_time_s});
    m_pending_contacts.push_back({cy, ly, y, y_loc, torque(y_loc), d.loosening_time_s});
}

void stack_network::build_explicit(const wiring_spec& spec) {
    const explicit_element* inverter = nullptr;
    for (const explicit_element& e : spec.elements) {
        if (e.kind == "inverter") {
            if (inverter)
                throw network_error("wiring: explicit netlist has more than one inverter ('" + inverter->name +
                                    "' and '" + e.name + "')");
            inverter = &e;
        }
    }
    if (!inverter)
        throw network_error("wiring: explicit netlist needs one element of kind inverter (its b node is ground)");
    m_index.inverter_neg = network::ground;
    m_index.inverter_pos = m_net.node(inverter->a);
    for (const explicit_element& e : spec.elements) {
        if (e.kind == "inverter")
            continue;
        const network::node_id a = m_net.node(e.a);
        const network::node_id b = m_net.node(e.b);
        if (e.kind == "module")
            build_module(e.name, a, b);
        else if (e.kind == "cable")
            add_cable(e.name, a, b, e.cable);
        else if (e.kind == "contact")
            m_pending_contacts.push_back({e.name, a, b, e.location, e.torque_nm, e.loosening_time_s});
        else if (e.kind == "resistor")
            m_net.add_resistor(e.name, a, b, e.r_ohm);
        else if (e.kind == "switch")
            m_net.add_switch(e.name, a, b, e.r_ohm, e.closed);
        else
            throw network_error("wiring: unknown explicit element kind '" + e.kind + "'");
    }
    if (spec.n_modules != n_modules())
        throw network_error("wiring: explicit netlist has " + std::to_string(n_modules()) + " modules, expected " +
                            std::to_string(spec.n_modules));
    m_index.port = m_net.add_current_port(inverter->name, network::ground, m_index.inverter_pos, 0.0);
}

// ---------------------------------------------------------------------------------------------
void stack_network::set_module_source(std::size_t m, double e_v, double r_ohm) {
    m_net.set_source(m_index.cells.at(m), e_v, r_ohm);
    m_source_set[m] = 1;
}

void stack_network::set_switch(std::size_t m, bool closed) {
    m_net.set_closed(m_index.main_switch.at(m), closed);
}

void stack_network::set_precharge(std::size_t m, bool closed) {
    m_net.set_closed(m_index.precharge.at(m), closed);
}

void stack_network::set_fuse_closed(std::size_t m, bool closed) {
    m_net.set_closed(m_index.fuse.at(m), closed);
}

void stack_network::set_bus_short(double r_ohm) {
    if (!(r_ohm >= 0.0) || !std::isfinite(r_ohm))
        throw network_error("wiring: bus short needs r_ohm >= 0 (0 = removed)");
    if (!m_bus_short) {
        if (r_ohm == 0.0)
            return;
        // Created on first use, so networks without a short are unchanged (netlists, element ids).
        m_bus_short = m_net.add_switch("bus.short", m_index.inverter_pos, m_index.inverter_neg, r_ohm, false);
        const auto ne = static_cast<Eigen::Index>(m_net.n_elements());
        m_loss_j.conservativeResize(ne);
        m_emf_j.conservativeResize(ne);
        m_loss_j[ne - 1] = 0.0;
        m_emf_j[ne - 1] = 0.0;
    }
    if (r_ohm > 0.0)
        m_net.set_resistance(*m_bus_short, r_ohm);
    m_net.set_closed(*m_bus_short, r_ohm > 0.0);
}

void stack_network::set_port_current_a(double current_a) {
    m_net.set_port_kind(m_index.port, element_kind::current_port);
    m_net.set_current(m_index.port, current_a);
}

void stack_network::set_port_power_w(double power_w) {
    m_net.set_port_kind(m_index.port, element_kind::power_port);
    // The port element absorbs (V(inv.neg) - V(inv.pos)) i = -(power into the stack).
    m_net.set_power(m_index.port, -power_w);
}

void stack_network::solve() {
    const perf::scope perf_scope(perf::layer::network);
    for (std::size_t m = 0; m < m_source_set.size(); ++m)
        if (!m_source_set[m])
            throw network_error("wiring: module '" + m_net.element_name(m_index.cells[m]) +
                                "' has no source values yet (call set_module_source before solving)");
    m_net.solve();
}

namespace {
// Below this stack current, shares and imbalance are reported as 0: a ratio of circulating or
// round-off currents to a vanishing total means nothing (1 mA is below any shunt's resolution).
constexpr double share_min_current_a = 1e-3;
} // namespace

double stack_network::module_share(std::size_t m) const {
    double sum = 0.0;
    for (std::size_t k = 0; k < n_modules(); ++k)
        sum += module_current_a(k);
    return std::abs(sum) >= share_min_current_a ? module_current_a(m) / sum : 0.0;
}

double stack_network::imbalance() const {
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t k = 0; k < n_modules(); ++k) {
        if (!m_net.closed(m_index.main_switch[k]))
            continue;
        sum += module_current_a(k);
        ++n;
    }
    if (n == 0 || std::abs(sum) < share_min_current_a)
        return 0.0;
    const double mean = sum / static_cast<double>(n);
    double worst = 0.0;
    for (std::size_t k = 0; k < n_modules(); ++k)
        if (m_net.closed(m_index.main_switch[k]))
            worst = std::max(worst, std::abs(module_current_a(k) - mean));
    return worst / std::abs(mean);
}

std::size_t stack_network::find_cable(const std::string& name) const {
    for (std::size_t k = 0; k < m_cables.size(); ++k)
        if (m_cables[k].name() == name)
            return k;
    throw network_error("wiring: unknown cable '" + name + "'");
}

std::size_t stack_network::find_contact(const std::string& name) const {
    for (std::size_t k = 0; k < m_contacts.size(); ++k)
        if (m_contacts[k].name() == name)
            return k;
    throw network_error("wiring: unknown contact '" + name + "'");
}

void stack_network::set_branch_temp_k(std::size_t thermal_node, double temp_k) {
    m_thermal.set_temp_k(thermal_node, temp_k);
    update_resistances();
}

void stack_network::set_contact_torque_nm(std::size_t k, double torque_nm) {
    m_contacts.at(k).set_torque_nm(torque_nm);
    update_resistances();
}

void stack_network::set_contact_loosening_time_s(std::size_t k, double t_s) {
    m_contacts.at(k).set_loosening_time_s(loosening_or_none(t_s));
}

void stack_network::set_cable(std::size_t k, double length_m, double cross_section_mm2) {
    const cable& old = m_cables.at(k);
    cable_spec spec = old.spec();
    spec.length_m = length_m;
    spec.cross_section_mm2 = cross_section_mm2;
    cable replacement(old.name(), spec, m_params.cables); // throws std::invalid_argument naming the cable
    const cable_thermal_params& t = m_params.cable_thermal;
    m_thermal.set_constants(k, t.heat_capacity_j_per_k(spec), t.conductance_w_per_k(spec)); // checks first
    m_cables[k] = std::move(replacement);
    m_net.set_resistance(m_index.cable_elements[k], m_cables[k].resistance_ohm(m_thermal.temp_k(k)));
}

void stack_network::update_resistances() {
    const std::size_t nc = m_cables.size();
    for (std::size_t k = 0; k < nc; ++k)
        m_net.set_resistance(m_index.cable_elements[k], m_cables[k].resistance_ohm(m_thermal.temp_k(k)));
    for (std::size_t k = 0; k < m_contacts.size(); ++k)
        m_net.set_resistance(m_index.contact_elements[k], m_contacts[k].resistance_ohm(m_thermal.temp_k(nc + k)));
}

void stack_network::advance(double dt_s, double ambient_k) {
    const perf::scope perf_scope(perf::layer::network);
    if (!(dt_s > 0.0))
        throw network_error("wiring: advance needs dt > 0 s");
    if (!m_net.solved())
        throw network_error("wiring: advance before solve");
    const std::size_t ne = m_net.n_elements();
    for (std::size_t e = 0; e < ne; ++e) {
        const auto i = static_cast<Eigen::Index>(e);
        const double loss_j = m_net.loss_w(e) * dt_s;
        m_loss_j[i] += loss_j;
        if (m_net.kind(e) == element_kind::source)
            m_emf_j[i] += m_net.emf_v(e) * m_net.current_a(e) * dt_s;
        else
            m_wiring_loss_j += loss_j;
    }
    m_port_j += port_voltage_v() * port_current_a() * dt_s;
    const std::size_t nc = m_cables.size();
    for (std::size_t k = 0; k < nc; ++k)
        m_heat_w[static_cast<Eigen::Index>(k)] = m_net.loss_w(m_index.cable_elements[k]);
    for (std::size_t k = 0; k < m_contacts.size(); ++k)
        m_heat_w[static_cast<Eigen::Index>(nc + k)] = m_net.loss_w(m_index.contact_elements[k]);
    m_thermal.step(dt_s, m_heat_w, ambient_k);
    for (std::size_t k = 0; k < m_contacts.size(); ++k)
        m_contacts[k].advance(dt_s, m_thermal.temp_k(nc + k), ambient_k);
    update_resistances();
}

void stack_network::set_contact_preload_law(const bolt_preload_law& law) {
    for (contact& c : m_contacts)
        c.set_preload_law(law);
    update_resistances();
}

void stack_network::jump_contacts(double dt_s) {
    for (contact& c : m_contacts)
        c.jump(dt_s);
    update_resistances();
}

void stack_network::start_contact_windows() {
    for (contact& c : m_contacts)
        c.start_window();
}

double stack_network::contact_resistance_ratio(std::size_t k) const {
    const contact& c = m_contacts.at(k);
    return c.law().r_ref_ohm(c.torque_nm()) / c.law().r_nominal_ohm;
}

void stack_network::set_contact_resistance_limit(double ratio) {
    m_r_limit_ratio = ratio;
    m_r_over.assign(m_contacts.size(), 0);
}

std::vector<std::size_t> stack_network::contacts_crossing_resistance_limit() {
    std::vector<std::size_t> crossed;
    if (!(m_r_limit_ratio > 0.0))
        return crossed;
    for (std::size_t k = 0; k < m_contacts.size(); ++k) {
        const bool over = contact_resistance_ratio(k) > m_r_limit_ratio;
        if (over && !m_r_over[k])
            crossed.push_back(k);
        m_r_over[k] = over;
    }
    return crossed;
}

} // namespace stacksim::num
