// watchdog (models/common/watchdog.h) against the process it replaces: a thread waiting
// wait(timeout, kicked) in a loop, each kick notifying `kicked` for the next delta cycle. Both
// run side by side on the same kicks; they must expire at the same instants and in the same
// delta cycle, on a scripted sequence with a hand-worked expectation (kicks at the very instant
// of a deadline, two kicks at one instant, a kick one delta cycle after an expiry, long gaps)
// and on random kicks on a coarse grid, where kicks often fall on deadlines.
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "common/watchdog.h"
#include "sc_testing.h"

using namespace stacksim;

namespace {

using expiry = std::pair<std::int64_t, std::uint64_t>; // (instant in ps, delta count)

std::int64_t now_ps() { return static_cast<std::int64_t>(sc_core::sc_time_stamp().value()); }

// kicks: (instant in ps, kick one delta cycle late) in time order.
SC_MODULE(side_by_side) {
    sc_core::sc_time timeout;
    std::vector<std::pair<std::int64_t, bool>> kicks;
    std::size_t next = 0;
    sc_core::sc_event kicked;
    models::watchdog watch;
    std::vector<expiry> reference, watched;
    bool late_pending = false;

    side_by_side(sc_core::sc_module_name n, sc_core::sc_time t, std::vector<std::pair<std::int64_t, bool>> k)
        : sc_module(n), timeout(t), kicks(std::move(k)), watch(t) {
        SC_HAS_PROCESS(side_by_side);
        SC_THREAD(reference_loop);
        SC_THREAD(watch_loop);
        SC_METHOD(kicker);
    }

    void kick() {
        kicked.notify(sc_core::SC_ZERO_TIME);
        watch.kick();
    }

    // A method: runs before the threads in a delta cycle, as the CAN bus delivering a frame does.
    void kicker() {
        if (late_pending) { // the delta cycle after the instant's first
            late_pending = false;
            kick();
        }
        while (next < kicks.size() && kicks[next].first == now_ps()) {
            if (kicks[next].second)
                late_pending = true;
            else
                kick();
            ++next;
        }
        if (late_pending)
            next_trigger(sc_core::SC_ZERO_TIME);
        else if (next < kicks.size())
            next_trigger(sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(kicks[next].first)) -
                         sc_core::sc_time_stamp());
    }

    void reference_loop() {
        for (;;) {
            sc_core::wait(timeout, kicked);
            if (!kicked.triggered())
                reference.push_back({now_ps(), sc_core::sc_delta_count()});
        }
    }

    void watch_loop() {
        watch.start();
        for (;;) {
            sc_core::wait(watch.deadline() - sc_core::sc_time_stamp());
            if (watch.expired())
                watched.push_back({now_ps(), sc_core::sc_delta_count()});
        }
    }
};

constexpr std::int64_t ms = 1'000'000'000; // ps

} // namespace

TEST(Watchdog, ExpiresWhereATimerRestartedByEachKickExpires) {
    // Timeout 10 ms from 0. Kicks at 3, 5, 5 (deadline 15), 15 (the deadline's own instant: too
    // late, expiry at 15, then from 15 on: 25), nothing (35, 45), 47 (57), 50 one delta cycle
    // late (60), nothing (70). Run to 75 ms.
    side_by_side s("s", sc_core::sc_time(10.0, sc_core::SC_MS),
                   {{3 * ms, false}, {5 * ms, false}, {5 * ms, false}, {15 * ms, false}, {47 * ms, false}, {50 * ms, true}});
    sc_core::sc_start(sc_core::sc_time(75.0, sc_core::SC_MS));
    const std::vector<std::int64_t> expected = {15 * ms, 25 * ms, 35 * ms, 45 * ms, 60 * ms, 70 * ms};
    ASSERT_EQ(s.reference.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_EQ(s.reference[i].first, expected[i]) << i;
    EXPECT_EQ(s.watched, s.reference);
}

TEST(Watchdog, RandomKicksOnACoarseGridExpireAsTheRestartedTimer) {
    // Kicks at whole milliseconds with gaps of 0 to 12 ms against a 5 ms timeout: deadlines and
    // kicks often share an instant; a third of the kicks come one delta cycle late.
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int> gap(0, 12), late(0, 2);
    std::vector<std::pair<std::int64_t, bool>> kicks;
    std::int64_t t = 0;
    for (int k = 0; k < 2000; ++k) {
        t += gap(rng) * ms;
        kicks.push_back({t, late(rng) == 0});
    }
    side_by_side s("s", sc_core::sc_time(5.0, sc_core::SC_MS), kicks);
    sc_core::sc_start(sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(t + 20 * ms)));
    ASSERT_GT(s.reference.size(), 500u); // the grid makes many expiries
    EXPECT_EQ(s.watched, s.reference);
}
