// A time-varying ambient is evaluated on demand (models/stack/stack.h, ambient_source): every
// plant step asks for the value at the last grid instant at or before its start -- each grid
// instant once, after that instant -- and the plant follows it.
#include <cmath>
#include <vector>

#include "sc_testing.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "sim/system.h"

using namespace stacksim;

TEST(AmbientOnDemand, EachGridInstantIsAskedForOnceByTheStepThatStartsThere) {
    const sim::scenario sc = sim::load_scenario(sim::source_dir() + "/scenarios/default.yaml");
    const double step_s = sc.run.step_s;
    sim::simulation s(sc, "");
    std::vector<double> asked, asked_at;
    s.top().battery().ambient_source([&](double t_s) {
        asked.push_back(t_s);
        asked_at.push_back(sctest::now_s());
        return 273.15 + 60.0; // a hot room
    });
    // The cables and contacts follow the ambient within seconds (the cells, behind their case, in hours).
    const auto coldest_branch_k = [&] { return s.top().battery().plant().power_network().thermal().temp_k().minCoeff(); };
    const double t0_k = coldest_branch_k();
    s.run_until(30.0);
    // Steps start at 0 (the initial ambient: nothing asked), step_s, 2 step_s, ...
    ASSERT_EQ(asked.size(), static_cast<std::size_t>(std::lround(30.0 / step_s)) - 1);
    for (std::size_t k = 0; k < asked.size(); ++k) {
        EXPECT_NEAR(asked[k], static_cast<double>(k + 1) * step_s, 1e-12) << k;
        EXPECT_GT(asked_at[k], asked[k]) << k;               // the step that starts there is taken later
        EXPECT_LE(asked_at[k], asked[k] + step_s + 1e-12) << k; // by the next grid instant at the latest
    }
    EXPECT_GT(coldest_branch_k(), t0_k + 0.1); // every branch warmed up in the hot room
}
