// Configuration of the battery stack (stack.h): the plant (cells and power network), one
// configuration per module (m0 = master) and the RS485 chain. SystemC-free, so that
// sim/scenario.h and the tools that read scenarios do not pull in the kernel.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "battery/battery_module_config.h"
#include "host/stream_port.h"
#include "numeric/stack_plant.h"
#include "tlm/rs485_chain_config.h"

namespace stacksim::models {

struct stack_config {
    num::stack_plant_config plant;
    std::vector<battery_module_config> modules; // one per module, m0 = master
    // RS485 bridge: "pty:PATH[@link|@m0]" or "tcp:[HOST:]PORT[@link|@m0]" (rs485_bridge_spec.h);
    // empty = none. Its link cable is rs485.lead_length_m. (These members sit before `rs485`:
    // after it, GCC 12 warned maybe-uninitialized about the chain's hop vector in the scenario
    // reader, a false positive in the aggregate's cleanup path.)
    std::string rs485_bridge;
    double rs485_bridge_idle_gap_s = 0.05; // silence that ends an unfinished transmission
    // Opens the bridge's host stream; empty = host::open_stream_port (tests give a fake one).
    std::function<std::unique_ptr<host::stream_port>(const std::string& stream)> rs485_bridge_port;
    bus::rs485_chain_config rs485;
    double step_s = 0.1;
    // The grid wakes the plant every max_step_s (a whole multiple of step_s; docs/performance.md,
    // "Larger steps"); observers in between still bring it to their instant. 0 = step_s.
    double max_step_s = 0.0;
    std::uint64_t seed = 1;
};

} // namespace stacksim::models
