// SPICE export of a solved network (issue #4, `stacksim netlist`).
//
// Writes the network as solved: every resistor, closed switch (its on-resistance) and source
// with the values used in the last solve; a source as a V device (its emf) in series with an R
// (its resistance, on the pos side); a port (current or power) as an I device carrying the
// solved current; an open switch only as a comment. Before every element one comment line
//   * I(<element name>) = <current in A, + from the element's first node to its second>
// (numbers: the shortest of %.15g..%.17g that reads back exactly)
// and the device line(s) follow it. Node 0 is ground; other node and device names are the
// stacksim names lower-cased with every character outside [a-z0-9_] turned into '_' (made unique
// with a suffix if needed). Components without a path to ground (floating) are tied to ground
// at their reference node by a 1e12 Ohm resistor, so ngspice gets a non-singular matrix; no
// current flows through the tie. The file ends with `.op` and `.end` (ngspice -b accepts it).
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
};

spice_names make_spice_names(const network& net);
// Throws network_error if the network has not been solved.
void write_spice(std::ostream& os, const network& net, const std::string& title);
std::string spice_netlist(const network& net, const std::string& title);

} // namespace stacksim::num
