#include "common/watchdog.h"

namespace stacksim::models {

void watchdog::start() { m_deadline = sc_core::sc_time_stamp() + m_timeout; }

void watchdog::kick() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (m_kicks > 0 && now == m_last_kick)
        return;
    m_kick_before_last = m_last_kick;
    m_last_kick = now;
    ++m_kicks;
}

bool watchdog::expired() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    // The last kick before this instant restarted the timer; one at this instant has not yet.
    const bool last_is_now = m_kicks > 0 && m_last_kick == now;
    const std::uint64_t before_now = last_is_now ? m_kicks - 1 : m_kicks;
    const sc_core::sc_time& restarted = last_is_now ? m_kick_before_last : m_last_kick;
    if (before_now > 0 && restarted + m_timeout > now) {
        m_deadline = restarted + m_timeout;
        return false;
    }
    m_deadline = now + m_timeout;
    return true;
}

} // namespace stacksim::models
