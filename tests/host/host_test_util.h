// Shared pieces of the host I/O tests: bounded waits, a loopback TCP client, reads with a deadline,
// and a recorder of a stream_port's callbacks. Every wait has a limit; nothing sleeps for a fixed
// time to let something happen.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/stream_port.h"
#include "host/unique_fd.h"

namespace stacksim::host::testing {

using namespace std::chrono_literals;

// Polls `pred` every 2 ms until it is true or `limit` has passed; its last value.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred())
            return true;
        std::this_thread::sleep_for(2ms);
    }
    return pred();
}

inline unique_fd tcp_connect(int port) {
    unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        fd.reset();
    return fd;
}

inline void write_all(int fd, const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        ssize_t w = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) // a pty
            w = ::write(fd, s.data() + done, s.size() - done);
        if (w <= 0)
            return;
        done += static_cast<std::size_t>(w);
    }
}

struct read_result {
    std::string bytes;
    bool eof = false; // the other side closed
};

// Reads from fd until `done(bytes)` is true, the other side closes, or `limit` passes.
inline read_result read_until(int fd, const std::function<bool(const std::string&)>& done,
                              std::chrono::milliseconds limit = 5000ms) {
    read_result r;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done(r.bytes)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            break;
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            r.eof = true;
            break;
        }
        r.bytes.append(buf, static_cast<std::size_t>(n));
    }
    return r;
}

inline std::function<bool(const std::string&)> contains(std::string what) {
    return [w = std::move(what)](const std::string& s) { return s.find(w) != std::string::npos; };
}

// What a stream_port reported, for assertions from the test thread.
class port_recorder {
public:
    stream_port::bytes_handler bytes() {
        return [this](std::string_view b, wall_clock::time_point) {
            std::lock_guard<std::mutex> l(m);
            received.append(b);
        };
    }
    stream_port::link_handler link() {
        return [this](bool up, const std::string&) {
            std::lock_guard<std::mutex> l(m);
            links.push_back(up);
        };
    }
    stream_port::notice_handler notices() {
        return [this](notice n) {
            std::lock_guard<std::mutex> l(m);
            kinds.push_back(n.kind);
            details.push_back(n.detail);
        };
    }
    void start(stream_port& p) { p.start(bytes(), link(), notices()); }

    std::string got() {
        std::lock_guard<std::mutex> l(m);
        return received;
    }
    std::vector<bool> link_history() {
        std::lock_guard<std::mutex> l(m);
        return links;
    }
    std::size_t count(const std::string& kind) {
        std::lock_guard<std::mutex> l(m);
        std::size_t n = 0;
        for (const std::string& k : kinds)
            n += k == kind;
        return n;
    }
    std::string detail_of(const std::string& kind) {
        std::lock_guard<std::mutex> l(m);
        for (std::size_t i = 0; i < kinds.size(); ++i)
            if (kinds[i] == kind)
                return details[i];
        return {};
    }

private:
    std::mutex m;
    std::string received;
    std::vector<bool> links;
    std::vector<std::string> kinds, details;
};

} // namespace stacksim::host::testing
