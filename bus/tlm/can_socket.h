// CAN as a TLM-2.0 protocol (VCML's recipe): forward/backward interfaces over
// tlm_base_*_socket, so ports bind and report like any TLM socket.
//
// A node owns a `can_initiator_socket` and implements `can_host`; the bus owns a multi-bound
// `can_target_socket`. One call per frame: the node submits a frame (forward), the bus
// arbitrates, computes the frame's exact on-wire duration and calls every other node's
// can_receive() at the simulated end of the frame, then the sender's can_sent() (backward).
#pragma once

#include <string>

#include <systemc>
#include <tlm>

#include "protocol/can_frame.h"

namespace stacksim::bus {

// Names the protocol for TLM socket binding checks (tlm_base_*_socket::get_protocol_types).
struct can_protocol_types {};

class can_bw_if;

// Node -> bus.
class can_fw_if : public virtual sc_core::sc_interface {
public:
    using protocol_types = can_protocol_types;
    // Queue `frame` for transmission by `sender` (returns at once; the bus arbitrates).
    virtual void can_submit(can_bw_if& sender, const proto::can_frame& frame) = 0;
};

// Bus -> node.
class can_bw_if : public virtual sc_core::sc_interface {
public:
    using protocol_types = can_protocol_types;
    // A frame sent by another node ended (EOF) now.
    virtual void can_receive(const proto::can_frame& frame) = 0;
    // Our frame was sent and acknowledged (EOF now); `retries` = retransmissions it needed.
    virtual void can_sent(const proto::can_frame& frame, unsigned retries) { (void)frame; (void)retries; }
    // Name used in logs and error messages.
    virtual std::string can_node_name() const = 0;
};

using can_initiator_socket = tlm::tlm_base_initiator_socket<32, can_fw_if, can_bw_if, 1, sc_core::SC_ONE_OR_MORE_BOUND>;
using can_target_socket = tlm::tlm_base_target_socket<32, can_fw_if, can_bw_if, 0, sc_core::SC_ZERO_OR_MORE_BOUND>;

// Mix-in for CAN nodes: binds the socket's backward path to the node and sends through it.
class can_host : public can_bw_if {
public:
    explicit can_host(const char* socket_name) : can_tx(socket_name) { can_tx.bind(static_cast<can_bw_if&>(*this)); }
    can_initiator_socket can_tx;

protected:
    void can_send(const proto::can_frame& frame) { can_tx->can_submit(*this, frame); }
};

} // namespace stacksim::bus
