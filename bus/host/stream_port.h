// A byte stream to a host client (host_io.h): a TCP server or a pseudo-terminal, each with its own
// I/O thread. Used by the socketcand and SLCAN CAN backends, the RS485 bridge and the control port.
//
//   tcp:[HOST:]PORT  TCP server, one client at a time (a second is refused with a notice); HOST is
//                    127.0.0.1 unless given (binding elsewhere is an explicit choice); PORT 0 takes
//                    a free port (see port()). A client that leaves may reconnect and is served again.
//                    HOST may be a name or a numeric address ("[::1]" for IPv6).
//   pty:PATH         a pseudo-terminal in raw mode; PATH becomes a symlink to its slave
//                    (/dev/pts/N), replaced if it exists as a symlink, never if it is anything else.
//                    Closed by the client = "disconnected"; reopened = "connected" (every open and
//                    close is seen, however quick: pty_stream_port.h).
//
// Notices (on_notice): listening (at start), connected, disconnected (with the reason), refused (a
// second TCP client), error (an I/O error that ended a client). on_link is called before the
// "connected" notice and before any bytes of that client; write() works from that call on.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "host/host_io.h"

namespace stacksim::host {

class stream_port {
public:
    // Called on the I/O thread.
    using bytes_handler = std::function<void(std::string_view bytes, wall_clock::time_point arrival)>;
    using link_handler = std::function<void(bool connected, const std::string& peer)>;
    using notice_handler = std::function<void(notice)>;

    virtual ~stream_port() = default;
    virtual std::string describe() const = 0; // "tcp 127.0.0.1:29536", "pty /tmp/slcan0 -> /dev/pts/3"
    virtual int port() const { return -1; }    // TCP: the bound port
    virtual void start(bytes_handler on_bytes, link_handler on_link, notice_handler on_notice) = 0;
    virtual void stop() = 0; // joins the I/O thread; idempotent
    // Any thread: queue bytes for the client. False (and counted by the caller) when there is no
    // client or the bounded queue (max_queue_bytes) is full.
    virtual bool write(std::string_view bytes) = 0;
    static constexpr std::size_t max_queue_bytes = 1 << 20;
    // What a refused second TCP client is told before it is closed (the protocol's error, e.g.
    // socketcand's "< error ... >"); set before start(). Ports without clients to refuse ignore it.
    virtual void set_refusal(std::string text) { (void)text; }
};

// Opens (binds, listens, creates the pty) at once: errors throw std::invalid_argument with the
// spec and the reason (bad syntax, address in use, permission).
std::unique_ptr<stream_port> open_stream_port(const std::string& spec);

} // namespace stacksim::host
