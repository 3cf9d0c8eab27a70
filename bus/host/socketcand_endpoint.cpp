#include "host/socketcand_endpoint.h"

#include <stdexcept>

namespace stacksim::host {

socketcand_endpoint::socketcand_endpoint(std::unique_ptr<stream_port> port) : m_port(std::move(port)) {
    m_port->set_refusal("< error busy: one client at a time >");
}

socketcand_endpoint::~socketcand_endpoint() { stop(); }

void socketcand_endpoint::start(std::function<void()> wake) {
    m_inbox.set_wake(std::move(wake));
    m_port->start([this](std::string_view b, wall_clock::time_point t) { on_bytes(b, t); },
                  [this](bool connected, const std::string&) { on_link(connected); },
                  [this](notice n) {
                      m_inbox.add_notice(std::move(n));
                      m_inbox.wake();
                  });
}

void socketcand_endpoint::stop() { m_port->stop(); }

void socketcand_endpoint::on_link(bool connected) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_session.reset();
    if (connected) {
        m_inbox.connected();
        m_port->write(proto::socketcand_session::greeting());
    }
}

void socketcand_endpoint::on_bytes(std::string_view bytes, wall_clock::time_point arrival) {
    if (handle_bytes(bytes, arrival))
        m_inbox.wake(); // outside the session's lock: the pacer may call back
}

bool socketcand_endpoint::handle_bytes(std::string_view bytes, wall_clock::time_point arrival) {
    std::lock_guard<std::mutex> lock(m_mutex);
    const bool was_raw = m_session.mode() == proto::socketcand_mode::raw;
    m_out.clear();
    m_session.feed(bytes, m_out);
    if (!m_out.replies.empty())
        m_port->write(m_out.replies);
    if (!was_raw && m_session.mode() == proto::socketcand_mode::raw)
        m_frames_from = wall_clock::now() + raw_settle;
    m_inbox.received(m_out.units);
    for (const proto::can_frame& f : m_out.frames)
        m_inbox.frame(f, arrival);
    for (std::string& reason : m_out.malformed)
        m_inbox.malformed("socketcand: " + std::move(reason));
    return !m_out.frames.empty() || !m_out.malformed.empty();
}

void socketcand_endpoint::send(const proto::can_frame& frame, double t_s) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_session.mode() != proto::socketcand_mode::raw) {
        m_inbox.dropped("no socketcand client in raw mode");
        return;
    }
    if (wall_clock::now() < m_frames_from) {
        m_inbox.dropped("the client switched to raw mode less than " + std::to_string(raw_settle.count()) + " ms ago");
        return;
    }
    if (!proto::is_valid(frame)) {
        m_inbox.dropped("invalid frame " + proto::can_id_text(frame.id, frame.extended));
        return;
    }
    if (m_port->write(proto::format_socketcand_frame(frame, t_s)))
        m_inbox.sent();
    else
        m_inbox.dropped("the client's output queue is full");
}

void socketcand_endpoint::take(std::vector<inbound_frame>& frames, std::vector<notice>& notices) {
    m_inbox.take(frames, notices);
}

std::unique_ptr<can_endpoint> make_socketcand_endpoint(const std::string& spec, const std::string& host_port) {
    try {
        return std::make_unique<socketcand_endpoint>(open_stream_port("tcp:" + host_port));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(spec + ": " + e.what());
    }
}

} // namespace stacksim::host
