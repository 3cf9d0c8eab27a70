// Calls into a wall-clock run from other threads (Python's Simulation(..., realtime=True) runs the
// kernel on a background thread). A posted function is queued with its wall-clock arrival; the
// pacer (wallclock.h) runs it on the simulation thread at the simulated instant of that arrival,
// between sc_start() calls, and its result (or exception) comes back through the future.
#pragma once

#include <deque>
#include <functional>
#include <future>
#include <mutex>

#include <nlohmann/json.hpp>

#include "host/host_io.h"

namespace stacksim::sim {

class command_queue : public host::host_input {
public:
    using command = std::function<nlohmann::ordered_json()>;

    // Any thread.
    std::future<nlohmann::ordered_json> post(command fn);
    // Fail every queued call (the run ended before it): their futures throw std::runtime_error.
    void cancel_all();

    std::string describe() const override { return "command queue"; }
    void start(std::function<void()> wake) override;
    void stop() override;
    std::optional<host::wall_clock::time_point> next_arrival() override;
    void deliver_next() override;
    void take_notices(std::vector<host::notice>&) override {}
    host::endpoint_stats stats() const override;

private:
    struct queued {
        command fn;
        std::promise<nlohmann::ordered_json> result;
        host::wall_clock::time_point arrival;
    };
    mutable std::mutex m_mutex;
    std::deque<queued> m_queue;
    std::function<void()> m_wake;
    host::endpoint_stats m_stats;
};

} // namespace stacksim::sim
