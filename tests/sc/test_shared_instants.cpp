// shared_instants (models/common/shared_instants.h): processes on their own clocks that wake
// through the pool wake at exactly the instants, and in the same delta cycle, as with their own
// timeouts; processes with equal instants share one event, entries are reused once their instant
// has come, and an instant that is not in the future is refused.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "common/shared_instants.h"
#include "sc_testing.h"

using namespace stacksim;

namespace {

struct wake {
    std::int64_t t_ps;
    std::uint64_t delta;
    int who;
    bool operator==(const wake& o) const { return t_ps == o.t_ps && delta == o.delta && who == o.who; }
};

// Method k wakes every period_ps[k] from phase_ps[k] on, through the pool or its own timeout.
SC_MODULE(clocks) {
    std::vector<std::int64_t> period_ps, phase_ps;
    models::shared_instants* pool;
    std::vector<wake> seen;
    std::size_t most_entries = 0;

    clocks(sc_core::sc_module_name n, std::vector<std::int64_t> period, std::vector<std::int64_t> phase,
           models::shared_instants* p)
        : sc_module(n), period_ps(std::move(period)), phase_ps(std::move(phase)), pool(p) {
        for (std::size_t k = 0; k < period_ps.size(); ++k) {
            sc_core::sc_spawn_options o;
            o.spawn_method();
            sc_core::sc_spawn([this, k] { step(static_cast<int>(k)); }, sc_core::sc_gen_unique_name("clock"), &o);
        }
    }

    void step(int k) {
        const std::int64_t now_ps = static_cast<std::int64_t>(sc_core::sc_time_stamp().value());
        const auto ku = static_cast<std::size_t>(k);
        if (now_ps >= phase_ps[ku])
            seen.push_back({now_ps, sc_core::sc_delta_count(), k});
        const std::int64_t next_ps = now_ps < phase_ps[ku] ? phase_ps[ku] : now_ps + period_ps[ku];
        const sc_core::sc_time next = sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(next_ps));
        if (pool) {
            sc_core::next_trigger(pool->at(next));
            most_entries = std::max(most_entries, pool->entries());
        } else {
            sc_core::next_trigger(next - sc_core::sc_time_stamp());
        }
    }
};

} // namespace

TEST(SharedInstants, WakesAtTheInstantsAndInTheDeltaOfOwnTimeouts) {
    // Five modules in step (100 ms from 0) and one clock on another period and phase (250 ms
    // from 30 ms), once with their own timeouts and once through a pool, side by side.
    const std::vector<std::int64_t> period = {100'000'000'000, 100'000'000'000, 100'000'000'000,
                                              100'000'000'000, 100'000'000'000, 250'000'000'000};
    const std::vector<std::int64_t> phase = {0, 0, 0, 0, 0, 30'000'000'000};
    models::shared_instants pool;
    clocks own("own", period, phase, nullptr), pooled("pooled", period, phase, &pool);
    sc_core::sc_start(sc_core::sc_time(2.0, sc_core::SC_SEC));
    // Independent expectation: sc_start(2 s) runs the instants before 2 s: 20 wakes (0 ... 1.9 s) of
    // each 100 ms clock, 8 (30 ms ... 1.78 s) of the 250 ms one.
    ASSERT_EQ(own.seen.size(), 5u * 20u + 8u);
    ASSERT_EQ(pooled.seen.size(), own.seen.size());
    auto sorted = [](std::vector<wake> v) {
        std::sort(v.begin(), v.end(),
                  [](const wake& a, const wake& b) { return a.t_ps != b.t_ps ? a.t_ps < b.t_ps : a.who < b.who; });
        return v;
    };
    const std::vector<wake> a = sorted(own.seen), b = sorted(pooled.seen);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].t_ps, b[i].t_ps) << i;
        EXPECT_EQ(a[i].who, b[i].who) << i;
        // Same instant, same delta cycle: the pool's event fires where the timeouts fire.
        EXPECT_EQ(a[i].delta, b[i].delta) << i;
        const int k = a[i].who;
        const std::int64_t since = a[i].t_ps - phase[static_cast<std::size_t>(k)];
        EXPECT_TRUE(since >= 0 && since % period[static_cast<std::size_t>(k)] == 0) << "wake " << i << " at " << a[i].t_ps;
    }
    // One entry per distinct pending instant: the 100 ms clocks share one, the 250 ms clock has its own.
    EXPECT_EQ(pooled.most_entries, 2u);
}

TEST(SharedInstants, RefusesAnInstantThatIsNotInTheFuture) {
    models::shared_instants pool;
    bool threw = false;
    sc_core::sc_spawn_options o;
    o.spawn_method();
    o.dont_initialize();
    sc_core::sc_event go;
    o.set_sensitivity(&go);
    sc_core::sc_spawn(
        [&] {
            try {
                (void)pool.at(sc_core::sc_time_stamp());
            } catch (const std::logic_error&) {
                threw = true;
            }
        },
        "asker", &o);
    go.notify(sc_core::sc_time(1.0, sc_core::SC_MS));
    sc_core::sc_start(sc_core::sc_time(2.0, sc_core::SC_MS));
    EXPECT_TRUE(threw);
}
