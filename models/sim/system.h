// The whole simulated installation: the battery stack, the CAN bus and the inverter.
// In wall-clock mode a bridge node may join the CAN bus to a host interface (can.bridge); with
// can.external the host device replaces the modeled inverter's or the master's CAN node, which
// then stays off the bus (docs/cosim.md).
//
//   stack.m0.master --can_tx--> can --> inverter          (0x351 ... 0x35E)
//   inverter --can_tx--> can --> stack.m0.master          (0x305 ...)
//   inverter.dc_port --> stack.dc_in                      (DC power)
//   inverter_rs485 <--rs485--> stack.rs485 (lead node)    (protocol pylontech_rs485: 0x92 / 0x42 polls)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "host/host_io.h"

#include "inverter/inverter.h"
#include "inverter/inverter_rs485_link.h"
#include "sim/scenario.h"
#include "stack/stack.h"
#include "tlm/can_bridge.h"
#include "tlm/can_bus.h"

namespace stacksim::sim {

class system : public sc_core::sc_module {
public:
    system(const sc_core::sc_module_name& name, const scenario& sc, models::event_sink& events);

    models::stack& battery() { return m_stack; }
    models::inverter& inverter() { return m_inverter; }
    bus::can_bus& can() { return m_can; }
    // Everything that brings host input into a wall-clock run (bridges), for the pacer.
    std::vector<host::host_input*> host_inputs();

    // Rows: `f` runs at t = 0 and then every run.record_every grid steps, each time once the
    // kernel has nothing left to do at that instant (no runnable process, delta notification or
    // channel update): every process that acts at t has acted, so a row shows the state at the
    // end of its instant whatever the order in which the kernel ran the processes within it.
    // (A scenario event or host input delivered at t between two sc_start calls comes after
    // the row of t.)
    void on_row(std::function<void()> f) { m_on_row = std::move(f); }

    bus::can_bridge* can_bridge() { return m_bridge.get(); }
    // The inverter's RS485 link (protocol pylontech_rs485); nullptr otherwise.
    models::inverter_rs485_link* inverter_rs485() { return m_rs485_link.get(); }

private:
    void row_loop();
    void start_of_simulation() override;
    // Built before the stack: its RS485 node is the chain's first (lead) node.
    std::unique_ptr<models::inverter_rs485_link> m_rs485_link;
    models::stack m_stack;
    bus::can_bus m_can;
    models::inverter m_inverter;
    std::unique_ptr<bus::can_bridge> m_bridge;
    std::string m_can_external;
    profile m_ambient_c;
    sc_core::sc_time m_row_period;
    std::function<void()> m_on_row;
};

} // namespace stacksim::sim
