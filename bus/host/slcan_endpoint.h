// The "slcan:PATH" backend (can_endpoint.h): an SLCAN (Lawicel) device on a pty stream_port,
// speaking protocol/slcan.h's session, so that an SLCAN host (python-can's slcan interface,
// slcand) opens PATH as if it were a USB-CAN adapter. This class is the session's part; the port,
// the inbox and the order of things are stream_can_endpoint's (stream_can_endpoint.h).
//
// Each (re)opening of the pty starts a fresh session (channel closed, timestamps off). Replies go
// back at once; frames from the host go to the inbox stamped with their arrival. Malformed lines
// count as malformed with a notice; a command refused in the current state (t while closed, ...)
// is an "error" notice; an S command with another bit rate than the simulated bus's is a
// "bitrate_mismatch" notice. Each of these is answered BEL. Frames from the simulation go to the
// host only while its channel is open (dropped and counted otherwise; a full queue also sets the
// data-overrun bit of the next F reply).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "host/stream_can_endpoint.h"
#include "protocol/slcan.h"

namespace stacksim::host {

class slcan_endpoint final : public stream_can_endpoint {
public:
    slcan_endpoint(std::unique_ptr<stream_port> port, std::uint32_t bus_bitrate_bps);
    ~slcan_endpoint() override;

private:
    void feed(std::string_view bytes, session_output& out) override;
    void reset_session() override { m_session.reset(); }
    std::string frame_refusal() const override;
    std::string format_frame(const proto::can_frame& frame, double t_s) const override;
    std::string write_refused() override;

    proto::slcan_session m_session;
    proto::slcan_output m_out;
};

std::unique_ptr<can_endpoint> make_slcan_endpoint(const std::string& spec, const std::string& path,
                                                  double bitrate_bps);

} // namespace stacksim::host
