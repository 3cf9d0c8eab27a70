// SPICE export of a solved network (`stacksim netlist`).
//
// Writes the network as solved: every resistor, closed switch (its on-resistance) and source
// with the values the last solve used (network::solved_values(), so values and currents are of
// the same instant even if inputs changed after the solve); a source as a V device (its emf) in
// series with an R (its resistance, on the pos side); a port (current or power) as an I device
// carrying the solved current; an open switch only as a comment.
//
// Names: node 0 is ground; other node and device names are the stacksim names lower-cased with
// every character outside [a-z0-9_] turned into '_' (made unique with a suffix if needed), the
// device prefixed with its SPICE type letter (r, v, i): m0.cells -> vm0_cells + rm0_cells_r
// (series R, its inner node rm0_cells_r_mid), contact.m2.neg.inv -> rcontact_m2_neg_inv.
// Before each element's device line(s):
//   * element <stacksim name> (<kind>)
//   * I(<device>) = <current in A>        one line per device of the element
// The currents are stacksim's solution in SPICE's convention, under the device names, so a
// SPICE run compares line by line: + from the device's first node through the device to its
// second (an R: ngspice @r[i]; a V: into its + node, ngspice i(v); an I: its value, ngspice
// @i[current]). Numbers: the shortest of %.15g..%.17g that reads back exactly.
// Components without a path to ground (floating) are tied to ground at their reference node by
// a 1e12 Ohm resistor rfloat_<node> (I = 0), so SPICE gets a non-singular matrix. The header
// lists every node's stacksim name; the file ends with `.op` and `.end` (ngspice -b accepts it).
//
// The name map (write_spice_map) is CSV with the header `what,stacksim_name,spice_name`, one row
// per node (what = node), device (device: the element's device; series_r: a source's series R;
// mid_node: its inner node; tie: a floating component's tie, stacksim_name = the tied node) and
// open switch (open_switch: commented out in the netlist).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "numeric/network.h"

namespace stacksim::num {

struct spice_names {
    std::vector<std::string> nodes;    // per node; "0" for ground
    std::vector<std::string> elements; // per element: its device (V device for a source)
    std::vector<std::string> series_r; // per element: the series R device of a source, else ""
    std::vector<std::string> mid;      // per element: a source's inner node (series R - V), else ""
};

spice_names make_spice_names(const network& net);
// Throws network_error if the network has not been solved.
void write_spice(std::ostream& os, const network& net, const std::string& title);
std::string spice_netlist(const network& net, const std::string& title);
// The name map of the netlist write_spice writes for the same solved network.
void write_spice_map(std::ostream& os, const network& net);

} // namespace stacksim::num
