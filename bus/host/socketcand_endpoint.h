// The "socketcand[:HOST]:PORT" backend (can_endpoint.h): a socketcand server in raw mode on a TCP
// stream_port, speaking protocol/socketcand.h's session. This class is the session's part; the
// port, the inbox and the order of things are stream_can_endpoint's (stream_can_endpoint.h).
//
// A client is greeted "< hi >"; its bytes go through the session (replies written back, frames to
// the inbox stamped with their arrival, malformed units counted with a notice each). Frames from
// the simulation go to the client only in raw mode, as "< frame ID SECS.USECS DATA >" with the
// simulated time, and from raw_settle after the "< ok >" of "< rawmode >" on: python-can 4.1 reads
// that reply with a single recv() and compares it exactly, so a frame in the same TCP segment
// would break its handshake. Frames before that, or with no client, are dropped and counted. A
// second client is told "< error busy: one client at a time >" and closed.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "host/stream_can_endpoint.h"
#include "protocol/socketcand.h"

namespace stacksim::host {

class socketcand_endpoint final : public stream_can_endpoint {
public:
    static constexpr std::chrono::milliseconds raw_settle{100};

    explicit socketcand_endpoint(std::unique_ptr<stream_port> port);
    ~socketcand_endpoint() override;

private:
    void feed(std::string_view bytes, session_output& out) override;
    void reset_session() override { m_session.reset(); }
    std::string greeting() const override { return proto::socketcand_session::greeting(); }
    std::string frame_refusal() const override;
    std::string format_frame(const proto::can_frame& frame, double t_s) const override;
    std::string write_refused() override { return "the client's output queue is full"; }

    proto::socketcand_session m_session;
    proto::socketcand_output m_out;
    wall_clock::time_point m_frames_from{}; // raw mode's "< ok >" + raw_settle
};

std::unique_ptr<can_endpoint> make_socketcand_endpoint(const std::string& spec, const std::string& host_port);

} // namespace stacksim::host
