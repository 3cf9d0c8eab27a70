// A CAN node that makes the simulated bus and a host CAN interface one bus (docs/cosim.md).
//
// Host -> bus: a frame that arrived from the host at wall time a is handed over by the pacer
// (models/sim/wallclock.h) at the simulated instant t(a) and submitted then: it arbitrates and is
// timed like any node's frame, and every other node receives it at its simulated end of frame.
// Bus -> host: every frame another node completes on the bus is passed to the endpoint at its
// simulated end of frame, i.e. at that instant's wall time in a paced run.
// Like a real node on a real bus, the bridge acknowledges frames (it stands for the host's
// controller). Frames the bridge itself sent are not echoed back to the host.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "host/can_endpoint.h"
#include "host/host_io.h"
#include "tlm/can_socket.h"

namespace stacksim::bus {

class can_bridge : public sc_core::sc_module, public can_host, public host::host_input {
public:
    can_bridge(const sc_core::sc_module_name& name, std::unique_ptr<host::can_endpoint> endpoint);
    ~can_bridge() override;

    // can_bw_if
    void can_receive(const proto::can_frame& frame) override;
    std::string can_node_name() const override { return name(); }

    // host::host_input
    std::string describe() const override;
    void start(std::function<void()> wake) override;
    void stop() override;
    std::optional<host::wall_clock::time_point> next_arrival() override;
    void deliver_next() override;
    void take_notices(std::vector<host::notice>& out) override;
    host::endpoint_stats stats() const override;

    host::can_endpoint& endpoint() { return *m_endpoint; }
    std::uint64_t frames_to_bus() const { return m_to_bus; }

private:
    void pull(); // move what the endpoint queued into m_frames / m_notices
    std::unique_ptr<host::can_endpoint> m_endpoint;
    std::deque<host::inbound_frame> m_frames;
    std::vector<host::inbound_frame> m_scratch;
    std::vector<host::notice> m_notices;
    std::uint64_t m_to_bus = 0;
    bool m_started = false;
};

} // namespace stacksim::bus
