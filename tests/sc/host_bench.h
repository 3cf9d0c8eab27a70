// Benches of nodes that meet the host (host/host_io.h) without real sockets or a real clock:
//  - fake_stream_port: a host::stream_port whose "client" is the test: inject() hands bytes to
//    the node as the I/O thread would (stamped with a chosen wall-clock arrival), and everything
//    the node writes is kept with the simulated time it was written at;
//  - sim_wall_clock: a wall clock that is simulated time (wall = epoch + t_sim), so an arrival
//    stamped epoch + t is due at simulated time t;
//  - pace(): the wall-clock pacer's contract on that clock: run the kernel to each input's
//    arrival, then deliver it with the kernel paused there, up to `until_s`.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_io.h"
#include "protocol/pylon_rs485.h"
#include "host/stream_port.h"
#include "sc_testing.h"

namespace stacksim::sctest {

struct sim_wall_clock {
    host::wall_clock::time_point epoch = host::wall_clock::now();
    host::wall_clock::time_point at(double t_s) const {
        return epoch + std::chrono::round<host::wall_clock::duration>(std::chrono::duration<double>(t_s));
    }
    double seconds(host::wall_clock::time_point t) const { return std::chrono::duration<double>(t - epoch).count(); }
    host::wall_clock::time_point now() const { return at(now_s()); }
    std::function<host::wall_clock::time_point()> fn() const {
        return [this] { return now(); };
    }
};

class fake_stream_port : public host::stream_port {
public:
    struct written {
        std::string bytes;
        double t_s; // simulated time of the write
    };
    std::vector<written> writes;
    bool connected = true;  // false: write() refuses, as with no client
    bool started = false;
    int stops = 0;

    std::string describe() const override { return "fake stream"; }
    void start(bytes_handler on_bytes, link_handler on_link, notice_handler on_notice) override {
        m_bytes = std::move(on_bytes), m_link = std::move(on_link), m_notice = std::move(on_notice);
        started = true;
    }
    void stop() override { ++stops; }
    bool write(std::string_view bytes) override {
        if (!connected)
            return false;
        writes.push_back({std::string(bytes), now_s()});
        return true;
    }
    // The test's client.
    void inject(std::string_view bytes, host::wall_clock::time_point arrival) { m_bytes(bytes, arrival); }
    void link(bool up) { m_link(up, "fake client"); }

private:
    bytes_handler m_bytes;
    link_handler m_link;
    notice_handler m_notice;
};

// The pacer on a simulated wall clock: each input is delivered at the simulated instant of its
// arrival (at once if that has passed), with the kernel paused between sc_start() calls.
inline void pace(host::host_input& in, const sim_wall_clock& clock, double until_s) {
    for (int guard = 0; guard < 100000; ++guard) {
        const std::optional<host::wall_clock::time_point> next = in.next_arrival();
        const double target_s = next ? std::min(clock.seconds(*next), until_s) : until_s;
        if (target_s > now_s())
            sc_core::sc_start(sc_core::sc_time(target_s - now_s(), sc_core::SC_SEC));
        if (!next || clock.seconds(*next) > until_s)
            return;
        in.deliver_next();
    }
    ADD_FAILURE() << "pace: more than 100000 deliveries";
}

// n hex characters of an RS485 frame from position `at`, as a number (the test reads fields by hand).
inline unsigned hex(const std::string& s, std::size_t at, std::size_t n) {
    return static_cast<unsigned>(std::stoul(s.substr(at, n), nullptr, 16));
}

// What the host received from `adr` (answers: CID2 is a return code) after `after_s`.
inline std::vector<fake_stream_port::written> answers_from(const fake_stream_port& port, unsigned adr, double after_s) {
    std::vector<fake_stream_port::written> out;
    for (const auto& w : port.writes)
        if (w.t_s > after_s && w.bytes.size() >= 18 && w.bytes[0] == '~' && hex(w.bytes, 3, 2) == adr &&
            proto::is_return_code(static_cast<std::uint8_t>(hex(w.bytes, 7, 2))))
            out.push_back(w);
    return out;
}

} // namespace stacksim::sctest
