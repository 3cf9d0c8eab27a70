#include "host/threaded_stream_port.h"

#include <cerrno>

#include <sys/socket.h>
#include <unistd.h>

namespace stacksim::host {

threaded_stream_port::~threaded_stream_port() {
    // A derived class stops in its own destructor (run() is its member); this is the last guard.
    if (m_thread.joinable()) {
        m_stop = true;
        m_wake.signal();
        m_thread.join();
    }
}

void threaded_stream_port::start(bytes_handler on_bytes, link_handler on_link, notice_handler on_notice) {
    if (m_thread.joinable() || m_stop)
        return;
    m_on_bytes = std::move(on_bytes);
    m_on_link = std::move(on_link);
    m_on_notice = std::move(on_notice);
    m_thread = std::thread([this] { run(); });
}

void threaded_stream_port::stop() {
    m_stop = true;
    if (m_thread.joinable()) {
        m_wake.signal();
        m_thread.join();
    }
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_connected = false;
        m_queue.clear();
        m_sent = 0;
    }
    close_port();
}

bool threaded_stream_port::write(std::string_view bytes) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_connected || m_queue.size() - m_sent + bytes.size() > max_queue_bytes)
            return false;
        if (m_sent > 0 && m_sent == m_queue.size()) {
            m_queue.clear();
            m_sent = 0;
        }
        m_queue.append(bytes);
    }
    m_wake.signal();
    return true;
}

void threaded_stream_port::notify(const std::string& kind, const std::string& detail) {
    if (m_on_notice)
        m_on_notice(notice{wall_clock::now(), kind, detail});
}

void threaded_stream_port::received(std::string_view bytes) {
    if (m_on_bytes)
        m_on_bytes(bytes, wall_clock::now());
}

void threaded_stream_port::client_connected(const std::string& peer) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_connected = true;
        m_queue.clear();
        m_sent = 0;
    }
    if (m_on_link)
        m_on_link(true, peer);
    notify("connected", peer);
}

void threaded_stream_port::client_gone(const std::string& peer, const std::string& why) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_connected = false;
        m_queue.clear();
        m_sent = 0;
    }
    if (m_on_link)
        m_on_link(false, peer);
    notify("disconnected", peer + ": " + why);
}

bool threaded_stream_port::output_pending() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_sent < m_queue.size();
}

bool threaded_stream_port::flush_to(int fd, bool is_socket, int& err) {
    std::lock_guard<std::mutex> lock(m_mutex);
    while (m_sent < m_queue.size()) {
        const char* p = m_queue.data() + m_sent;
        const std::size_t n = m_queue.size() - m_sent;
        const ssize_t w = is_socket ? ::send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT) : ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            err = errno;
            return false;
        }
        m_sent += static_cast<std::size_t>(w);
    }
    m_queue.clear();
    m_sent = 0;
    return true;
}

} // namespace stacksim::host
