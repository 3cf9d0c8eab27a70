#include "host/slcan_endpoint.h"

#include <cmath>
#include <stdexcept>

namespace stacksim::host {

slcan_endpoint::slcan_endpoint(std::unique_ptr<stream_port> port, std::uint32_t bus_bitrate_bps)
    : stream_can_endpoint("slcan", std::move(port)), m_session(bus_bitrate_bps) {}

slcan_endpoint::~slcan_endpoint() { stop(); }

void slcan_endpoint::feed(std::string_view bytes, session_output& out) {
    m_out.clear();
    m_session.feed(bytes, m_out);
    out.frames.swap(m_out.frames); // swap, not copy: both keep their capacity for the next chunk
    out.replies.swap(m_out.replies);
    out.units = m_out.units;
    for (proto::slcan_issue& i : m_out.issues) {
        switch (i.kind) {
        case proto::slcan_issue_kind::malformed:
            out.issues.push_back({"malformed", std::move(i.reason)});
            break;
        case proto::slcan_issue_kind::refused:
            out.issues.push_back({"error", "refused: " + std::move(i.reason)});
            break;
        case proto::slcan_issue_kind::bitrate_mismatch:
            out.issues.push_back({"bitrate_mismatch", std::move(i.reason)});
            break;
        }
    }
}

std::string slcan_endpoint::frame_refusal() const {
    return m_session.is_open() ? std::string() : "the SLCAN channel is not open (no O from the host)";
}

std::string slcan_endpoint::format_frame(const proto::can_frame& frame, double t_s) const {
    return m_session.frame_to_host(frame, t_s);
}

std::string slcan_endpoint::write_refused() {
    m_session.note_overrun();
    return "the host's output queue is full or the pty was closed";
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
