// Configuration of one battery module (battery_module.h): its AFE, its BMS and, for the master,
// its stack logic and CAN link. SystemC-free (the scenario reader builds one per module).
#pragma once

#include "battery/afe_config.h"
#include "battery/bms_config.h"
#include "battery/can_link_config.h"
#include "battery/stack_master_config.h"

namespace stacksim::models {

struct battery_module_config {
    afe_config afe;
    bms_config bms;
    stack_master_config master; // used by the master module only
    can_link_config can;        // used by the master module only
};

} // namespace stacksim::models
