// Configuration of the battery stack (stack.h): the plant (cells and power network), one
// configuration per module (m0 = master) and the RS485 chain. SystemC-free, so that
// sim/scenario.h and the tools that read scenarios do not pull in the kernel.
#pragma once

#include <cstdint>
#include <vector>

#include "battery/battery_module_config.h"
#include "numeric/stack_plant.h"
#include "tlm/rs485_chain_config.h"

namespace stacksim::models {

struct stack_config {
    num::stack_plant_config plant;
    std::vector<battery_module_config> modules; // one per module, m0 = master
    bus::rs485_chain_config rs485;
    double step_s = 0.1;
    std::uint64_t seed = 1;
};

} // namespace stacksim::models
