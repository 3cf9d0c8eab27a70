#include "tlm/rs485_unplugged.h"

namespace stacksim::bus {

rs485_unplugged::rs485_unplugged(const sc_core::sc_module_name& name, const rs485_chain_config& cfg)
    : sc_core::sc_module(name), rs485_rx("rs485_rx"), m_cfg(cfg) {
    rs485_rx.bind(static_cast<rs485_fw_if&>(*this));
}

sc_core::sc_time rs485_unplugged::rs485_transmit(rs485_bw_if&, const std::string& chars) {
    ++m_frames;
    // As rs485_chain: driver enable, then the characters back to back (one rounding), then release.
    const double bits = m_cfg.format.bits_per_char();
    const sc_core::sc_time start = sc_core::sc_time_stamp() + sc_core::sc_time(m_cfg.driver_enable_s, sc_core::SC_SEC);
    const sc_core::sc_time end =
        start + sc_core::sc_time(static_cast<double>(chars.size()) * bits / m_cfg.format.baud, sc_core::SC_SEC);
    return end + sc_core::sc_time(m_cfg.driver_disable_s, sc_core::SC_SEC);
}

} // namespace stacksim::bus
