// The "socketcan:IFNAME" backend (can_endpoint.h): a socket that carries struct can_frame records,
// one per datagram (protocol/socketcan_frame.h). make_socketcan_endpoint opens a CAN_RAW socket
// bound to the interface; make_socketcan_endpoint_on_fd takes any such socket (tests: a
// socketpair(AF_UNIX, SOCK_SEQPACKET)). Everything except opening the socket is this one class,
// on what every backend shares (inbox_can_endpoint.h: the inbox, take, stats, invalid frames).
//
// The I/O thread polls the socket and a wake-up. Each received record is decoded: a frame goes to
// the inbox with its arrival; a refused record (error frame, CAN FD, len above 8, wrong size) is
// malformed with a notice. Frames from the simulation wait in a bounded queue (max_queue_frames)
// and are written one record per send(); when the interface's transmit queue is full (ENOBUFS or
// EAGAIN) the thread retries after retry_ms. The peer closing a socketpair is "disconnected"
// (nothing more is read or written); a network error (interface down) is an "error" notice and the
// socket is tried again after error_pause_ms.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "host/inbox_can_endpoint.h"
#include "host/unique_fd.h"
#include "host/wake_event.h"
#include "protocol/socketcan_frame.h"

namespace stacksim::host {

class socketcan_endpoint final : public inbox_can_endpoint {
public:
    static constexpr std::size_t max_queue_frames = 4096;
    static constexpr int retry_ms = 5;
    static constexpr int error_pause_ms = 500;

    // Takes ownership of fd (made non-blocking); `name` is for describe() and notices.
    socketcan_endpoint(unique_fd fd, std::string name);
    ~socketcan_endpoint() override;

    std::string describe() const override { return "socketcan " + m_name; }
    void start(std::function<void()> wake) override;
    void stop() override;
    void send(const proto::can_frame& frame, double t_s) override;

private:
    void run();
    bool read_records();  // false: the peer is gone
    int write_records();  // poll timeout to use: -1, or retry_ms when the interface is full

    unique_fd m_fd;
    std::string m_name;
    wake_event m_wake;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_up{false}; // the socket is usable (false before start and after the peer left)
    std::mutex m_mutex;            // the output queue
    std::deque<proto::socketcan_record> m_queue;
};

std::unique_ptr<can_endpoint> make_socketcan_endpoint(const std::string& spec, const std::string& ifname);

} // namespace stacksim::host
