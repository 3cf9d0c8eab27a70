#include "host/slcan_endpoint.h"

#include <cmath>
#include <stdexcept>

namespace stacksim::host {

slcan_endpoint::slcan_endpoint(std::unique_ptr<stream_port> port, std::uint32_t bus_bitrate_bps)
    : m_port(std::move(port)), m_session(bus_bitrate_bps) {}

slcan_endpoint::~slcan_endpoint() { stop(); }

void slcan_endpoint::start(std::function<void()> wake) {
    m_inbox.set_wake(std::move(wake));
    m_port->start([this](std::string_view b, wall_clock::time_point t) { on_bytes(b, t); },
                  [this](bool connected, const std::string&) { on_link(connected); },
                  [this](notice n) {
                      m_inbox.add_notice(std::move(n));
                      m_inbox.wake();
                  });
}

void slcan_endpoint::stop() { m_port->stop(); }

void slcan_endpoint::on_link(bool connected) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_session.reset();
    if (connected)
        m_inbox.connected();
}

void slcan_endpoint::on_bytes(std::string_view bytes, wall_clock::time_point arrival) {
    if (handle_bytes(bytes, arrival))
        m_inbox.wake(); // outside the session's lock: the pacer may call back
}

bool slcan_endpoint::handle_bytes(std::string_view bytes, wall_clock::time_point arrival) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_out.clear();
    m_session.feed(bytes, m_out);
    if (!m_out.replies.empty())
        m_port->write(m_out.replies);
    m_inbox.received(m_out.units);
    for (const proto::can_frame& f : m_out.frames)
        m_inbox.frame(f, arrival);
    for (proto::slcan_issue& i : m_out.issues) {
        switch (i.kind) {
        case proto::slcan_issue_kind::malformed:
            m_inbox.malformed("slcan: " + std::move(i.reason));
            break;
        case proto::slcan_issue_kind::refused:
            m_inbox.add_notice("error", "slcan: refused: " + std::move(i.reason));
            break;
        case proto::slcan_issue_kind::bitrate_mismatch:
            m_inbox.add_notice("bitrate_mismatch", "slcan: " + std::move(i.reason));
            break;
        }
    }
    return !m_out.frames.empty() || !m_out.issues.empty();
}

void slcan_endpoint::send(const proto::can_frame& frame, double t_s) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!proto::is_valid(frame)) {
        m_inbox.dropped("invalid frame " + proto::can_id_text(frame.id, frame.extended));
        return;
    }
    const std::string line = m_session.frame_to_host(frame, t_s);
    if (line.empty()) {
        m_inbox.dropped("the SLCAN channel is not open (no O from the host)");
        return;
    }
    if (m_port->write(line)) {
        m_inbox.sent();
    } else {
        m_session.note_overrun();
        m_inbox.dropped("the host's output queue is full or the pty was closed");
    }
}

void slcan_endpoint::take(std::vector<inbound_frame>& frames, std::vector<notice>& notices) {
    m_inbox.take(frames, notices);
}

std::unique_ptr<can_endpoint> make_slcan_endpoint(const std::string& spec, const std::string& path,
                                                  double bitrate_bps) {
    if (!(bitrate_bps > 0 && bitrate_bps <= 1e7))
        throw std::invalid_argument(spec + ": the simulated bus's bit rate " + std::to_string(bitrate_bps) +
                                    " is not a CAN bit rate");
    try {
        return std::make_unique<slcan_endpoint>(open_stream_port("pty:" + path),
                                                static_cast<std::uint32_t>(std::llround(bitrate_bps)));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(spec + ": " + e.what());
    }
}

} // namespace stacksim::host
