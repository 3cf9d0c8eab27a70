#include "host/tcp_stream_port.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

namespace stacksim::host {

namespace {

std::string numeric_name(const sockaddr* sa, socklen_t len, bool bracket_v6) {
    char host[NI_MAXHOST] = {};
    char serv[NI_MAXSERV] = {};
    if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return "?";
    const std::string h = sa->sa_family == AF_INET6 && bracket_v6 ? "[" + std::string(host) + "]" : host;
    return h + ":" + serv;
}

} // namespace

tcp_stream_port::tcp_stream_port(const std::string& spec, const std::string& host, int port) {
    const auto fail = [&](const std::string& why) { throw std::invalid_argument(spec + ": " + why); };
    if (port < 0 || port > 65535)
        fail("port must be 0..65535");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string node = host.empty() ? "127.0.0.1" : host;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(node.c_str(), service.c_str(), &hints, &res); rc != 0)
        fail("cannot resolve " + node + ": " + ::gai_strerror(rc));
    std::string last_error = "no address";
    for (addrinfo* ai = res; ai != nullptr && !m_listen; ai = ai->ai_next) {
        unique_fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
        if (!fd) {
            last_error = std::strerror(errno);
            continue;
        }
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), 4) != 0) {
            last_error = "cannot listen on " + node + ":" + service + ": " + std::strerror(errno);
            continue;
        }
        m_listen = std::move(fd);
    }
    ::freeaddrinfo(res);
    if (!m_listen)
        fail(last_error);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(m_listen.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    const std::string bound = numeric_name(reinterpret_cast<sockaddr*>(&ss), len, true);
    m_port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    m_address = bound.substr(0, bound.rfind(':'));
}

tcp_stream_port::~tcp_stream_port() { stop(); }

std::string tcp_stream_port::describe() const { return "tcp " + m_address + ":" + std::to_string(m_port); }

void tcp_stream_port::close_port() {
    m_client.reset();
    m_listen.reset();
}

void tcp_stream_port::accept_client() {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    unique_fd fd(::accept4(m_listen.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd)
        return; // EAGAIN, or a connection that went away before accept: nothing to serve
    const std::string peer = numeric_name(reinterpret_cast<sockaddr*>(&ss), len, true);
    if (m_client) {
        // Best effort: the text fits any socket buffer; then the connection is closed.
        [[maybe_unused]] const ssize_t w =
            ::send(fd.get(), m_refusal.data(), m_refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        notify("refused", peer + ": " + m_peer + " is connected (one client at a time)");
        return;
    }
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_client = std::move(fd);
    m_peer = peer;
    client_connected(peer);
}

void tcp_stream_port::drop_client(const std::string& why) {
    m_client.reset();
    client_gone(m_peer, why);
}

void tcp_stream_port::run() {
    notify("listening", describe());
    char buf[4096];
    while (!stopping()) {
        pollfd fds[3] = {{wake_fd(), POLLIN, 0}, {m_listen.get(), POLLIN, 0}, {-1, 0, 0}};
        nfds_t n = 2;
        if (m_client) {
            fds[2] = {m_client.get(), static_cast<short>(POLLIN | (output_pending() ? POLLOUT : 0)), 0};
            n = 3;
        }
        if (::poll(fds, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            notify("error", "poll: " + std::string(std::strerror(errno)));
            break;
        }
        if (fds[0].revents & POLLIN)
            wake_drain();
        if (stopping())
            break;
        if (n == 3 && fds[2].revents != 0) {
            // Read first: a client that sent its last bytes and closed is read to the end.
            if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t r = ::recv(m_client.get(), buf, sizeof buf, 0);
                if (r > 0) {
                    // Acknowledge at once: a client that leaves Nagle's algorithm on (python-can's
                    // socketcand interface does) holds its next small write until our ACK, which
                    // Linux would otherwise delay by up to 40 ms. TCP_QUICKACK does not stick, so it
                    // is set after every read.
                    const int quick = 1;
                    ::setsockopt(m_client.get(), IPPROTO_TCP, TCP_QUICKACK, &quick, sizeof quick);
                    received(std::string_view(buf, static_cast<std::size_t>(r)));
                } else if (r == 0) {
                    drop_client("closed by the client");
                } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    drop_client(std::strerror(errno));
                }
            }
            if (m_client && (fds[2].revents & POLLOUT)) {
                int err = 0;
                if (!flush_to(m_client.get(), true, err))
                    drop_client("write: " + std::string(std::strerror(err)));
            }
        }
        if (fds[1].revents & POLLIN)
            accept_client();
    }
}

} // namespace stacksim::host
