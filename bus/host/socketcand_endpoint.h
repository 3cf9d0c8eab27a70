// The "socketcand[:HOST]:PORT" backend (can_endpoint.h): a socketcand server in raw mode on a TCP
// stream_port, speaking protocol/socketcand.h's session.
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
#include <mutex>

#include "host/can_endpoint.h"
#include "host/endpoint_inbox.h"
#include "host/stream_port.h"
#include "protocol/socketcand.h"

namespace stacksim::host {

class socketcand_endpoint final : public can_endpoint {
public:
    static constexpr std::chrono::milliseconds raw_settle{100};

    explicit socketcand_endpoint(std::unique_ptr<stream_port> port);
    ~socketcand_endpoint() override;

    std::string describe() const override { return "socketcand " + m_port->describe(); }
    int port() const override { return m_port->port(); }
    void start(std::function<void()> wake) override;
    void stop() override;
    void send(const proto::can_frame& frame, double t_s) override;
    void take(std::vector<inbound_frame>& frames, std::vector<notice>& notices) override;
    endpoint_stats stats() const override { return m_inbox.stats(); }

private:
    void on_bytes(std::string_view bytes, wall_clock::time_point arrival);
    bool handle_bytes(std::string_view bytes, wall_clock::time_point arrival); // true: something queued
    void on_link(bool connected);

    std::unique_ptr<stream_port> m_port;
    endpoint_inbox m_inbox;
    std::mutex m_mutex; // the session and the raw-mode instant
    proto::socketcand_session m_session;
    proto::socketcand_output m_out;
    wall_clock::time_point m_frames_from{};
};

std::unique_ptr<can_endpoint> make_socketcand_endpoint(const std::string& spec, const std::string& host_port);

} // namespace stacksim::host
