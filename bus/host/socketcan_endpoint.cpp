#include "host/socketcan_endpoint.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

namespace stacksim::host {

socketcan_endpoint::socketcan_endpoint(unique_fd fd, std::string name) : m_fd(std::move(fd)), m_name(std::move(name)) {
    const int flags = ::fcntl(m_fd.get(), F_GETFL);
    ::fcntl(m_fd.get(), F_SETFL, flags | O_NONBLOCK);
}

socketcan_endpoint::~socketcan_endpoint() { stop(); }

void socketcan_endpoint::start(std::function<void()> wake) {
    if (m_thread.joinable() || m_stop)
        return;
    m_inbox.set_wake(std::move(wake));
    m_up = true;
    m_thread = std::thread([this] { run(); });
}

void socketcan_endpoint::stop() {
    m_stop = true;
    if (m_thread.joinable()) {
        m_wake.signal();
        m_thread.join();
    }
    m_up = false;
    m_fd.reset();
}

void socketcan_endpoint::send(const proto::can_frame& frame, double) {
    if (drop_invalid(frame))
        return;
    if (!m_up) {
        m_inbox.dropped(m_name + " is not open");
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_queue.size() >= max_queue_frames) {
            m_inbox.dropped("the queue to " + m_name + " is full");
            return;
        }
        m_queue.push_back(proto::encode_socketcan_frame(frame));
    }
    m_wake.signal();
}

bool socketcan_endpoint::read_records() {
    // Larger than a CAN FD record, so that any datagram's true size is seen (MSG_TRUNC).
    std::uint8_t buf[proto::socketcanfd_frame_bytes + 8];
    bool queued = false;
    for (int i = 0; i < 64; ++i) { // a bounded batch, then the loop polls again
        const ssize_t r = ::recv(m_fd.get(), buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                break;
            m_inbox.add_notice("error", m_name + ": read: " + std::strerror(errno));
            m_inbox.wake();
            return errno != ECONNRESET;
        }
        const auto arrival = wall_clock::now();
        if (r == 0) {
            // The peer's end (POLLHUP), or else an empty datagram (malformed below).
            pollfd p{m_fd.get(), POLLIN, 0};
            if (::poll(&p, 1, 0) > 0 && (p.revents & POLLHUP))
                return false;
        }
        m_inbox.received(1);
        const std::size_t n = static_cast<std::size_t>(r);
        const proto::socketcan_decode_result d =
            proto::decode_socketcan_frame(buf, n <= sizeof buf ? n : sizeof buf);
        if (d.ok) {
            m_inbox.frame(d.frame, arrival);
        } else {
            m_inbox.malformed(m_name + ": " +
                              (n > sizeof buf ? "record of " + std::to_string(n) + " bytes" : d.error));
        }
        queued = true;
    }
    if (queued)
        m_inbox.wake();
    return true;
}

int socketcan_endpoint::write_records() {
    std::lock_guard<std::mutex> lock(m_mutex);
    while (!m_queue.empty()) {
        const proto::socketcan_record& rec = m_queue.front();
        const ssize_t w = ::send(m_fd.get(), rec.data(), rec.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
                return retry_ms; // the interface's queue is full: ENOBUFS is not followed by POLLOUT
            m_inbox.dropped(m_name + ": write: " + std::strerror(errno));
            m_queue.pop_front();
            continue;
        }
        m_queue.pop_front();
        m_inbox.sent();
    }
    return -1;
}

void socketcan_endpoint::run() {
    m_inbox.connected();
    m_inbox.add_notice("connected", describe());
    m_inbox.wake();
    int timeout_ms = -1;
    while (!m_stop) {
        pollfd fds[2] = {{m_wake.fd(), POLLIN, 0}, {m_fd.get(), POLLIN, 0}};
        const nfds_t n = m_up ? 2 : 1;
        bool pending = false;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            pending = !m_queue.empty();
        }
        if (pending && timeout_ms < 0)
            fds[1].events |= POLLOUT;
        if (::poll(fds, n, m_up ? timeout_ms : -1) < 0) {
            if (errno == EINTR)
                continue;
            m_inbox.add_notice("error", m_name + ": poll: " + std::strerror(errno));
            break;
        }
        if (fds[0].revents & POLLIN)
            m_wake.drain();
        if (m_stop || !m_up)
            continue;
        const short ev = fds[1].revents;
        if ((ev & POLLIN) || (ev & (POLLHUP | POLLERR))) {
            if (!read_records() || ((ev & POLLHUP) && !(ev & POLLIN))) {
                m_up = false;
                {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_queue.clear();
                }
                m_inbox.add_notice("disconnected", m_name + ": closed by the peer");
                m_inbox.wake();
                continue;
            }
            if ((ev & POLLERR) && !(ev & POLLIN)) {
                // e.g. the interface went down: say so, wait, and try again (no busy loop).
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(m_fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
                m_inbox.add_notice("error", m_name + ": " + std::strerror(err));
                m_inbox.wake();
                pollfd w{m_wake.fd(), POLLIN, 0};
                ::poll(&w, 1, error_pause_ms);
                continue;
            }
        }
        timeout_ms = write_records();
    }
}

std::unique_ptr<can_endpoint> make_socketcan_endpoint(const std::string& spec, const std::string& ifname) {
    const auto fail = [&](const std::string& why) { throw std::invalid_argument(spec + ": " + why); };
    if (ifname.empty() || ifname.size() >= IFNAMSIZ)
        fail("interface name must have 1 to " + std::to_string(IFNAMSIZ - 1) + " characters");
    unique_fd fd(::socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, CAN_RAW));
    if (!fd)
        fail(std::string("cannot open a CAN_RAW socket: ") + std::strerror(errno));
    const unsigned index = ::if_nametoindex(ifname.c_str());
    if (index == 0)
        fail("no interface " + ifname + ": " + std::strerror(errno));
    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = static_cast<int>(index);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail("cannot bind to " + ifname + ": " + std::strerror(errno));
    return std::make_unique<socketcan_endpoint>(std::move(fd), ifname);
}

std::unique_ptr<can_endpoint> make_socketcan_endpoint_on_fd(int fd, const std::string& name) {
    return std::make_unique<socketcan_endpoint>(unique_fd(fd), name);
}

} // namespace stacksim::host
