// A host CAN interface joined to the simulated bus (host_io.h). Backends, chosen by name:
//
//   socketcand[:HOST]:PORT  a socketcand server (raw mode) on TCP, 127.0.0.1 unless HOST is given
//   slcan:PATH              an SLCAN (Lawicel) device on a pty symlinked at PATH
//   socketcan:IFNAME        a Linux SocketCAN raw socket (can0, vcan0)
//
// Each backend is a small class behind this interface; the simulated bridge node
// (bus/tlm/can_bridge.h) knows only this interface.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/host_io.h"
#include "protocol/can_frame.h"

namespace stacksim::host {

struct inbound_frame {
    proto::can_frame frame;
    wall_clock::time_point arrival;
};

class can_endpoint {
public:
    virtual ~can_endpoint() = default;
    virtual std::string describe() const = 0;
    virtual int port() const { return -1; } // socketcand: the bound TCP port
    // Start the I/O thread; `wake` is called on it after a frame or a notice was queued.
    virtual void start(std::function<void()> wake) = 0;
    virtual void stop() = 0; // idempotent
    // Simulation thread: a frame ended on the simulated bus at simulated time t_s. Never blocks;
    // dropped (and counted) when no client is there or its queue is full.
    virtual void send(const proto::can_frame& frame, double t_s) = 0;
    // Simulation thread: move out what arrived since the last call, in arrival order.
    virtual void take(std::vector<inbound_frame>& frames, std::vector<notice>& notices) = 0;
    virtual endpoint_stats stats() const = 0;
};

// spec as above; bitrate_bps is the simulated bus's (an SLCAN client's S command that differs is
// a bitrate_mismatch notice and an error reply). Throws std::invalid_argument naming the spec.
std::unique_ptr<can_endpoint> make_can_endpoint(const std::string& spec, double bitrate_bps);

// The SocketCAN backend on an already open socket that carries struct can_frame records (tests: a
// socketpair; the kernel's CAN_RAW sockets are the same byte format).
std::unique_ptr<can_endpoint> make_socketcan_endpoint_on_fd(int fd, const std::string& name);

} // namespace stacksim::host
