#include "host/socketcand_endpoint.h"

#include <stdexcept>

namespace stacksim::host {

socketcand_endpoint::socketcand_endpoint(std::unique_ptr<stream_port> port)
    : stream_can_endpoint("socketcand", std::move(port)) {
    stream().set_refusal("< error busy: one client at a time >");
}

socketcand_endpoint::~socketcand_endpoint() { stop(); }

void socketcand_endpoint::feed(std::string_view bytes, session_output& out) {
    const bool was_raw = m_session.mode() == proto::socketcand_mode::raw;
    m_out.clear();
    m_session.feed(bytes, m_out);
    if (!was_raw && m_session.mode() == proto::socketcand_mode::raw)
        m_frames_from = wall_clock::now() + raw_settle; // the "< ok >" is in out.replies
    out.frames.swap(m_out.frames); // swap, not copy: both keep their capacity for the next chunk
    out.replies.swap(m_out.replies);
    out.units = m_out.units;
    for (std::string& reason : m_out.malformed)
        out.issues.push_back({"malformed", std::move(reason)});
}

std::string socketcand_endpoint::frame_refusal() const {
    if (m_session.mode() != proto::socketcand_mode::raw)
        return "no socketcand client in raw mode";
    if (wall_clock::now() < m_frames_from)
        return "the client switched to raw mode less than " + std::to_string(raw_settle.count()) + " ms ago";
    return {};
}

std::string socketcand_endpoint::format_frame(const proto::can_frame& frame, double t_s) const {
    return proto::format_socketcand_frame(frame, t_s);
}

std::unique_ptr<can_endpoint> make_socketcand_endpoint(const std::string& spec, const std::string& host_port) {
    try {
        return std::make_unique<socketcand_endpoint>(open_stream_port("tcp:" + host_port));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(spec + ": " + e.what());
    }
}

} // namespace stacksim::host
