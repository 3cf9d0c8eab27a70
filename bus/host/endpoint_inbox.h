// The mailbox of one CAN endpoint (can_endpoint.h) between its I/O thread and the simulation
// thread: frames from the host stamped with their wall-clock arrival, notices, and the counters.
// Every member is thread-safe. Bounded: at most max_frames frames and max_notices notices wait for
// take(); beyond that frames count as rx_dropped and notices as notices_dropped (a flood of garbage
// cannot grow memory; the malformed count still counts every unit).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "host/can_endpoint.h"

namespace stacksim::host {

class endpoint_inbox {
public:
    static constexpr std::size_t max_frames = 65536;
    static constexpr std::size_t max_notices = 1024;

    // Before the I/O thread starts: called after anything was queued (on the I/O thread).
    void set_wake(std::function<void()> wake);

    // I/O thread.
    void frame(const proto::can_frame& f, wall_clock::time_point arrival);
    void add_notice(std::string kind, std::string detail);
    void add_notice(notice n);
    void malformed(std::string reason);   // counts and adds a "malformed" notice
    void received(std::uint64_t units);   // rx += units
    void connected();                     // connects++
    void wake();                          // call `wake` (after a batch of the above)

    // Any thread. A drop adds one "dropped" notice per episode (the first drop after a unit was
    // delivered), not one per unit, so a run without a client does not flood the event log.
    void sent();                          // tx++, ends a drop episode
    void dropped(const std::string& why);

    // Simulation thread.
    void take(std::vector<inbound_frame>& frames, std::vector<notice>& notices);
    endpoint_stats stats() const;

private:
    void push_notice_locked(notice n);

    mutable std::mutex m_mutex;
    std::function<void()> m_wake;
    std::vector<inbound_frame> m_frames;
    std::vector<notice> m_notices;
    endpoint_stats m_stats;
    bool m_dropping = false;
};

} // namespace stacksim::host
