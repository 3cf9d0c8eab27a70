// Rows and events do not depend on the order in which the kernel runs the processes of one
// instant (docs/outputs.md, "When a row is sampled"):
// - system::on_row runs once the instant has no activity left, even when a process acts there
//   only after several delta cycles;
// - within one instant, events are ordered by source (stably), in memory and in events.jsonl,
//   whatever order they were reported in.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sc_testing.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "sim/system.h"

using namespace stacksim;

namespace {

sim::scenario default_scenario() { return sim::load_scenario(sim::source_dir() + "/scenarios/default.yaml"); }

// At each whole second, changes `value` to the second's number, but only after `deltas` delta
// cycles of that instant.
struct late_writer : sc_core::sc_module {
    int deltas;
    double value = -1.0;
    late_writer(const sc_core::sc_module_name& n, int d) : sc_core::sc_module(n), deltas(d) {
        SC_HAS_PROCESS(late_writer);
        SC_THREAD(run);
    }
    void run() {
        for (;;) {
            for (int k = 0; k < deltas; ++k)
                sc_core::wait(sc_core::SC_ZERO_TIME);
            value = sctest::now_s();
            sc_core::wait(1.0, sc_core::SC_SEC);
        }
    }
};

} // namespace

TEST(RowSampling, ARowSeesWhatTheLastProcessOfItsInstantDid) {
    sim::scenario sc = default_scenario();
    ASSERT_EQ(sc.run.step_s * sc.run.record_every, 1.0); // a row per second
    sim::simulation s(sc, "");
    late_writer writer("late_writer", 7);
    std::vector<std::pair<double, double>> rows; // (t, value seen)
    s.top().on_row([&] { rows.emplace_back(sctest::now_s(), writer.value); });
    s.run_until(5.0);
    ASSERT_EQ(rows.size(), 6u);
    for (std::size_t k = 0; k < rows.size(); ++k) {
        EXPECT_DOUBLE_EQ(rows[k].first, static_cast<double>(k)); // picoseconds to seconds: not exact
        EXPECT_EQ(rows[k].second, rows[k].first) << "the row of t = " << k << " s ran before the writer";
    }
}

TEST(RowSampling, EventsOfOneInstantAreOrderedBySourceInMemoryAndInTheFile) {
    const std::string out = ::testing::TempDir() + "/row_sampling_events";
    std::filesystem::remove_all(out);
    sim::simulation s(default_scenario(), out);
    s.run_until(1.5);
    const std::size_t before = s.event_log().size();
    // Reported in this order at t = 1.5 s; the same source twice keeps its own order.
    s.event("zz.probe", "second_source", {{"n", 1}});
    s.event("aa.probe", "first_source", {{"n", 2}});
    s.event("zz.probe", "second_source", {{"n", 3}});
    s.event("mm.probe", "middle_source", {{"n", 4}});
    s.run_until(2.0);
    s.event("aa.probe", "later_instant", {{"n", 5}});
    std::vector<int> mem;
    for (std::size_t k = before; k < s.event_log().size(); ++k) {
        const auto& e = s.event_log()[k];
        if (e.source.find(".probe") != std::string::npos)
            mem.push_back(nlohmann::json::parse(e.details)["n"].get<int>());
    }
    EXPECT_EQ(mem, (std::vector<int>{2, 4, 1, 3, 5}));
    s.finish();
    std::ifstream f(out + "/events.jsonl");
    std::vector<int> file;
    std::vector<double> times;
    for (std::string line; std::getline(f, line);) {
        const auto j = nlohmann::json::parse(line);
        times.push_back(j["t_s"].get<double>());
        if (j["source"].get<std::string>().find(".probe") != std::string::npos)
            file.push_back(j["details"]["n"].get<int>());
    }
    EXPECT_EQ(file, mem);
    for (std::size_t k = 1; k < times.size(); ++k)
        EXPECT_LE(times[k - 1], times[k]) << "line " << k + 1;
}

// An event a model stamps ahead of now (event_sink::event_at: a frame's end at a node, announced
// nanoseconds early) takes its place by time, behind what the current instant reports after it,
// and reaches the file in time order.
TEST(RowSampling, AnEventStampedAheadOfNowIsPlacedByItsTime) {
    const std::string out = ::testing::TempDir() + "/row_sampling_event_at";
    std::filesystem::remove_all(out);
    sim::simulation s(default_scenario(), out);
    s.run_until(1.5);
    const std::size_t before = s.event_log().size();
    s.event_at(1.5 + 25e-9, "aa.probe", "ahead", {{"n", 1}});
    s.event("zz.probe", "now", {{"n", 2}});
    s.event_at(1.5 + 10e-9, "zz.probe", "less_ahead", {{"n", 3}});
    s.event_at(1.5 + 10e-9, "aa.probe", "less_ahead", {{"n", 4}});
    s.run_until(1.5 + 15e-9); // past two of them, not the third
    const double mid_s = s.time_s();
    s.event("mm.probe", "between", {{"n", 5}});
    std::vector<int> mem;
    std::vector<double> mem_t;
    for (std::size_t k = before; k < s.event_log().size(); ++k) {
        const auto& e = s.event_log()[k];
        mem.push_back(nlohmann::json::parse(e.details)["n"].get<int>());
        mem_t.push_back(e.t_s);
    }
    EXPECT_EQ(mem, (std::vector<int>{2, 4, 3, 5, 1}));
    EXPECT_EQ(mem_t, (std::vector<double>{1.5, 1.5 + 10e-9, 1.5 + 10e-9, mid_s, 1.5 + 25e-9}));
    s.finish();
    std::ifstream f(out + "/events.jsonl");
    std::vector<int> file;
    for (std::string line; std::getline(f, line);) {
        const auto j = nlohmann::json::parse(line);
        if (j["source"].get<std::string>().find(".probe") != std::string::npos)
            file.push_back(j["details"]["n"].get<int>());
    }
    EXPECT_EQ(file, mem);
}
