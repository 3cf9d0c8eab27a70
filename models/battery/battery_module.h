// One battery module (WeCo HeSU 4K4 PRO class): its 16 cells in series, its AFE and its BMS;
// the master module also carries the stack logic (RS485 poller and CAN link to the inverter).
//
//   cells (cell_string) --plant--> afe <--TLM registers-- bms --rs485--> chain
//                                                          \__ stack_master (RS485 poller)
//                                                              \__ can_link --can--> inverter
#pragma once

#include <memory>

#include <systemc>

#include "battery/afe.h"
#include "battery/battery_module_config.h"
#include "battery/bms.h"
#include "battery/can_link.h"
#include "battery/cell_string.h"
#include "battery/stack_master.h"
#include "common/event_sink.h"

namespace stacksim::models {

class battery_module : public sc_core::sc_module {
public:
    battery_module(const sc_core::sc_module_name& name, const battery_module_config& cfg, num::stack_plant& plant,
                   std::size_t index, std::function<void()> sync, event_sink& events);

    bool is_master() const { return m_bms.is_master(); }
    cell_string& cells() { return m_cells; }
    afe& front_end() { return m_afe; }
    bms& controller() { return m_bms; }
    const bms& controller() const { return m_bms; }
    stack_master* master() { return m_master.get(); }
    const stack_master* master() const { return m_master.get(); }
    can_link* can() { return m_can.get(); }
    const can_link* can() const { return m_can.get(); }

private:
    cell_string m_cells;
    afe m_afe;
    bms m_bms;
    std::unique_ptr<stack_master> m_master;
    std::unique_ptr<can_link> m_can;
};

} // namespace stacksim::models
