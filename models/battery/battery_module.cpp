#include "battery/battery_module.h"

namespace stacksim::models {

battery_module::battery_module(const sc_core::sc_module_name& name, const battery_module_config& cfg,
                               num::stack_plant& plant, std::size_t index, std::function<void()> sync,
                               event_sink& events)
    : sc_core::sc_module(name),
      m_cells("cells", plant, index, std::move(sync)),
      m_afe("afe", cfg.afe),
      m_bms("bms", cfg.bms, cfg.afe, events) {
    m_afe.plant.bind(m_cells);
    m_bms.afe_out.bind(m_afe.bus_in);
    if (m_bms.is_master()) {
        m_master = std::make_unique<stack_master>("master", cfg.master, m_bms, events);
        m_can = std::make_unique<can_link>("can", cfg.can, m_bms, *m_master, events);
    }
}

} // namespace stacksim::models
