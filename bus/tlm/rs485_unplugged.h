// The far end of an RS485 cable that is plugged into nothing: a node bound here drives its frames
// with the line's timing (driver enable, n characters at the baud rate, driver disable), and
// nobody hears them; nothing ever arrives. The stack binds the master BMS here when the RS485
// bridge takes the master's place on the chain (rs485_bridge, position m0): its firmware keeps
// polling into the unplugged port and gets no answers.
#pragma once

#include <cstdint>
#include <string>

#include <systemc>

#include "tlm/rs485_chain.h"
#include "tlm/rs485_socket.h"

namespace stacksim::bus {

class rs485_unplugged : public sc_core::sc_module, public rs485_fw_if {
public:
    rs485_target_socket rs485_rx;

    // Timing from the chain's configuration (format, driver enable and disable).
    rs485_unplugged(const sc_core::sc_module_name& name, const rs485_chain_config& cfg);

    std::uint64_t frames() const { return m_frames; } // frames driven into the void

    sc_core::sc_time rs485_transmit(rs485_bw_if& sender, const std::string& chars) override;

private:
    rs485_chain_config m_cfg;
    std::uint64_t m_frames = 0;
};

} // namespace stacksim::bus
