#include "tlm/can_bridge.h"

#include <utility>

namespace stacksim::bus {

can_bridge::can_bridge(const sc_core::sc_module_name& name, std::unique_ptr<host::can_endpoint> endpoint)
    : sc_core::sc_module(name), can_host("can_tx"), m_endpoint(std::move(endpoint)) {}

can_bridge::~can_bridge() { stop(); }

void can_bridge::can_receive(const proto::can_frame& frame) {
    m_endpoint->send(frame, sc_core::sc_time_stamp().to_seconds());
}

std::string can_bridge::describe() const { return m_endpoint->describe(); }

void can_bridge::start(std::function<void()> wake) {
    if (m_started)
        return;
    m_started = true;
    m_endpoint->start(std::move(wake));
}

void can_bridge::stop() {
    if (m_started)
        m_endpoint->stop();
    m_started = false;
}

void can_bridge::pull() {
    m_scratch.clear();
    m_endpoint->take(m_scratch, m_notices);
    for (auto& f : m_scratch)
        m_frames.push_back(std::move(f));
}

std::optional<host::wall_clock::time_point> can_bridge::next_arrival() {
    pull();
    if (m_frames.empty())
        return std::nullopt;
    return m_frames.front().arrival;
}

void can_bridge::deliver_next() {
    if (m_frames.empty())
        return;
    const proto::can_frame f = m_frames.front().frame;
    m_frames.pop_front();
    ++m_to_bus;
    can_send(f);
}

void can_bridge::take_notices(std::vector<host::notice>& out) {
    pull();
    for (auto& n : m_notices)
        out.push_back(std::move(n));
    m_notices.clear();
}

host::endpoint_stats can_bridge::stats() const { return m_endpoint->stats(); }

} // namespace stacksim::bus
