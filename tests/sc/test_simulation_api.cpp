// The simulation API's own checks, for every caller (CLI, Python, tools): time arguments (finite,
// forward, within the kernel's range; a refused call leaves the run untouched), the interrupt
// check (stops at a slice boundary, the run stays usable) and the seed's one range.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "sc_testing.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

using namespace stacksim;

namespace {

sim::scenario default_scenario() { return sim::load_scenario(sim::source_dir() + "/scenarios/default.yaml"); }

} // namespace

TEST(SimulationApi, TimeArgumentsAreChecked) {
    sim::simulation s(default_scenario(), "");
    s.run_until(2.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (double t : {nan, inf, -inf, 1.0, 1e308, sim::simulation::max_time_s() * 1.01})
        EXPECT_THROW(s.run_until(t), std::invalid_argument) << t;
    for (double dt : {nan, inf, -1.0, 1e308})
        EXPECT_THROW(s.run_for(dt), std::invalid_argument) << dt;
    EXPECT_EQ(s.time_s(), 2.0);
    s.run_until(2.0); // now is not the past
    s.run_for(0.0);
    s.run_for(0.5);
    EXPECT_DOUBLE_EQ(s.time_s(), 2.5);
    // SystemC's 1 ps resolution x 2^64 ~ 1.8e7 s.
    EXPECT_NEAR(sim::simulation::max_time_s(), 18446744.073709551615, 1e-3);
}

TEST(SimulationApi, InterruptCheckStopsAtASliceBoundaryAndTheRunGoesOn) {
    sim::simulation s(default_scenario(), "");
    int calls = 0;
    s.set_interrupt_check([&] { return ++calls == 3; }, 0.0); // every slice; stop at the third
    EXPECT_THROW(s.run_until(100.0), sim::interrupted);
    EXPECT_EQ(calls, 3);
    EXPECT_DOUBLE_EQ(s.time_s(), 3.0); // three 1 s slices
    s.set_interrupt_check({});
    s.run_until(10.0);
    EXPECT_DOUBLE_EQ(s.time_s(), 10.0);
}

TEST(SimulationApi, OneSeedRange) {
    EXPECT_EQ(sim::seed_max, 9007199254740991ull); // JSON's Number.MAX_SAFE_INTEGER
    EXPECT_EQ(sim::parse_seed("0"), 0u);
    EXPECT_EQ(sim::parse_seed("9007199254740991"), sim::seed_max);
    for (const char* bad : {"-3", "9007199254740992", "18446744073709551613", "", "1.5", "1e3", " 7", "x"})
        EXPECT_THROW(sim::parse_seed(bad), std::invalid_argument) << bad;
    const std::uint64_t too_big = sim::seed_max + 1;
    EXPECT_THROW(sim::load_scenario(sim::source_dir() + "/scenarios/default.yaml", {}, &too_big),
                 std::invalid_argument);
    EXPECT_EQ(sim::seed_range_text(), "an integer in [0, 9007199254740991]");
}
