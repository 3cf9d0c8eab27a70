// RS485 as a TLM-2.0 protocol: one forward call per frame, one backward call per receiver.
//
// A node owns an `rs485_initiator_socket` and implements `rs485_host`; the line owns the
// multi-bound target socket. The line computes every timing analytically from the UART format
// (character time = bits per character / baud) and the cable, so a frame costs one wake-up.
#pragma once

#include <string>

#include <systemc>
#include <tlm>

namespace stacksim::bus {

// Names the protocol for TLM socket binding checks (tlm_base_*_socket::get_protocol_types).
struct rs485_protocol_types {};

// A frame as seen at one point of the line.
struct rs485_frame {
    std::string chars;           // every character on the wire, '~' ... CR for Pylontech framing
    std::string sender;          // node name
    sc_core::sc_time start;      // leading edge of the first start bit, here
    sc_core::sc_time end;        // trailing edge of the last stop bit, here
    sc_core::sc_time char_time;  // one character (start + data + parity + stop bits), rounded
    unsigned bits_per_char = 10;
    double baud = 9600.0;
    bool garbled = false;        // overlapped another frame or hit by injected noise

    // Start of character i, here (back to back): i * bits / baud, rounded once.
    sc_core::sc_time char_start(std::size_t i) const {
        return start + sc_core::sc_time(static_cast<double>(i) * bits_per_char / baud, sc_core::SC_SEC);
    }
};

class rs485_bw_if;

class rs485_fw_if : public virtual sc_core::sc_interface {
public:
    using protocol_types = rs485_protocol_types;
    // Drive `chars` onto the line from now on; returns when the line is released (end of the
    // last stop bit + driver disable time) as an absolute time. Does not block.
    virtual sc_core::sc_time rs485_transmit(rs485_bw_if& sender, const std::string& chars) = 0;
};

class rs485_bw_if : public virtual sc_core::sc_interface {
public:
    using protocol_types = rs485_protocol_types;
    // A whole frame arrived here. Called at the frame's end at its sender, for every receiver at
    // once; `frame` is timed here, so frame.end is its end at this node, later than now by the
    // propagation delay (nanoseconds). A node times what it does about the frame from frame.end,
    // never from the time of the call.
    virtual void rs485_receive(const rs485_frame& frame) = 0;
    virtual std::string rs485_node_name() const = 0;
};

using rs485_initiator_socket =
    tlm::tlm_base_initiator_socket<32, rs485_fw_if, rs485_bw_if, 1, sc_core::SC_ONE_OR_MORE_BOUND>;
using rs485_target_socket =
    tlm::tlm_base_target_socket<32, rs485_fw_if, rs485_bw_if, 0, sc_core::SC_ZERO_OR_MORE_BOUND>;

// Mix-in for RS485 nodes.
class rs485_host : public rs485_bw_if {
public:
    explicit rs485_host(const char* socket_name) : rs485(socket_name) { rs485.bind(static_cast<rs485_bw_if&>(*this)); }
    rs485_initiator_socket rs485;

protected:
    sc_core::sc_time rs485_send(const std::string& chars) { return rs485->rs485_transmit(*this, chars); }
};

} // namespace stacksim::bus
