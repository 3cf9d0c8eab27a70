// stream_port "tcp:[HOST:]PORT" (stream_port.h): a listening TCP socket, one client at a time.
//
// Binds at construction (SO_REUSEADDR, so a restarted run gets its port back while old connections
// are in TIME_WAIT); HOST defaults to 127.0.0.1. The I/O thread polls the listening socket, the
// client and the wake-up; it never blocks elsewhere. A second client is sent the refusal text and
// closed ("refused" notice); the first is served on. The client gets TCP_NODELAY (short protocol
// lines should not wait for Nagle), and writes use MSG_NOSIGNAL (a vanished client is an error
// return, not SIGPIPE).
#pragma once

#include <string>

#include "host/threaded_stream_port.h"
#include "host/unique_fd.h"

namespace stacksim::host {

class tcp_stream_port final : public threaded_stream_port {
public:
    // host: name or numeric address ("" = 127.0.0.1); port 0 = a free port. Throws
    // std::invalid_argument naming `spec` and the reason.
    tcp_stream_port(const std::string& spec, const std::string& host, int port);
    ~tcp_stream_port() override;

    std::string describe() const override;
    int port() const override { return m_port; }
    void set_refusal(std::string text) override { m_refusal = std::move(text); }

private:
    void run() override;
    void close_port() override;
    void accept_client();
    void drop_client(const std::string& why);

    std::string m_address; // numeric, as bound
    int m_port = 0;
    unique_fd m_listen;
    unique_fd m_client;    // I/O thread only
    std::string m_peer;
    std::string m_refusal = "busy: one client at a time\n";
};

} // namespace stacksim::host
