#include "battery/battery_module.h"


#include "battery/bq76952.h"
#include "firmware/firmware_bms.h"

namespace stacksim::models {

battery_module::battery_module(const sc_core::sc_module_name& name, const battery_module_config& cfg,
                               num::stack_plant& plant, std::size_t index, std::function<void()> sync,
                               event_sink& events, shared_instants* instants)
    : sc_core::sc_module(name),
      m_is_master(cfg.bms.address == cfg.bms.master_address),
      m_cells("cells", plant, index, std::move(sync)) {
    if (!cfg.firmware.builtin()) {
        build_firmware(cfg, events);
        return;
    }
    m_afe = std::make_unique<afe>("afe", cfg.afe);
    m_bms = std::make_unique<bms>("bms", cfg.bms, cfg.afe, events, instants);
    m_afe->plant.bind(m_cells);
    m_bms->afe_out.bind(m_afe->bus_in);
    if (m_bms->is_master()) {
        m_master = std::make_unique<stack_master>("master", cfg.master, *m_bms, events);
        m_can = std::make_unique<can_link>("can", cfg.can, *m_bms, *m_master, events);
    }
    m_builtin_view = std::make_unique<builtin_bms_view>(*m_afe, *m_bms, m_master.get(), m_can.get());
    m_view = m_builtin_view.get();
}

battery_module::~battery_module() = default;

// cells --plant_switch_gate--> bq76952 <--I2C-- firmware_bms; ALERT and current changes wired.
void battery_module::build_firmware(const battery_module_config& cfg, event_sink& events) {
    auto chip = std::make_unique<bq76952>("afe", cfg.bq76952, cfg.afe);
    m_fw = std::make_unique<firmware_bms>("bms", cfg, m_cells, events);
    chip->plant.bind(m_fw->afe_plant());
    chip->set_event_sink(&events);
    m_fw->i2c_out.bind(chip->i2c_in);
    bq76952* p = chip.get();
    m_fw->connect_alert(p->alert_event(), [p] { return p->alert_asserted(); });
    m_fw->on_current_changed([p] { p->current_changed(); });
    m_fw_afe = std::move(chip);
    m_view = m_fw.get();
}

} // namespace stacksim::models
