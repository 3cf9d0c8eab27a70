#include "sim/command_queue.h"

#include <stdexcept>
#include <utility>

namespace stacksim::sim {

std::future<nlohmann::ordered_json> command_queue::post(command fn) {
    std::function<void()> wake;
    std::future<nlohmann::ordered_json> f;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_queue.push_back({std::move(fn), {}, host::wall_clock::now()});
        f = m_queue.back().result.get_future();
        ++m_stats.rx;
        wake = m_wake;
    }
    if (wake)
        wake();
    return f;
}

void command_queue::cancel_all() {
    std::deque<queued> left;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        left.swap(m_queue);
    }
    for (auto& q : left)
        q.result.set_exception(std::make_exception_ptr(std::runtime_error("the simulation has ended")));
}

void command_queue::start(std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_wake = std::move(wake);
}

void command_queue::stop() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_wake = nullptr;
}

std::optional<host::wall_clock::time_point> command_queue::next_arrival() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_queue.empty())
        return std::nullopt;
    return m_queue.front().arrival;
}

void command_queue::deliver_next() {
    queued q;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_queue.empty())
            return;
        q = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_stats.tx;
    }
    try {
        q.result.set_value(q.fn());
    } catch (...) {
        q.result.set_exception(std::current_exception());
    }
}

host::endpoint_stats command_queue::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_stats;
}

} // namespace stacksim::sim
