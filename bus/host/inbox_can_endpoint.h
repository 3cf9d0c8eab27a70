// What every CAN backend (can_endpoint.h) shares: its I/O thread reports through an endpoint_inbox
// (endpoint_inbox.h), so take() and stats() are the inbox's, and send() refuses an invalid frame
// (proto::is_valid false) the same way in each: dropped and counted, the identifier named.
//
// The derived class calls m_inbox.set_wake() in start(), before its I/O thread runs.
#pragma once

#include <vector>

#include "host/can_endpoint.h"
#include "host/endpoint_inbox.h"

namespace stacksim::host {

class inbox_can_endpoint : public can_endpoint {
public:
    void take(std::vector<inbound_frame>& frames, std::vector<notice>& notices) final {
        m_inbox.take(frames, notices);
    }
    endpoint_stats stats() const final { return m_inbox.stats(); }

protected:
    // send()'s check of the frame itself: true (and dropped) when it is not a valid CAN frame.
    bool drop_invalid(const proto::can_frame& frame) {
        if (proto::is_valid(frame))
            return false;
        m_inbox.dropped("invalid frame " + proto::can_id_text(frame.id, frame.extended));
        return true;
    }

    endpoint_inbox m_inbox; // thread-safe itself: used from the I/O thread and the simulation thread
};

} // namespace stacksim::host
