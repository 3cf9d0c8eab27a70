#include "host/stream_can_endpoint.h"

namespace stacksim::host {

void stream_can_endpoint::session_output::clear() {
    frames.clear();
    replies.clear();
    issues.clear();
    units = 0;
}

stream_can_endpoint::stream_can_endpoint(std::string name, std::unique_ptr<stream_port> port)
    : m_name(std::move(name)), m_port(std::move(port)) {}

stream_can_endpoint::~stream_can_endpoint() { stop(); }

void stream_can_endpoint::start(std::function<void()> wake) {
    m_inbox.set_wake(std::move(wake));
    m_port->start([this](std::string_view b, wall_clock::time_point t) { on_bytes(b, t); },
                  [this](bool connected, const std::string&) { on_link(connected); },
                  [this](notice n) {
                      m_inbox.add_notice(std::move(n));
                      m_inbox.wake();
                  });
}

void stream_can_endpoint::stop() { m_port->stop(); }

void stream_can_endpoint::on_link(bool connected) {
    std::lock_guard<std::mutex> lock(m_mutex);
    reset_session();
    if (connected) {
        m_inbox.connected();
        const std::string hello = greeting();
        if (!hello.empty())
            m_port->write(hello);
    }
}

void stream_can_endpoint::on_bytes(std::string_view bytes, wall_clock::time_point arrival) {
    if (handle_bytes(bytes, arrival))
        m_inbox.wake(); // outside the session's lock: the pacer may call back
}

bool stream_can_endpoint::handle_bytes(std::string_view bytes, wall_clock::time_point arrival) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_out.clear();
    feed(bytes, m_out);
    if (!m_out.replies.empty())
        m_port->write(m_out.replies);
    m_inbox.received(m_out.units);
    for (const proto::can_frame& f : m_out.frames)
        m_inbox.frame(f, arrival);
    for (session_issue& i : m_out.issues) {
        std::string detail = m_name + ": " + std::move(i.detail);
        if (i.kind == "malformed")
            m_inbox.malformed(std::move(detail));
        else
            m_inbox.add_notice(std::move(i.kind), std::move(detail));
    }
    return !m_out.frames.empty() || !m_out.issues.empty();
}

void stream_can_endpoint::send(const proto::can_frame& frame, double t_s) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (drop_invalid(frame))
        return;
    const std::string refusal = frame_refusal();
    if (!refusal.empty()) {
        m_inbox.dropped(refusal);
        return;
    }
    if (m_port->write(format_frame(frame, t_s)))
        m_inbox.sent();
    else
        m_inbox.dropped(write_refused());
}

} // namespace stacksim::host
