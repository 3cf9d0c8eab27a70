// A CAN backend (can_endpoint.h) whose host speaks a text protocol over a stream_port: what the
// socketcand (TCP) and SLCAN (pty) backends share. The derived class holds the protocol's session
// (bus/protocol/) and answers the hooks below; this class owns the port, the inbox and the mutex
// that guards the session, and does the rest the same way for every such protocol:
//
// - describe() is "NAME " and the port's description; port() is the port's (TCP: the bound port).
// - The port's notices (listening, connected, disconnected, refused, error) go to the inbox as they are.
// - Each time the host connects or leaves, the session is reset; on connecting, connects is counted
//   and greeting() (if any) is written to the host before any of its bytes are read.
// - Received bytes go through feed(): its replies are written back at once, its units counted as
//   rx, its frames queued stamped with the bytes' arrival, its issues queued as notices in input
//   order ("malformed" ones also counted as malformed), each detail prefixed "NAME: ". The pacer
//   is woken when a frame or an issue was queued, outside the session's lock (it may call back).
// - send() drops (counted, with a reason) an invalid frame, then a frame the session refuses now
//   (frame_refusal()), then one the port does not take (no client, or its queue full:
//   write_refused()); otherwise the frame goes out as format_frame() and counts as tx.
//
// Hooks run with the session's mutex held: feed, reset_session, greeting on the I/O thread;
// frame_refusal, format_frame, write_refused on the simulation thread. The derived class calls
// stop() in its own destructor (the I/O thread calls its hooks); this class's is the last guard.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "host/inbox_can_endpoint.h"
#include "host/stream_port.h"

namespace stacksim::host {

class stream_can_endpoint : public inbox_can_endpoint {
public:
    ~stream_can_endpoint() override;

    std::string describe() const final { return m_name + " " + m_port->describe(); }
    int port() const final { return m_port->port(); }
    void start(std::function<void()> wake) final;
    void stop() final;
    void send(const proto::can_frame& frame, double t_s) final;

protected:
    // Something wrong with received input, for the event log.
    struct session_issue {
        std::string kind;   // a notice kind: "malformed" (also counted), "error", "bitrate_mismatch"
        std::string detail; // the reason, offending input quoted (without the "NAME: " prefix)
    };
    // What the session made of one chunk of received bytes, in input order; cleared before feed().
    struct session_output {
        std::vector<proto::can_frame> frames; // from the host, valid
        std::string replies;                  // bytes to write back to the host
        std::vector<session_issue> issues;
        std::size_t units = 0;                // units received (lines, elements), good or bad
        void clear();
    };

    // name: the protocol ("slcan", "socketcand") for describe() and the notices.
    stream_can_endpoint(std::string name, std::unique_ptr<stream_port> port);

    stream_port& stream() { return *m_port; } // for the derived constructor (set_refusal)

    // Received bytes (any chunking) into `out`.
    virtual void feed(std::string_view bytes, session_output& out) = 0;
    // A new client or a reopened pty, and also when it leaves: a fresh session.
    virtual void reset_session() = 0;
    // Written to the host as soon as it connects; "" writes nothing.
    virtual std::string greeting() const { return {}; }
    // Why a valid frame from the simulation cannot go to the host now, or "" when it can.
    virtual std::string frame_refusal() const = 0;
    // A valid frame that ended on the simulated bus at t_s, as the host receives it (called only
    // when frame_refusal() is "").
    virtual std::string format_frame(const proto::can_frame& frame, double t_s) const = 0;
    // The port did not take a frame (no client, or its queue full): the drop's reason.
    virtual std::string write_refused() = 0;

private:
    void on_link(bool connected);
    void on_bytes(std::string_view bytes, wall_clock::time_point arrival);
    bool handle_bytes(std::string_view bytes, wall_clock::time_point arrival); // true: something queued

    std::string m_name;
    std::unique_ptr<stream_port> m_port;
    std::mutex m_mutex; // the derived class's session, through the hooks
    session_output m_out;
};

} // namespace stacksim::host
