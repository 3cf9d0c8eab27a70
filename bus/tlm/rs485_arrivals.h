// Holds each RS485 frame a node hears until its end at that node, then hands it on.
//
// The chain calls every receiver at the frame's end at the sender (rs485_socket.h), nanoseconds
// before the frame has ended at the receiver. Most nodes only need frame.end to time what they do.
// A node whose behaviour depends on the kernel's clock at the moment it takes the frame -- a
// firmware that reads its clock in its UART callback, a host stream that is written in
// wall-clock time -- puts this in front of its handler: each frame reaches the handler at
// simulated time frame.end, in order of end (equal ends in order of arrival). One method and
// one event for all frames held; a frame held costs a copy of it.
#pragma once

#include <deque>
#include <functional>

#include <systemc>

#include "tlm/rs485_socket.h"

namespace stacksim::bus {

class rs485_arrivals : public sc_core::sc_module {
public:
    using handler = std::function<void(const rs485_frame&)>;

    rs485_arrivals(const sc_core::sc_module_name& name, handler on_arrival);

    // Called from rs485_receive: the handler gets `frame` at frame.end (at once if that is now).
    void hold(const rs485_frame& frame);
    std::size_t held() const { return m_held.size(); }

private:
    void release_due();

    handler m_on_arrival;
    std::deque<rs485_frame> m_held; // by end, then by arrival
    sc_core::sc_event m_due;       // notified for the earliest end held
};

} // namespace stacksim::bus
