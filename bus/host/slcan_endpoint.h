// The "slcan:PATH" backend (can_endpoint.h): an SLCAN (Lawicel) device on a pty stream_port,
// speaking protocol/slcan.h's session, so that an SLCAN host (python-can's slcan interface,
// slcand) opens PATH as if it were a USB-CAN adapter.
//
// Each (re)opening of the pty starts a fresh session (channel closed, timestamps off). Replies go
// back at once; frames from the host go to the inbox stamped with their arrival. Malformed lines
// count as malformed with a notice; a command refused in the current state (t while closed, ...)
// is an "error" notice; an S command with another bit rate than the simulated bus's is a
// "bitrate_mismatch" notice. Each of these is answered BEL. Frames from the simulation go to the
// host only while its channel is open (dropped and counted otherwise; a full queue also sets the
// data-overrun bit of the next F reply).
#pragma once

#include <memory>
#include <mutex>

#include "host/can_endpoint.h"
#include "host/endpoint_inbox.h"
#include "host/stream_port.h"
#include "protocol/slcan.h"

namespace stacksim::host {

class slcan_endpoint final : public can_endpoint {
public:
    slcan_endpoint(std::unique_ptr<stream_port> port, std::uint32_t bus_bitrate_bps);
    ~slcan_endpoint() override;

    std::string describe() const override { return "slcan " + m_port->describe(); }
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
    std::mutex m_mutex; // the session
    proto::slcan_session m_session;
    proto::slcan_output m_out;
};

std::unique_ptr<can_endpoint> make_slcan_endpoint(const std::string& spec, const std::string& path,
                                                  double bitrate_bps);

} // namespace stacksim::host
