// A module's BMS as the outputs, the scenario's events and the bindings see it, whichever BMS the
// module has: the builtin one (afe + bms, plus stack_master and can_link on the master;
// builtin_bms_view.h) or the user's firmware (firmware/firmware_bms.h).
//
// Missing values: a group of report fields exists once its source has produced it (the builtin:
// from the first measurement; a firmware: from the first publish of that group); until then the
// outputs leave the columns empty (docs/outputs.md, "Missing values"), as reported() says.
#pragma once

#include <optional>
#include <string>

#include "battery/bms.h"
#include "battery/stack_master.h"
#include "protocol/pylon_can.h"
#include "tlm/can_socket.h"
#include "tlm/rs485_socket.h"

namespace stacksim::models {

class afe;
class can_link;

// Groups of module_report fields (the firmware ABI's STACKSIM_FW_MS_* groups).
enum class report_group { soc, soh, limits, protection, balance, enable };
// Groups of stack_aggregate fields (STACKSIM_FW_SS_*; first_start: the builtin master's hold).
enum class aggregate_group { present, soc, limits, measured, first_start };

class module_bms_view {
public:
    virtual ~module_bms_view() = default;

    virtual const module_report& report() const = 0;
    virtual bool reported(report_group g) const = 0;
    // The master's view of the stack; nullptr on a sub.
    virtual const stack_aggregate* aggregate() const = 0;
    virtual bool aggregated(aggregate_group g) const = 0;
    // The master's CAN heartbeat watch; nullopt when the BMS does not say.
    virtual std::optional<bool> heartbeat_lost() const = 0;
    // What the master last put on CAN; nullptr when not known.
    virtual const proto::battery_can_state* can_state() const = 0;

    // The module's transceiver on the RS485 chain, and the master's CAN port (nullptr on a sub).
    virtual bus::rs485_initiator_socket& rs485_port() = 0;
    virtual bus::can_initiator_socket* can_port() = 0;
    virtual std::string can_node_name() const = 0;

    // Scenario events: the module's electronics switched off or on (module_power), the RUN button
    // pressed for press_s (run_button; returns the effect for the event log).
    virtual void set_powered(bool on) = 0;
    virtual std::string run_button(double press_s) = 0;
    // The module current changed at this instant (the AFE's short-circuit comparator re-checks).
    virtual void current_changed() = 0;
    // The run ends (a firmware gets on_power_off; nothing for the builtin).
    virtual void end_of_run() {}
    // Set when the BMS failed and ended the run (a firmware crashed or hung): the message.
    virtual const std::string* failure() const { return nullptr; }

    // The builtin parts, for their own fault setters and statistics; nullptr for a firmware.
    virtual afe* builtin_afe() { return nullptr; }
    virtual bms* builtin_bms() { return nullptr; }
    virtual const bms* builtin_bms() const { return nullptr; }
    virtual stack_master* builtin_master() { return nullptr; }
    virtual can_link* builtin_can() { return nullptr; }
};

} // namespace stacksim::models
