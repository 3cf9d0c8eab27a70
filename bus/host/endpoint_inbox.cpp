#include "host/endpoint_inbox.h"

namespace stacksim::host {

void endpoint_inbox::set_wake(std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_wake = std::move(wake);
}

void endpoint_inbox::push_notice_locked(notice n) {
    if (m_notices.size() >= max_notices) {
        ++m_stats.notices_dropped;
        return;
    }
    m_notices.push_back(std::move(n));
}

void endpoint_inbox::frame(const proto::can_frame& f, wall_clock::time_point arrival) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_frames.size() >= max_frames) {
        ++m_stats.rx_dropped;
        return;
    }
    m_frames.push_back({f, arrival});
}

void endpoint_inbox::add_notice(std::string kind, std::string detail) {
    add_notice(notice{wall_clock::now(), std::move(kind), std::move(detail)});
}

void endpoint_inbox::add_notice(notice n) {
    std::lock_guard<std::mutex> lock(m_mutex);
    push_notice_locked(std::move(n));
}

void endpoint_inbox::malformed(std::string reason) {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.malformed;
    push_notice_locked(notice{wall_clock::now(), "malformed", std::move(reason)});
}

void endpoint_inbox::received(std::uint64_t units) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stats.rx += units;
}

void endpoint_inbox::connected() {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.connects;
    m_dropping = false;
}

void endpoint_inbox::wake() {
    std::function<void()> w;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        w = m_wake;
    }
    if (w)
        w();
}

void endpoint_inbox::sent() {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.tx;
    m_dropping = false;
}

void endpoint_inbox::dropped(const std::string& why) {
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.dropped;
    if (!m_dropping) {
        m_dropping = true;
        push_notice_locked(notice{wall_clock::now(), "dropped",
                                  "frames for the host dropped from now on: " + why + " (all drops counted in stats)"});
    }
}

void endpoint_inbox::take(std::vector<inbound_frame>& frames, std::vector<notice>& notices) {
    std::lock_guard<std::mutex> lock(m_mutex);
    frames.insert(frames.end(), m_frames.begin(), m_frames.end());
    m_frames.clear();
    notices.insert(notices.end(), std::make_move_iterator(m_notices.begin()), std::make_move_iterator(m_notices.end()));
    m_notices.clear();
}

endpoint_stats endpoint_inbox::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_stats;
}

} // namespace stacksim::host
