// Configuration of the inverter (inverter.h): its behaviour profile (protocol, limit rules,
// supervision, handshake, reaction; inverter_profile.h), its power request (a battery power
// profile or the site model), efficiency and control timing. SystemC-free, so that the scenario
// reader and tools use it without the kernel; filled from a scenario's `inverter:` section
// (sim/scenario.cpp, docs/scenarios.md) and the profile file it names.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "common/profile.h"
#include "inverter/inverter_profile.h"

namespace stacksim::models {

struct inverter_config {
    // Behaviour profile (models/params/inverters/<name>.yaml; the scenario's inverter.protocol,
    // heartbeat_period_s and battery_timeout_s override its values). Zero until read: tests load
    // a file (load_inverter_profile).
    inverter_profile behaviour;
    profile battery_power_w;              // requested DC battery power, + = charging; empty = site model
    // Site model (used when battery_power_w is empty): AC powers, W.
    profile pv_w = profile::constant(0.0);         // PV production (>= 0)
    profile load_w = profile::constant(0.0);       // household load (>= 0)
    profile tou_charge_w = profile::constant(0.0); // grid power to charge with (time of use)
    // Grid power to charge with while the battery asks for it (0x35C full-charge request, force
    // charge I / II): at least this much (AC W); 0 = the requests are ignored.
    double request_charge_w = 0.0;
    double grid_import_limit_w = std::numeric_limits<double>::infinity();
    double grid_export_limit_w = std::numeric_limits<double>::infinity();
    // DC efficiency curve: efficiency vs |AC power| (linear, held at the ends); empty = lossless.
    std::vector<double> efficiency_power_w;
    std::vector<double> efficiency;
    double control_period_s = 0.1;
    double cv_gain_a_per_v = 20.0;        // CV regulator: integral gain, A per V of error per period
    // A host inverter talks to the battery over CAN instead (can.external: inverter; docs/cosim.md):
    // this model is off the bus and its DC side follows the power request (profile or live
    // control) without battery limits; the BMS's own protections guard the stack.
    bool dc_only = false;
};

} // namespace stacksim::models
