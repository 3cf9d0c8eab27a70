// Configuration of the master's CAN link to the inverter (can_link.h).
// SystemC-free; field table in battery/module_params.cpp, values in models/params/module_4k4pro.yaml
// only: the parameters carry no values of their own (zero until read; tests and benches load the
// file).
#pragma once

#include "numeric/field_table.h"
#include "protocol/pylon_can.h"

namespace stacksim::models {

enum class heartbeat_reaction { event_only, zero_limits };

struct can_link_config {
    double can_period_s{};
    double can_spacing_s{};
    double first_s = 1.0;                // first cycle (after the first RS485 poll cycle)
    double heartbeat_timeout_s{};        // no 0x305 for this long -> heartbeat lost
    models::heartbeat_reaction heartbeat_reaction{};
    proto::can_message_set can_message_set; // with its manufacturer (0x35E)
    // 0x35C request flags (SoC in %): set at or below *_on_soc_pct, cleared at or above *_off_soc_pct.
    double force_charge_1_on_soc_pct{}, force_charge_1_off_soc_pct{};
    double force_charge_2_on_soc_pct{}, force_charge_2_off_soc_pct{};
    double full_charge_soc_pct{};
    double full_charge_after_days{};
    double capacity_ah{};                // 0x35F / 0x379 (stack installed capacity; set at elaboration)
    // The identification frames (0x35E name, 0x35F battery info) in the first cycle only, as a
    // battery that sends them once (a scenario's inverter.battery_side.identification: once);
    // false: every cycle, as the rest of the set.
    bool identification_once = false;

    static const num::field_table<can_link_config>& fields(); // master.* (can_* and the 0x35C flags)
};

} // namespace stacksim::models
