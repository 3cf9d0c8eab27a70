// rs485_arrivals: each frame held reaches the handler at its end here, in order of end.
#include <string>
#include <vector>

#include "sc_testing.h"
#include "tlm/rs485_arrivals.h"

using namespace stacksim;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_SEC;

namespace {

bus::rs485_frame frame_ending(const std::string& chars, const sc_time& end) {
    bus::rs485_frame f;
    f.chars = chars;
    f.end = end;
    f.start = end;
    return f;
}

// Holds the frames of `plan` (at its time, frames with their own ends) and records when the
// handler got each.
struct holder : sc_core::sc_module {
    std::vector<std::pair<sc_time, std::vector<bus::rs485_frame>>> plan;
    std::vector<std::pair<std::string, sc_time>> got;
    bus::rs485_arrivals arrivals{"arrivals", [this](const bus::rs485_frame& f) {
        got.emplace_back(f.chars, sc_core::sc_time_stamp());
        if (f.chars == "chain") // a handler may hold another frame
            arrivals.hold(frame_ending("chained", sc_core::sc_time_stamp() + sc_time(3, SC_NS)));
    }};
    explicit holder(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        SC_HAS_PROCESS(holder);
        SC_THREAD(run);
    }
    void run() {
        for (const auto& [at, frames] : plan) {
            sc_core::wait(at - sc_core::sc_time_stamp());
            for (const auto& f : frames)
                arrivals.hold(f);
        }
    }
};

} // namespace

TEST(rs485_arrivals, each_frame_reaches_the_handler_at_its_end_here_in_order_of_end) {
    holder h("h");
    const sc_time t0(1, SC_SEC);
    h.plan = {{t0,
               {frame_ending("far", t0 + sc_time(25, SC_NS)), frame_ending("near", t0 + sc_time(10, SC_NS)),
                frame_ending("now", t0), frame_ending("near_too", t0 + sc_time(10, SC_NS)),
                frame_ending("chain", t0 + sc_time(12, SC_NS))}}};
    sc_core::sc_start(sc_time(2, SC_SEC));
    const std::vector<std::pair<std::string, sc_time>> expect = {
        {"now", t0},
        {"near", t0 + sc_time(10, SC_NS)},
        {"near_too", t0 + sc_time(10, SC_NS)},
        {"chain", t0 + sc_time(12, SC_NS)},
        {"chained", t0 + sc_time(15, SC_NS)},
        {"far", t0 + sc_time(25, SC_NS)},
    };
    EXPECT_EQ(h.got, expect);
    EXPECT_EQ(h.arrivals.held(), 0u);
}
