#include "sim/system.h"

#include <stdexcept>

#include "numeric/param_file.h"
#include "numeric/units.h"

namespace stacksim::sim {

namespace {
// The inverter's RS485 node when it speaks Pylontech RS485 (and is not replaced by a host).
std::unique_ptr<models::inverter_rs485_link> make_rs485_link(const scenario& sc, models::event_sink& events) {
    if (sc.inverter.behaviour.protocol != "pylontech_rs485" || sc.inverter.dc_only || sc.stack.modules.empty())
        return nullptr;
    return std::make_unique<models::inverter_rs485_link>("inverter_rs485", sc.inverter.behaviour,
                                                         sc.stack.modules.front().bms.master_address, events);
}
} // namespace

system::system(const sc_core::sc_module_name& name, const scenario& sc, models::event_sink& events)
    : sc_core::sc_module(name),
      m_rs485_link(make_rs485_link(sc, events)),
      m_stack("stack", sc.stack, events, m_rs485_link.get()),
      m_can("can", sc.can_bitrate_bps),
      m_inverter("inverter", sc.inverter, events),
      m_ambient_c(sc.ambient_c),
      // The grid's instants k * step (stack::grid runs every step_s from 0): the same picoseconds.
      m_row_period(sc_core::sc_time(sc.run.step_s, sc_core::SC_SEC) * static_cast<double>(sc.run.record_every)) {
    bus::can_initiator_socket* master_port = m_stack.module(0).bms_view().can_port();
    if (!master_port)
        throw std::invalid_argument("scenario: module m0 must be the master (address = master_address)");
    master_port->bind(m_can.can_rx);
    m_inverter.can_tx.bind(m_can.can_rx);
    if (!sc.can.bridge.empty()) {
        std::unique_ptr<host::can_endpoint> endpoint;
        try {
            endpoint = host::make_can_endpoint(sc.can.bridge, sc.can_bitrate_bps);
        } catch (const std::invalid_argument& e) {
            // A bad spec, an address in use, a missing interface: bad input, named by its key.
            throw num::input_error(sc.file, 0, "can.bridge", e.what());
        }
        m_bridge = std::make_unique<bus::can_bridge>("can_bridge", std::move(endpoint));
        m_bridge->can_tx.bind(m_can.can_rx);
    }
    try {
        m_stack.open_rs485_bridge(); // as the CAN endpoint: a port in use is bad input, named by its key
    } catch (const std::invalid_argument& e) {
        throw num::input_error(sc.file, 0, "rs485.bridge", e.what());
    }
    m_can_external = sc.can.external;
    if (m_rs485_link) {
        m_rs485_link->on_limits = [this](const models::inverter_limits& l, bool fc1, bool fc2, bool full) {
            m_inverter.on_rs485_limits(l, fc1, fc2, full);
        };
        m_rs485_link->on_status = [this](double soc_pct, double v, double i) { m_inverter.on_rs485_status(soc_pct, v, i); };
    }
    m_inverter.dc_port.bind(m_stack.dc_in);
    SC_HAS_PROCESS(system);
    if (m_ambient_c.t_s.size() > 1)
        m_stack.ambient_source([this](double t_s) { return m_ambient_c.at(t_s) + num::zero_celsius_k; });
    SC_THREAD(row_loop);
}

std::vector<host::host_input*> system::host_inputs() {
    std::vector<host::host_input*> in;
    if (m_bridge)
        in.push_back(m_bridge.get());
    if (host::host_input* rs485 = m_stack.rs485_bridge())
        in.push_back(rs485);
    return in;
}

void system::start_of_simulation() {
    // The node a host device replaces leaves the bus before the first frame (logged).
    if (m_can_external == "inverter")
        m_can.set_online(m_inverter.can_node_name(), false);
    else if (m_can_external == "master")
        m_can.set_online(m_stack.module(0).bms_view().can_node_name(), false);
}

void system::row_loop() {
    // A model that notified itself with zero delay forever would never let an instant end.
    constexpr unsigned max_delta_cycles = 10000;
    for (;;) {
        for (unsigned d = 0; sc_core::sc_pending_activity_at_current_time(); ++d) {
            if (d == max_delta_cycles)
                throw std::logic_error("row sampling: activity at t = " + sc_core::sc_time_stamp().to_string() +
                                       " did not end after " + std::to_string(max_delta_cycles) + " delta cycles");
            sc_core::wait(sc_core::SC_ZERO_TIME);
        }
        // The plant at this instant: with larger steps (run.max_step_s) a row may fall between
        // the grid's own steps; on the fixed grid it is there already (sync is idempotent).
        m_stack.sync();
        if (m_on_row)
            m_on_row();
        sc_core::wait(m_row_period);
    }
}

} // namespace stacksim::sim
