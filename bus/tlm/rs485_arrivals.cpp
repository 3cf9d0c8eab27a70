#include "tlm/rs485_arrivals.h"

#include <iterator>
#include <utility>

namespace stacksim::bus {

rs485_arrivals::rs485_arrivals(const sc_core::sc_module_name& name, handler on_arrival)
    : sc_core::sc_module(name), m_on_arrival(std::move(on_arrival)) {
    SC_HAS_PROCESS(rs485_arrivals);
    SC_METHOD(release_due);
    sensitive << m_due;
    dont_initialize();
}

void rs485_arrivals::hold(const rs485_frame& frame) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (frame.end <= now && m_held.empty()) {
        m_on_arrival(frame);
        return;
    }
    auto at = m_held.end();
    while (at != m_held.begin() && std::prev(at)->end > frame.end)
        --at;
    m_held.insert(at, frame);
    const sc_core::sc_time first = m_held.front().end;
    m_due.notify(first > now ? first - now : sc_core::SC_ZERO_TIME); // an earlier notification wins
}

void rs485_arrivals::release_due() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (!m_held.empty() && m_held.front().end <= now) {
        const rs485_frame f = std::move(m_held.front());
        m_held.pop_front();
        m_on_arrival(f); // may hold another frame (it goes behind the ones due now)
    }
    if (!m_held.empty())
        m_due.notify(m_held.front().end - now);
}

} // namespace stacksim::bus
