// What the TCP and pty stream ports share (stream_port.h): the handlers, the I/O thread and its
// wake-up, and the bounded output queue of the client now connected.
//
// The derived port runs its poll(2) loop in run() until stopping() is true, polls wake_fd() for
// POLLIN (then calls wake_drain()), marks a client with client_connected()/client_gone(), and writes
// queued bytes with flush_to(). write() from any thread appends to the queue (false with no client
// or when max_queue_bytes would be exceeded) and wakes the loop.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "host/stream_port.h"
#include "host/wake_event.h"

namespace stacksim::host {

class threaded_stream_port : public stream_port {
public:
    ~threaded_stream_port() override;
    void start(bytes_handler on_bytes, link_handler on_link, notice_handler on_notice) override;
    void stop() override;
    bool write(std::string_view bytes) override;

protected:
    virtual void run() = 0;
    // After the I/O thread has ended: close what run() used (the port is not reopened).
    virtual void close_port() {}

    bool stopping() const { return m_stop.load(); }
    int wake_fd() const { return m_wake.fd(); }
    void wake_drain() { m_wake.drain(); }

    // The loop's calls into the handlers, on the I/O thread.
    void notify(const std::string& kind, const std::string& detail);
    void received(std::string_view bytes);
    void client_connected(const std::string& peer);                     // queue opened, on_link, notice
    void client_gone(const std::string& peer, const std::string& why);  // queue dropped, on_link, notice

    bool output_pending() const;
    // Write queued bytes to fd (send with MSG_NOSIGNAL for sockets, write for ttys) until it would
    // block. False on an error that ends the client (errno kept in `err`).
    bool flush_to(int fd, bool is_socket, int& err);

private:
    wake_event m_wake;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    bytes_handler m_on_bytes;
    link_handler m_on_link;
    notice_handler m_on_notice;

    mutable std::mutex m_mutex; // guards the queue and m_connected
    std::string m_queue;
    std::size_t m_sent = 0;     // bytes of m_queue already written
    bool m_connected = false;
};

} // namespace stacksim::host
