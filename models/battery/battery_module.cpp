#include "battery/battery_module.h"

#include "firmware/firmware_bms.h"

namespace stacksim::models {

battery_module::battery_module(const sc_core::sc_module_name& name, const battery_module_config& cfg,
                               num::stack_plant& plant, std::size_t index, std::function<void()> sync,
                               event_sink& events)
    : sc_core::sc_module(name),
      m_is_master(cfg.bms.address == cfg.bms.master_address),
      m_cells("cells", plant, index, std::move(sync)) {
    if (!cfg.firmware.builtin()) {
        build_firmware(cfg, events);
        return;
    }
    m_afe = std::make_unique<afe>("afe", cfg.afe);
    m_bms = std::make_unique<bms>("bms", cfg.bms, cfg.afe, events);
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

void battery_module::build_firmware(const battery_module_config& cfg, event_sink& events) {
    m_fw = std::make_unique<firmware_bms>("bms", cfg, m_cells, events);
    m_view = m_fw.get();
}

} // namespace stacksim::models
