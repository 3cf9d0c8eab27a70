// One battery module (WeCo HeSU 4K4 PRO class): its 16 cells in series, its AFE and its BMS;
// the master module also carries the stack logic (RS485 poller and CAN link to the inverter).
//
//   builtin:  cells (cell_string) --plant--> afe <--TLM registers-- bms --rs485--> chain
//                                                                    \__ stack_master (RS485 poller)
//                                                                        \__ can_link --can--> inverter
//   firmware: cells --plant_switch_gate--> bq76952 <--I2C (TLM)-- firmware_bms --rs485--> chain
//                                                                  \__ (master) --can--> inverter
//
// Which one is battery_module_config::firmware's choice. bms_view() is the module's BMS as the
// outputs and the scenario's events see it, whichever it is.
#pragma once

#include <memory>

#include <systemc>

#include "battery/afe.h"
#include "battery/battery_module_config.h"
#include "battery/bms.h"
#include "battery/builtin_bms_view.h"
#include "battery/can_link.h"
#include "battery/cell_string.h"
#include "battery/module_bms_view.h"
#include "battery/stack_master.h"
#include "common/event_sink.h"
#include "common/shared_instants.h"

namespace stacksim::models {

class firmware_bms;

class battery_module : public sc_core::sc_module {
public:
    battery_module(const sc_core::sc_module_name& name, const battery_module_config& cfg, num::stack_plant& plant,
                   std::size_t index, std::function<void()> sync, event_sink& events,
                   shared_instants* instants = nullptr);
    ~battery_module() override;

    bool is_master() const { return m_is_master; }
    cell_string& cells() { return m_cells; }
    module_bms_view& bms_view() { return *m_view; }
    const module_bms_view& bms_view() const { return *m_view; }
    // The builtin parts (nullptr when the module runs a firmware).
    afe* front_end() { return m_afe.get(); }
    bms* controller() { return m_bms.get(); }
    const bms* controller() const { return m_bms.get(); }
    stack_master* master() { return m_master.get(); }
    const stack_master* master() const { return m_master.get(); }
    can_link* can() { return m_can.get(); }
    const can_link* can() const { return m_can.get(); }
    // The firmware's microcontroller (nullptr for the builtin BMS).
    firmware_bms* firmware() { return m_fw.get(); }

private:
    void build_firmware(const battery_module_config& cfg, event_sink& events);

    bool m_is_master;
    cell_string m_cells;
    std::unique_ptr<afe> m_afe;
    std::unique_ptr<bms> m_bms;
    std::unique_ptr<stack_master> m_master;
    std::unique_ptr<can_link> m_can;
    std::unique_ptr<firmware_bms> m_fw;
    std::unique_ptr<sc_core::sc_module> m_fw_afe; // the firmware's BQ76952
    std::unique_ptr<builtin_bms_view> m_builtin_view;
    module_bms_view* m_view = nullptr;
};

} // namespace stacksim::models
