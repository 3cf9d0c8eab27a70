// The live control port (docs/cosim.md, "Live control"): JSON lines (control_protocol.h) over a
// host byte stream (host/stream_port.h, "tcp:[HOST:]PORT", 127.0.0.1 unless a host is given).
//
// The stream's I/O thread frames and classifies the lines; a rejected line is answered at once
// with an error reply, counted as malformed and reported as a notice (events.jsonl,
// host_malformed). Accepted requests are queued with their wall-clock arrival; the pacer
// (wallclock.h) delivers each at the simulated instant of its arrival on the simulation thread,
// where `handler` acts on it and its reply line is written back.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "host/host_io.h"
#include "host/stream_port.h"
#include "sim/control_protocol.h"

namespace stacksim::sim {

class control_port : public host::host_input {
public:
    // Runs on the simulation thread; returns the reply ({"ok": ...}).
    using handler = std::function<nlohmann::ordered_json(const control_request&)>;

    control_port(std::unique_ptr<host::stream_port> stream, handler on_request);
    ~control_port() override;

    std::string describe() const override;
    int port() const { return m_stream->port(); }
    void start(std::function<void()> wake) override;
    void stop() override;
    std::optional<host::wall_clock::time_point> next_arrival() override;
    void deliver_next() override;
    void take_notices(std::vector<host::notice>& out) override;
    host::endpoint_stats stats() const override;

private:
    struct queued {
        control_request request;
        host::wall_clock::time_point arrival;
    };
    void on_bytes(std::string_view bytes, host::wall_clock::time_point arrival); // I/O thread
    void notify(host::notice n);

    std::unique_ptr<host::stream_port> m_stream;
    handler m_handler;
    control_line_reader m_reader; // I/O thread only
    mutable std::mutex m_mutex;   // guards everything below
    std::deque<queued> m_queue;
    std::vector<host::notice> m_notices;
    host::endpoint_stats m_stats;
    std::function<void()> m_wake;
    bool m_started = false;
};

} // namespace stacksim::sim
