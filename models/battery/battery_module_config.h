// Configuration of one battery module (battery_module.h): its AFE, its BMS and, for the master,
// its stack logic and CAN link; or the firmware that replaces the BMS and its BQ76952. SystemC-free
// (the scenario reader builds one per module).
#pragma once

#include "battery/afe_config.h"
#include "battery/bms_config.h"
#include "battery/can_link_config.h"
#include "battery/stack_master_config.h"
#include "battery/bq76952_config.h"
#include "firmware/firmware_config.h"

namespace stacksim::models {

struct battery_module_config {
    afe_config afe;
    bms_config bms;
    stack_master_config master; // used by the master module only
    can_link_config can;        // used by the master module only
    firmware_config firmware;   // path empty: the builtin BMS; else the firmware and its BQ76952
    bq76952_config bq76952;     // the firmware module's AFE
};

} // namespace stacksim::models
