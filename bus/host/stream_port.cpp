// open_stream_port: the spec's scheme picks the port class (stream_port.h).
#include "host/stream_port.h"

#include <stdexcept>

#include "host/pty_stream_port.h"
#include "host/tcp_stream_port.h"

namespace stacksim::host {

namespace {

// "PORT", "HOST:PORT", "[V6]:PORT" -> host ("" = default) and port; false on bad syntax.
bool split_host_port(const std::string& s, std::string& host, int& port) {
    const std::size_t colon = s.rfind(':');
    std::string p = colon == std::string::npos ? s : s.substr(colon + 1);
    host = colon == std::string::npos ? "" : s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (colon != std::string::npos && host.empty())
        return false;
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
        return false;
    port = std::stoi(p);
    return port <= 65535;
}

} // namespace

std::unique_ptr<stream_port> open_stream_port(const std::string& spec) {
    const std::size_t colon = spec.find(':');
    const std::string scheme = spec.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
    if (scheme == "tcp" && colon != std::string::npos) {
        std::string host;
        int port = 0;
        if (!split_host_port(rest, host, port))
            throw std::invalid_argument(spec + ": expected tcp:[HOST:]PORT with PORT 0..65535");
        return std::make_unique<tcp_stream_port>(spec, host, port);
    }
    if (scheme == "pty" && colon != std::string::npos) {
        if (rest.empty())
            throw std::invalid_argument(spec + ": expected pty:PATH");
        return std::make_unique<pty_stream_port>(spec, rest);
    }
    throw std::invalid_argument(spec + ": expected tcp:[HOST:]PORT or pty:PATH");
}

} // namespace stacksim::host
