// SPICE export cross-checked against an independent solver: ngspice (Debian package) runs the
// exported netlist in batch mode and its branch currents must match ours to 1e-6 relative.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "network_test_util.h"
#include "numeric/spice_export.h"

using namespace stacksim::num;
using network_test::params;
using network_test::t20_k;
using ::testing::HasSubstr;

namespace {

struct ngspice_result {
    std::map<std::string, double> values; // lower-case vector name -> value
    std::string log;
};

// Run ngspice -b on the netlist with a .control block that prints the current of every device.
ngspice_result run_ngspice(const network& net, const std::string& netlist) {
    const spice_names n = make_spice_names(net);
    std::ostringstream ctl;
    ctl << ".control\nset numdgt=15\nop\n";
    for (std::size_t e = 0; e < net.n_elements(); ++e) {
        switch (net.kind(e)) {
        case element_kind::resistor:
            ctl << "print @" << n.elements[e] << "[i]\n";
            break;
        case element_kind::switch_element:
            if (net.closed(e))
                ctl << "print @" << n.elements[e] << "[i]\n";
            break;
        case element_kind::source:
            ctl << "print i(" << n.elements[e] << ")\n";
            break;
        default:
            break;
        }
    }
    for (std::size_t k = 1; k < net.n_nodes(); ++k)
        ctl << "print v(" << n.nodes[k] << ")\n";
    ctl << ".endc\n";
    std::string text = netlist;
    const auto pos = text.rfind(".end\n");
    EXPECT_NE(pos, std::string::npos);
    text.insert(pos, ctl.str());

    char dir_template[] = "/tmp/stacksim_spice_XXXXXX";
    const char* dir = mkdtemp(dir_template);
    EXPECT_NE(dir, nullptr);
    const std::string cir = std::string(dir) + "/net.cir";
    const std::string out = std::string(dir) + "/out.txt";
    std::ofstream(cir) << text;
    const std::string cmd = std::string(STACKSIM_NGSPICE) + " -b " + cir + " > " + out + " 2>&1";
    const int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd;
    ngspice_result r;
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    r.log = ss.str();
    const std::regex line(R"(^\s*(\S+)\s*=\s*([-+0-9.eE]+)\s*$)");
    std::istringstream lines(r.log);
    for (std::string l; std::getline(lines, l);) {
        std::smatch m;
        if (std::regex_match(l, m, line))
            r.values[m[1].str()] = std::stod(m[2].str());
    }
    std::remove(cir.c_str());
    std::remove(out.c_str());
    rmdir(dir);
    return r;
}

// Compare every branch current with ngspice; returns the number of compared branches.
std::size_t compare_with_ngspice(const network& net, const std::string& title) {
    const std::string netlist = spice_netlist(net, title);
    const ngspice_result r = run_ngspice(net, netlist);
    const spice_names n = make_spice_names(net);
    std::size_t compared = 0;
    double worst = 0.0;
    for (std::size_t e = 0; e < net.n_elements(); ++e) {
        std::string key;
        if (net.kind(e) == element_kind::resistor || (net.kind(e) == element_kind::switch_element && net.closed(e)))
            key = "@" + n.elements[e] + "[i]";
        else if (net.kind(e) == element_kind::source)
            key = "i(" + n.elements[e] + ")";
        else
            continue;
        auto it = r.values.find(key);
        if (it == r.values.end()) {
            ADD_FAILURE() << "ngspice gave no " << key << " for " << net.element_name(e) << "\n" << r.log;
            continue;
        }
        const double ours = net.current_a(e), theirs = it->second;
        // 1e-6 relative; the absolute floor 1e-9 A only matters for branches carrying ~0 A
        EXPECT_NEAR(ours, theirs, 1e-6 * std::abs(theirs) + 1e-9) << title << ": " << net.element_name(e);
        if (std::abs(theirs) > 1e-6)
            worst = std::max(worst, std::abs(ours - theirs) / std::abs(theirs));
        ++compared;
    }
    for (std::size_t k = 1; k < net.n_nodes(); ++k) {
        auto it = r.values.find("v(" + n.nodes[k] + ")");
        if (it == r.values.end())
            continue; // nodes of open branches only
        EXPECT_NEAR(net.node_voltage_v(k), it->second, 1e-9 * std::max(1.0, std::abs(it->second)))
            << title << ": node " << net.node_name(k);
    }
    std::printf("[ngspice] %s: %zu branch currents compared, max relative difference %.3g\n", title.c_str(),
                compared, worst);
    return compared;
}

stack_network make(const wiring_spec& sp, const std::vector<double>& e, const std::vector<double>& r) {
    stack_network s(sp, params(), t20_k);
    for (std::size_t m = 0; m < s.n_modules(); ++m)
        s.set_module_source(m, e[m % e.size()], r[m % r.size()]);
    return s;
}

} // namespace

TEST(NetworkSpice, ExportFormat) {
    network net;
    const auto a = net.add_node("m0.pos");
    net.add_source("m0.cells", a, network::ground, 52.0, 0.01);
    net.add_switch("m0.switch", a, network::ground, 0.5, false);
    net.add_current_port("inverter.port", network::ground, a, 10.0);
    EXPECT_THROW(spice_netlist(net, "t"), network_error);
    net.solve();
    const std::string s = spice_netlist(net, "title");
    // Expected currents under the device names (SPICE's sign), after the element's stacksim name.
    EXPECT_THAT(s, HasSubstr("* element m0.cells (source)\n* I(rm0_cells_r) = 10\n* I(vm0_cells) = 10\n"
                             "rm0_cells_r m0_pos rm0_cells_r_mid 0.01\nvm0_cells rm0_cells_r_mid 0 DC 52\n"));
    EXPECT_THAT(s, HasSubstr("* element m0.switch (switch)\n* rm0_switch m0_pos 0 open switch"));
    EXPECT_THAT(s, HasSubstr("* element inverter.port (current_port)\n* I(iinverter_port) = 10\n"
                             "iinverter_port 0 m0_pos DC 10"));
    EXPECT_THAT(s, HasSubstr("*   m0_pos = m0.pos\n"));
    EXPECT_THAT(s, HasSubstr(".end\n"));
    std::ostringstream map;
    write_spice_map(map, net);
    EXPECT_EQ(map.str(), "what,stacksim_name,spice_name\n"
                         "node,0,0\nnode,m0.pos,m0_pos\n"
                         "device,m0.cells,vm0_cells\nseries_r,m0.cells,rm0_cells_r\nmid_node,m0.cells,rm0_cells_r_mid\n"
                         "open_switch,m0.switch,rm0_switch\n"
                         "device,inverter.port,iinverter_port\n");
}

// The export is one snapshot of the last solve: inputs changed after it (a resistance for the
// next step, a switch, a port setpoint, an emf) do not leak into the netlist next to the old
// currents.
TEST(NetworkSpice, ExportsTheValuesOfTheLastSolve) {
    network net;
    const auto a = net.add_node("a");
    const auto r = net.add_resistor("load", a, network::ground, 2.0);
    const auto v = net.add_source("src", a, network::ground, 12.0, 1.0);
    const auto sw = net.add_switch("sw", a, network::ground, 4.0, true);
    const auto p = net.add_current_port("port", network::ground, a, 1.0);
    net.solve();
    const std::string before = spice_netlist(net, "t");
    net.set_resistance(r, 3.0);
    net.set_source(v, 13.0, 1.5);
    net.set_closed(sw, false);
    net.set_current(p, 2.0);
    EXPECT_EQ(spice_netlist(net, "t"), before);
    EXPECT_THAT(before, HasSubstr("rload a 0 2\n"));
    EXPECT_THAT(before, HasSubstr("rsrc_r a rsrc_r_mid 1\nvsrc rsrc_r_mid 0 DC 12\n"));
    EXPECT_THAT(before, HasSubstr("rsw a 0 4 ; closed switch\n"));
    EXPECT_THAT(before, HasSubstr("iport 0 a DC 1 ;"));
    net.solve();
    EXPECT_THAT(spice_netlist(net, "t"), HasSubstr("rload a 0 3\n"));
}

// same side, 3 modules of different emf and resistance, an under-sized jumper, 80 A discharge.
TEST(NetworkSpice, SameSideThreeModules) {
    wiring_spec sp;
    sp.topology = wiring_topology::same_side;
    sp.n_modules = 3;
    sp.cables["cable.neg.m1_m2"].cross_section_mm2 = 16.0;
    stack_network s = make(sp, {52.1, 51.9, 52.0}, {0.012, 0.0135, 0.011});
    s.set_port_current_a(-80.0);
    s.solve();
    EXPECT_GE(compare_with_ngspice(s.net(), "same_side 3"), 3u * 4u + 6u * 3u);
}

// The manual's loop wiring with 5 modules, a power port drawing 3 kW.
TEST(NetworkSpice, LoopFiveModulesPowerPort) {
    wiring_spec sp;
    sp.topology = wiring_topology::loop;
    sp.n_modules = 5;
    sp.port = port_mode::power;
    stack_network s = make(sp, {52.0, 52.05, 51.95, 52.1, 51.9}, {0.012, 0.0125, 0.0118, 0.013, 0.0121});
    s.set_port_power_w(-3000.0);
    s.solve();
    EXPECT_EQ(s.port_state(), port_status::ok);
    EXPECT_NEAR(s.port_voltage_v() * s.port_current_a() / -3000.0, 1.0, 1e-12);
    EXPECT_GE(compare_with_ngspice(s.net(), "loop 5"), 5u * 4u + 8u * 3u + 2u * 3u);
}

// Bus bar (star) with 4 modules and a loose contact on the bus bar (2 Nm of 40), one module's
// main switch open with its precharge path closed, charging at 60 A.
TEST(NetworkSpice, BusbarWithLooseContact) {
    wiring_spec sp;
    sp.topology = wiring_topology::busbar;
    sp.n_modules = 4;
    sp.contacts["contact.bus.pos.m2"].torque_nm = 2.0;
    stack_network s = make(sp, {52.0, 52.2, 51.8, 51.5}, {0.012});
    s.set_switch(3, false);
    s.set_precharge(3, true);
    s.set_port_current_a(60.0);
    s.solve();
    const auto loose = s.index().contact_elements[s.find_contact("contact.bus.pos.m2")];
    EXPECT_GT(s.net().resistance_ohm(loose), 1e-3);
    EXPECT_GE(compare_with_ngspice(s.net(), "busbar 4 loose"), 3u * 4u + 1u + 10u * 3u);
}

// Every switch open (floating inverter side): the export ties the floating component so
// ngspice solves it, and nothing flows.
TEST(NetworkSpice, AllOpenFloatingComponent) {
    wiring_spec sp;
    sp.topology = wiring_topology::loop;
    sp.n_modules = 2;
    stack_network s = make(sp, {52.0, 51.0}, {0.012});
    s.set_switch(0, false);
    s.set_switch(1, false);
    s.set_port_current_a(10.0);
    s.solve();
    const std::string netlist = spice_netlist(s.net(), "all open");
    EXPECT_THAT(netlist, HasSubstr("rfloat_inv_pos inv_pos 0 1e12"));
    compare_with_ngspice(s.net(), "all open");
}
