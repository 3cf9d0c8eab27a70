// Wiring of a stack of N parallel modules to the inverter: builds a `network` with
// every module's internals, every cable and every contact, and keeps an index so the stack finds
// its elements without name look-ups.
//
// Module k (instance name mk; nodes mk.c, mk.b, mk.f, mk.pre, terminals mk.pos / mk.neg):
//   mk.cells        source   mk.c  -> mk.neg   e, r of its 16 cells (set by the stack each step)
//   mk.busbar       resistor mk.c  -> mk.b
//   mk.fuse         switch   mk.b  -> mk.f    r_on = fuse_ohm; opened when the fuse blows
//   mk.switch       switch   mk.f  -> mk.pos   main contactor / MOSFET (open = no branch)
//   mk.precharge_r  resistor mk.f  -> mk.pre
//   mk.precharge    switch   mk.pre-> mk.pos
// A cable run between two terminals X and Y (e.g. m0.pos and m1.pos) is
//   contact.X.<peer>  X -> lug X.<peer>;  cable.<pole>.<a>_<b>  lug -> lug;  contact.Y.<peer>
// e.g. contact.m0.pos.m1, cable.pos.m0_m1, contact.m1.pos.m0. The inverter's terminals are the
// nodes inv.pos and inv.neg (= ground, node 0); its DC port is `inverter.port` from inv.neg to
// inv.pos, so its current is + when it charges the stack (project convention).
// Topologies: same_side (inverter + and - at m0), loop (+ at m0, - at m(N-1): the manual's
// diagonal), busbar (every module to bus.pos / bus.neg, inverter to the bus bars; contacts on the
// bus bar use the 40 Nm law), explicit (a user's list of elements). Naming: docs/models/network.md.
// A short across the inverter's DC terminals (scenario event bus_short) is the switch `bus.short`
// inv.pos -> inv.neg, added to the network the first time set_bus_short() is called.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "numeric/branch_thermal.h"
#include "numeric/cable.h"
#include "numeric/contact.h"
#include "numeric/network.h"
#include "numeric/param_file.h"
#include "numeric/wiring_params.h"

namespace stacksim::num {

enum class wiring_topology { same_side, loop, busbar, explicit_netlist };
enum class port_mode { current, power };

inline const enum_names<wiring_topology, 4> wiring_topology_names{
    "wiring topology",
    {{{wiring_topology::same_side, "same_side"},
      {wiring_topology::loop, "loop"},
      {wiring_topology::busbar, "busbar"},
      {wiring_topology::explicit_netlist, "explicit"}}}};
inline const enum_names<port_mode, 2> port_mode_names{
    "port mode", {{{port_mode::current, "current"}, {port_mode::power, "power"}}}};

inline const char* to_string(wiring_topology t) { return wiring_topology_names.name(t); }
// "same_side", "loop", "busbar", "explicit"; throws std::invalid_argument otherwise.
inline wiring_topology parse_wiring_topology(const std::string& s) { return wiring_topology_names.parse(s); }

struct cable_override {
    std::optional<double> length_m;
    std::optional<double> cross_section_mm2;
    std::optional<conductor_class> cls;
};

struct contact_override {
    std::optional<double> torque_nm;
    std::optional<double> loosening_time_s; // 0 = none
};

// One element of an explicit netlist. Nodes are created by name; the inverter's neg node is
// ground. kinds: module (name = instance, a = +, b = -), cable (cable), contact (torque_nm,
// location), resistor (r_ohm), switch (r_ohm = on-resistance, closed), inverter (a = +, b = -).
struct explicit_element {
    std::string kind;
    std::string name;
    std::string a, b;
    cable_spec cable;
    double torque_nm = 0.0;
    contact_location location = contact_location::terminal;
    double loosening_time_s = 0.0;
    double r_ohm = 0.0;
    bool closed = true;
};

struct wiring_spec {
    wiring_topology topology = wiring_topology::loop;
    std::size_t n_modules = 1; // explicit: must equal the number of module elements
    port_mode port = port_mode::current;
    // Group defaults; empty fields keep wiring_params::defaults.
    cable_override inter_module; // daisy-chain jumpers
    cable_override inverter;     // inverter cables (default cross-section by module count)
    cable_override busbar_drop;  // module <-> bus bar cables
    std::map<std::string, cable_override> cables;     // by cable name
    std::map<std::string, contact_override> contacts; // by contact name
    std::vector<explicit_element> elements;           // explicit topology

    // From a scenario's `wiring:` map (format in docs/models/network.md).
    static wiring_spec from(const param_node& node, std::size_t n_modules);
};

struct stack_index {
    // per module
    std::vector<network::element_id> cells, busbar, fuse, main_switch, precharge_r, precharge;
    std::vector<network::node_id> module_pos, module_neg;
    // inverter
    network::element_id port = 0;
    network::node_id inverter_pos = 0;
    network::node_id inverter_neg = network::ground;
    // parallel to stack_network::cables() / contacts()
    std::vector<network::element_id> cable_elements, contact_elements;
};

class stack_network {
public:
    stack_network() = default; // empty; assign a built one before use
    stack_network(const wiring_spec& spec, const wiring_params& params, double initial_temp_k = 293.15);

    std::size_t n_modules() const { return m_index.cells.size(); }
    const stack_index& index() const { return m_index; }
    network& net() { return m_net; }
    const network& net() const { return m_net; }
    const wiring_params& params() const { return m_params; }
    wiring_topology topology() const { return m_topology; }

    // --- inputs ---
    // Module m's cell stack as a Thevenin branch (+ current charges). Must be called for every
    // module before the first solve.
    void set_module_source(std::size_t m, double e_v, double r_ohm);
    void set_switch(std::size_t m, bool closed);
    void set_precharge(std::size_t m, bool closed);
    void set_fuse_closed(std::size_t m, bool closed); // false = blown (the fuse element opens)
    // A short of r_ohm across the inverter's DC terminals (inv.pos -> inv.neg); 0 removes it.
    void set_bus_short(double r_ohm);
    std::optional<network::element_id> bus_short_element() const { return m_bus_short; }
    void set_port_current_a(double current_a); // + = charging; makes the port a current port
    void set_port_power_w(double power_w);     // + = charging; makes the port a power port
    bool port_is_power() const { return m_net.kind(m_index.port) == element_kind::power_port; }

    void solve();

    // --- results of the last solve ---
    double module_current_a(std::size_t m) const { return m_net.current_a(m_index.cells[m]); } // + = charging
    double module_voltage_v(std::size_t m) const {
        return m_net.node_voltage_v(m_index.module_pos[m]) - m_net.node_voltage_v(m_index.module_neg[m]);
    }
    // Module current / sum of the module currents (0 when the sum is 0).
    double module_share(std::size_t m) const;
    // max_m |i_m - mean| / |mean| over modules with a closed main switch (0 if the mean is 0).
    double imbalance() const;
    double port_voltage_v() const { return -m_net.voltage_v(m_index.port); } // V(inv.pos) - V(inv.neg)
    double port_current_a() const { return m_net.current_a(m_index.port); } // + = charging
    port_status port_state() const { return m_net.status(m_index.port); }
    double max_kcl_residual_a() const { return m_net.max_kcl_residual_a(); }

    // --- cables, contacts and their thermal nodes ---
    const std::vector<cable>& cables() const { return m_cables; }
    const std::vector<contact>& contacts() const { return m_contacts; }
    std::size_t find_cable(const std::string& name) const;   // throws network_error
    std::size_t find_contact(const std::string& name) const; // throws network_error
    // thermal node k: cable k for k < cables().size(), else contact k - cables().size()
    const branch_thermal& thermal() const { return m_thermal; }
    double cable_temp_k(std::size_t k) const { return m_thermal.temp_k(k); }
    double contact_temp_k(std::size_t k) const { return m_thermal.temp_k(m_cables.size() + k); }
    void set_branch_temp_k(std::size_t thermal_node, double temp_k); // also updates R
    // Re-tighten a contact (restarts its loosening clock); updates R.
    void set_contact_torque_nm(std::size_t k, double torque_nm);
    void set_contact_loosening_time_s(std::size_t k, double t_s); // 0 = none
    // Loosening over months (bolt_preload.h) for every contact, from now; updates R.
    void set_contact_preload_law(const bolt_preload_law& law);
    // Fast aging: every contact ages dt_s of life (contact::jump); updates R.
    void jump_contacts(double dt_s);
    // A new stress window for the contacts' jumps begins now.
    void start_contact_windows();
    // R at the reference temperature over r_nominal: what the torque has done to the joint.
    double contact_resistance_ratio(std::size_t k) const;
    // A limit on contact_resistance_ratio (0 = none); contacts_crossing_resistance_limit() returns
    // the contacts above it now that were not at its last call (the first call: all above it).
    void set_contact_resistance_limit(double ratio);
    double contact_resistance_limit() const { return m_r_limit_ratio; }
    std::vector<std::size_t> contacts_crossing_resistance_limit();
    // Replace cable k by one of another geometry (same name, class and nodes) at the temperature
    // of its thermal node: its R(T) = R20(length_m, cross_section_mm2) (1 + alpha (T - T_ref))
    // from now on, and its node's heat capacity and conductance to ambient follow the new geometry
    // (the heat the old cable held and the new one does not is branch_thermal::replaced_heat_j).
    // A size not in the IEC table of its class or a length <= 0 throws std::invalid_argument
    // naming the cable, and nothing changes. No re-analysis: the topology is the same.
    void set_cable(std::size_t k, double length_m, double cross_section_mm2);

    // After a solve: book the step's energies with the solved currents, heat cables and contacts
    // (I^2 R over dt_s, exact exponential), age the contacts, then set every cable and contact
    // resistance from its new temperature and torque for the next solve. Rating crossings of the
    // step: thermal().crossed_up() / crossed_down().
    void advance(double dt_s, double ambient_k);
    void update_resistances();

    // --- energy since construction (J); element order of net() ---
    const Eigen::VectorXd& loss_energy_j() const { return m_loss_j; }     // ohmic, per element
    const Eigen::VectorXd& source_energy_j() const { return m_emf_j; }    // e i dt into each source's emf
    double port_energy_j() const { return m_port_j; }                    // into the stack via the port
    // Ohmic losses outside the module sources (cables, contacts, busbars, fuses, switches,
    // precharge paths); the sources' own r i^2 is cell heat (in loss_energy_j per element).
    double total_loss_energy_j() const { return m_wiring_loss_j; }
    static double j_to_wh(double j) { return j / 3600.0; }

private:
    void build_module(const std::string& inst, network::node_id pos, network::node_id neg);
    void add_run(const std::string& cable_name, const cable_spec& spec, network::node_id x, const std::string& x_name,
                 contact_location x_loc, const std::string& x_peer, network::node_id y, const std::string& y_name,
                 contact_location y_loc, const std::string& y_peer);
    void add_cable(const std::string& name, network::node_id a, network::node_id b, cable_spec spec);
    void add_contact(const std::string& name, network::node_id a, network::node_id b, contact_location loc,
                     double torque_nm, double loosening_time_s);
    void build_explicit(const wiring_spec& spec);

    wiring_params m_params;
    wiring_topology m_topology = wiring_topology::loop;
    network m_net;
    stack_index m_index;
    std::vector<cable> m_cables;
    std::vector<contact> m_contacts;
    branch_thermal m_thermal;
    std::vector<char> m_source_set;
    double m_initial_temp_k = 293.15;
    std::optional<network::element_id> m_bus_short;
    double m_r_limit_ratio = 0.0;
    std::vector<char> m_r_over; // per contact: above the resistance limit at the last check
    // construction only
    struct pending_contact {
        std::string name;
        network::node_id a, b;
        contact_location location;
        double torque_nm, loosening_time_s;
    };
    std::vector<pending_contact> m_pending_contacts;
    std::map<std::string, cable_override> m_cable_over;
    std::map<std::string, contact_override> m_contact_over;
    // energy
    Eigen::VectorXd m_loss_j, m_emf_j;
    double m_port_j = 0.0;
    double m_wiring_loss_j = 0.0;
    Eigen::ArrayXd m_heat_w; // scratch
};

} // namespace stacksim::num
