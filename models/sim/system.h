// The whole simulated installation: the battery stack, the CAN bus and the inverter.
//
//   stack.m0.master --can_tx--> can --> inverter          (0x351 ... 0x35E)
//   inverter --can_tx--> can --> stack.m0.master          (0x305 ...)
//   inverter.dc_port --> stack.dc_in                      (DC power)
#pragma once

#include <systemc>

#include "inverter/inverter.h"
#include "sim/scenario.h"
#include "stack/stack.h"
#include "tlm/can_bus.h"

namespace stacksim::sim {

class system : public sc_core::sc_module {
public:
    system(const sc_core::sc_module_name& name, const scenario& sc, models::event_sink& events);

    models::stack& battery() { return m_stack; }
    models::inverter& inverter() { return m_inverter; }
    bus::can_bus& can() { return m_can; }

private:
    void environment_loop();
    models::stack m_stack;
    bus::can_bus m_can;
    models::inverter m_inverter;
    profile m_ambient_c;
    double m_step_s;
};

} // namespace stacksim::sim
