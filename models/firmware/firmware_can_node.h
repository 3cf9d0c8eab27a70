// The master firmware's CAN controller on the bus (can_socket.h): a can_host whose received
// frames go to a callback (the firmware_bms queues them for on_can_rx, stamped with the frame's
// end = now). Built inside the firmware_bms, on the master only (a sub has no CAN port).
#pragma once

#include <functional>
#include <string>

#include "protocol/can_frame.h"
#include "tlm/can_socket.h"

namespace stacksim::models {

class firmware_can_node : public bus::can_host {
public:
    firmware_can_node(const char* socket_name, std::string node_name,
                      std::function<void(const proto::can_frame&)> on_receive)
        : bus::can_host(socket_name), m_name(std::move(node_name)), m_on_receive(std::move(on_receive)) {}

    void send(const proto::can_frame& frame) { can_send(frame); }
    void can_receive(const proto::can_frame& frame) override { m_on_receive(frame); }
    std::string can_node_name() const override { return m_name; }

private:
    std::string m_name;
    std::function<void(const proto::can_frame&)> m_on_receive;
};

} // namespace stacksim::models
