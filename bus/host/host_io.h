// Host I/O for co-simulation: how stacksim meets programs and devices outside the process.
//
// Threading rule (systemc-style.md §8, SystemC 2.3.4 is not thread-safe): only the simulation
// thread touches SystemC. Every endpoint here runs its own I/O thread (poll(2), no busy-wait);
// what arrives is stamped with its wall-clock arrival, queued under a mutex, and the
// simulation's pacer is woken (`wake`). The pacer (models/sim/wallclock.h) runs the kernel to
// the simulated instant that matches the arrival and only then delivers the input, on its own
// thread, between sc_start() calls. Output goes the other way through a bounded queue that the
// I/O thread drains; the simulation thread never blocks on a slow client (drops are counted).
//
// Nothing here includes SystemC.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace stacksim::host {

using wall_clock = std::chrono::steady_clock;

// Something an endpoint reports for the simulation's event log.
struct notice {
    wall_clock::time_point at;
    std::string kind;   // listening | connected | disconnected | refused | malformed | dropped | bitrate_mismatch | error
    std::string detail; // the reason; offending input is quoted escaped and cut to 80 characters
};

struct endpoint_stats {
    std::uint64_t rx = 0;        // units (frames, lines, characters) received from the host
    std::uint64_t tx = 0;        // units sent to the host
    std::uint64_t malformed = 0; // received units rejected as malformed
    std::uint64_t dropped = 0;   // units for the host dropped: no client, or its queue full
    std::uint64_t connects = 0;  // clients accepted so far
    std::uint64_t rx_dropped = 0;      // units from the host dropped: the simulation did not take them in time
    std::uint64_t notices_dropped = 0; // notices not queued: too many waiting (the counts above still count)
};

// A source of host input for the pacer. Every member is called on the simulation thread only,
// except that start()'s `wake` is called from the source's I/O thread.
class host_input {
public:
    virtual ~host_input() = default;
    virtual std::string describe() const = 0;
    // Open the endpoint and start its I/O thread; `wake` is called after anything is queued.
    virtual void start(std::function<void()> wake) = 0;
    // Stop the I/O thread and close the endpoint (idempotent; also from the destructor).
    virtual void stop() = 0;
    // The wall-clock arrival of the oldest input not yet delivered, if any.
    virtual std::optional<wall_clock::time_point> next_arrival() = 0;
    // Deliver that input now: the kernel stands at its simulated stamp, paused between
    // sc_start() calls, so SystemC calls (notify, a TLM transport) are allowed.
    virtual void deliver_next() = 0;
    // Move out the notices queued since the last call.
    virtual void take_notices(std::vector<notice>& out) = 0;
    virtual endpoint_stats stats() const = 0;
};

} // namespace stacksim::host
