// Where and how a host program joins the RS485 chain: the scenario key `rs485.bridge` (the CLI's
// --rs485-bridge maps to it).
//
//   pty:PATH[@POSITION] | tcp:[HOST:]PORT[@POSITION]      POSITION = link (default) | m0
//
// The part before the position is a host stream (host/stream_port.h: a pseudo-terminal with a
// symlink at PATH, or a TCP server on 127.0.0.1 unless HOST is given; PORT 0..65535, 0 = any free
// port). The position is the text after the last '@' (so a PATH that contains '@' needs the
// position written out: pty:/tmp/a@b@link).
//   link  the master's free port A: the host is a node before the master on the chain (a
//         monitoring tool, or an inverter that speaks the Pylontech RS485 protocol);
//   m0    the master's place on the chain: the master BMS's RS485 node leaves it, so master
//         firmware on the host polls the simulated subs (models/stack/stack.h says what the
//         simulated master does then).
// Plain C++ (no SystemC): the scenario reader checks a spec before anything is built.
#pragma once

#include <string>

#include "numeric/enum_names.h"

namespace stacksim::models {

enum class rs485_bridge_position { link, m0 };
inline const num::enum_names<rs485_bridge_position, 2> rs485_bridge_position_names{
    "RS485 bridge position", {{{rs485_bridge_position::link, "link"}, {rs485_bridge_position::m0, "m0"}}}};

struct rs485_bridge_spec {
    std::string stream;                                      // "pty:PATH" or "tcp:[HOST:]PORT"
    rs485_bridge_position position = rs485_bridge_position::link;
};

// The syntax, for messages.
constexpr const char* rs485_bridge_spec_syntax = "pty:PATH[@link|@m0] or tcp:[HOST:]PORT[@link|@m0]";
// The spec as above; otherwise std::invalid_argument "'TEXT': what is wrong" (nothing is opened).
rs485_bridge_spec parse_rs485_bridge_spec(const std::string& text);

} // namespace stacksim::models
