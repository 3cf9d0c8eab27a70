// The battery stack: N battery modules (master m0 + subs), the plant they share (all cells
// and the power network, numeric::stack_plant), and the RS485 chain between them.
//
// Time model: the plant advances on a fixed electrical grid (`step_s`) and, in between, to the
// exact instant of every discrete change (a switch commanded by a BMS, a new inverter set-point,
// an injected fault): every access from a module or the inverter first brings the plant to
// "now" with the inputs that held until now, then applies the change, which acts from now on.
// So every observer at time t (the recorder, an AFE sample, the inverter's voltage reading) sees
// the same values -- the state at the end of the interval that ended at t -- whatever the order
// of the processes within that instant. After each grid step the `on_step` hook runs.
//
// Larger steps (stack_config::max_step_s, a whole multiple of step_s; default step_s): the grid
// itself then steps the plant only every max_step_s, so grid instants at which nothing looks at
// the plant are skipped and the plant takes one longer step to the next instant at which
// something does (an AFE sample, the inverter's reading, a recorded row, an event, a fuse's
// predicted blow). A longer step holds the inputs and the nonlinear coefficients (OCV, R(SoC, T),
// hysteresis direction) like any step; the ambient is still the value at the step_s grid
// instant at or before the step's start. docs/performance.md ("Larger steps") derives the error
// and states its bound.
//
// Fuses: after every step the stack predicts the instant at which a fuse carrying a current above
// its curve's first point would blow with that current held, and steps the plant to exactly that
// instant (so a blow lands at the curve's time, not at the next grid point). While a fuse is
// loaded (damage > 0 or current above the curve), an input change (a switch, the port, a fault)
// re-solves the plant at once so the prediction follows the new currents.
//
// RS485 bridge (stack_config::rs485_bridge, stack/rs485_bridge_spec.h): a host program joins the
// chain as a node named "host" (bus/tlm/rs485_bridge.h), which the wall-clock pacer drives
// through rs485_bridge(); its stream opens in open_rs485_bridge() (or when the pacer starts it),
// not when the stack is built.
//   link  the host sits before m0, at the master's free port A, on a cable of
//         rs485.lead_length_m (buses.rs485_link_length_m, assumed); hops keep their numbers.
//         It hears every frame on the chain, and every module (the master included) answers its
//         requests; its frames collide with the master's polls like any node's.
//   m0    the host takes the master's place on the chain (node 0, hop 0 still m0-m1); the
//         master BMS's transceiver is unplugged (bus/tlm/rs485_unplugged.h). The simulated master
//         keeps running as before -- it measures and protects its own module, keeps polling
//         (into the unplugged port), hears no answer, marks each sub lost after
//         master.lost_after_misses cycles (sub_lost events), and from then on sends the inverter
//         limits of its own module alone. Real master firmware on the host polls the subs; they
//         answer it like the master, count its frames as the master being alive, and close their
//         switches only on its join command (CID2 0x99, INFO = [ADR, 01], docs/models/bms.md).
//         To take the master's CAN side off as well, use the CAN bridge's `master` role.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "battery/battery_module.h"
#include "common/event_sink.h"
#include "common/shared_instants.h"
#include "numeric/stack_plant.h"
#include "host/host_io.h"
#include "stack/stack_config.h"
#include "tlm/dc_socket.h"
#include "tlm/rs485_chain.h"

namespace stacksim::bus {
class rs485_bridge;
class rs485_unplugged;
} // namespace stacksim::bus

namespace stacksim::models {

class stack : public sc_core::sc_module, public bus::dc_fw_if {
public:
    bus::dc_target_socket dc_in;

    // link_node: an RS485 node at the master's free port A (an inverter speaking Pylontech RS485,
    // inverter_rs485_link.h): bound first, as the chain's lead node on the link cable, as a bridge
    // at `link` would be (the two exclude each other: std::invalid_argument).
    stack(const sc_core::sc_module_name& name, const stack_config& cfg, event_sink& events,
          bus::rs485_host* link_node = nullptr);
    ~stack() override;

    std::size_t n_modules() const { return m_modules.size(); }
    battery_module& module(std::size_t m) { return *m_modules.at(m); }
    const battery_module& module(std::size_t m) const { return *m_modules.at(m); }
    bus::rs485_chain& rs485() { return m_chain; }
    // The RS485 bridge as the pacer drives it; nullptr without one.
    host::host_input* rs485_bridge();
    bus::rs485_bridge* rs485_bridge_node() { return m_bridge.get(); }
    // Opens the bridge's host stream now (nothing without a bridge): std::invalid_argument with
    // the spec and the reason (address in use, permission).
    void open_rs485_bridge();
    num::stack_plant& plant() { return m_plant; }
    const num::stack_plant& plant() const { return m_plant; }

    // The first module whose BMS failed and stopped the run (a firmware crashed or hung): its
    // message; nullptr while none has.
    const std::string* bms_failure() const;
    // The run ends: every module's BMS is told (a firmware gets on_power_off).
    void end_of_run();

    // Bring the plant to the present simulated time (idempotent within one instant).
    void sync();

    // Faults of the plant (docs/models/network.md, docs/scenarios.md "events"). Each first brings
    // the plant to now with the old state, then acts from now on; names are those of the built
    // wiring (std::runtime_error otherwise). They return what changed, for the event log.
    nlohmann::json set_contact_torque(const std::string& contact, double torque_nm);
    nlohmann::json set_contact_loosening(const std::string& contact, double loosening_time_s); // 0 = stops
    // A cable replaced by one of another length and/or cross-section (absent = unchanged).
    nlohmann::json change_cable(const std::string& cable, std::optional<double> length_m,
                                std::optional<double> cross_section_mm2);
    nlohmann::json set_cell_short(std::size_t module, std::size_t cell, double r_ohm); // 0 = none
    nlohmann::json set_switch_welded(std::size_t module, bool welded);
    // A short across the inverter's DC terminals (0 = none); the plant re-solves at once, so the
    // AFE comparators and the fuses see the new currents from this instant on.
    nlohmann::json set_bus_short(double r_ohm);
    // A contact whose resistance at the reference temperature has just risen above the network's
    // limit (stack_network::set_contact_resistance_limit; none by default): one event each,
    // `resistance_limit` from <stack>.<contact>, with life_days when given (>= 0). Called after
    // every step and by fast aging after a jump.
    void report_contact_limits(double life_days = -1.0);
    // Runs after every step the grid takes (every max_step_s), with the plant at that instant.
    void on_step(std::function<void()> f) { m_on_step = std::move(f); }
    // A slowly varying ambient temperature, evaluated on demand: every plant step uses
    // ambient_k_at(g), g the last grid instant at or before the step's start, i.e. the value a
    // process setting the ambient at every grid instant would have set -- without waking one.
    // Unset: the plant's own (constant, or set_ambient_k) ambient.
    void ambient_source(std::function<double(double t_s)> ambient_k_at) { m_ambient_k_at = std::move(ambient_k_at); }

    // dc_fw_if (the inverter's DC port)
    void dc_set_current(double current_a) override;
    void dc_set_power(double power_w) override;
    double dc_voltage_v() override;
    double dc_current_a() override;

private:
    void grid(); // a method: the plant every max_step_s (step_s by default), then on_step
    void report_ratings();
    void report_fuses();
    void schedule_fuse_wake();
    void input_changed();
    void fuse_wake() { sync(); }
    bool fuse_active() const;
    void port_changed();
    void fault_changed(); // re-solve now: the currents change at this instant

    stack_config m_cfg;
    event_sink& m_events;
    num::stack_plant m_plant;
    bus::rs485_chain m_chain;
    std::unique_ptr<bus::rs485_bridge> m_bridge;
    std::unique_ptr<bus::rs485_unplugged> m_unplugged; // the master's transceiver with the bridge at m0
    // The modules' BMS measurement cycles run in step: one kernel notification per instant.
    shared_instants m_instants;
    std::vector<std::unique_ptr<battery_module>> m_modules;
    sc_core::sc_time m_plant_time;
    sc_core::sc_time m_step; // step_s as kernel time (the grid's period; the ambient's instants)
    sc_core::sc_time m_wake; // max_step_s: how often the grid itself steps the plant
    std::function<void()> m_on_step;
    std::function<double(double)> m_ambient_k_at;
    sc_core::sc_time m_ambient_grid = sc_core::SC_ZERO_TIME; // the grid instant of the ambient in use
    sc_core::sc_event m_fuse_ev; // the predicted instant of the next fuse blow
};

} // namespace stacksim::models
