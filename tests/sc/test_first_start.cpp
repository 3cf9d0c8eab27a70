// First-start bench ([4K4-family] U18, weco-stack.md "First start"): a master BMS with its
// stack_master and one sub BMS on a real RS485 chain, each on a scripted plant. A module that
// starts uncalibrated asks for a full charge in its 0x92 answer (status byte b3) until its own
// full-charge detection; while any counted module asks, the master holds the stack: DCL = 0,
// discharge disabled, full-charge request on, charge allowed. Expected values by hand from the
// bench's settings: cells at 3.30 V, 25 degC, SoC 50 % -> every taper is 1, so each module's
// CCL = 50 A and DCL = 100 A (bms.limits of module_4k4pro.yaml), no count cap -> stack CCL 100 A, DCL 200 A.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/module_params.h"
#include "battery/stack_master.h"
#include "numeric/units.h"
#include "protocol/pylon_rs485.h"
#include "bms_bench.h"
#include "sc_testing.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using namespace stacksim::models;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

constexpr double poll_period_s = 1.0;     // master.poll_period_s of module_4k4pro.yaml
constexpr double latency_s = 0.02;        // bms.response_latency_s of module_4k4pro.yaml

using sctest::quiet_afe; // ideal ADCs: the scripted values are read exactly

bms_config module_cfg(std::uint8_t address, bool first_start, double soc) {
    bms_config c = sctest::file_bms();
    c.address = address;
    c.master_address = 2;
    c.measure_period_s = 0.1;
    c.initial_soc = soc;
    c.wait_for_join = address != 2;
    c.first_start = first_start;
    return c;
}

// A sub's answer to the master's 0x92 poll as seen on the chain: when it started, and the status
// byte (the last INFO byte, protocols.md §2.7), decoded here from the characters by hand.
struct answer_92 {
    double start_s;
    std::uint8_t status;
};

struct stack_bench {
    sctest::recorder ev;
    bus::rs485_chain chain{"chain", bus::rs485_chain_config{}, 1};
    sctest::scripted_plant master_plant{"master_plant"}, sub_plant{"sub_plant"};
    afe master_afe{"master_afe", quiet_afe()}, sub_afe{"sub_afe", quiet_afe()};
    bms master_bms, sub_bms;
    stack_master master;
    std::vector<answer_92> answers;
    bool polled_92 = false;

    stack_bench(bool master_first_start, bool sub_first_start, double sub_soc = 0.5)
        : master_bms("master_bms", module_cfg(2, master_first_start, 0.5), quiet_afe(), ev),
          sub_bms("sub_bms", module_cfg(3, sub_first_start, sub_soc), quiet_afe(), ev),
          master("master", master_config(), master_bms, ev) {
        master_afe.plant.bind(master_plant);
        sub_afe.plant.bind(sub_plant);
        master_bms.afe_out.bind(master_afe.bus_in);
        sub_bms.afe_out.bind(sub_afe.bus_in);
        master_bms.rs485.bind(chain.rs485_rx); // chain order: master, then Sub#1
        sub_bms.rs485.bind(chain.rs485_rx);
        chain.on_frame([this](const bus::rs485_frame& f, std::size_t) {
            // "~" VER ADR CID1 CID2|RTN LENGTH INFO CHKSUM "\r", two hex digits per byte
            const std::string& c = f.chars;
            if (f.sender == "master_bms") {
                polled_92 = c.size() > 9 && c.substr(7, 2) == "92";
            } else if (polled_92 && f.sender == "sub_bms") {
                const std::size_t lenid = std::stoul(c.substr(10, 3), nullptr, 16);
                const std::string info = c.substr(13, lenid);
                answers.push_back({f.start.to_seconds(), static_cast<std::uint8_t>(
                                                             std::stoul(info.substr(info.size() - 2), nullptr, 16))});
                polled_92 = false;
            }
        });
    }
    static stack_master_config master_config() { return sctest::file_master({3}); }
    void run_to(double t_s) { sc_core::sc_start(sc_time(t_s - sctest::now_s(), SC_SEC)); }
    // Advance in 0.1 s steps, recomputing the aggregate (as the CAN link does every cycle), until
    // the hold has the wanted state; the time it did, or nothing by until_s.
    std::optional<double> aggregate_until(bool hold, double until_s) {
        while (sctest::now_s() < until_s - 1e-9) {
            run_to(sctest::now_s() + 0.1);
            master.update_aggregate();
            if (master.aggregate().first_start_hold == hold)
                return sctest::now_s();
        }
        return std::nullopt;
    }
    void charge_to_full(sctest::scripted_plant& p) { // the full-charge condition: top cell 3.54 V, 1.5 A tail
        p.cell_v.assign(16, 3.54);
        p.current_a = 1.5;
    }
};

double first_time(const std::vector<sctest::recorded_event>& ev, const std::string& source) {
    for (const auto& e : ev)
        if (e.source == source)
            return e.t_s;
    return -1.0;
}

} // namespace

TEST(first_start, uncalibrated_sub_holds_the_stack_although_the_master_is_calibrated) {
    stack_bench b(false, true);
    b.run_to(3.0);
    ASSERT_TRUE(b.master.sub_joined(0));
    b.master.update_aggregate();
    const stack_aggregate& a = b.master.aggregate();
    EXPECT_TRUE(b.master_bms.report().calibrated);
    EXPECT_FALSE(b.sub_bms.report().calibrated);
    EXPECT_FALSE(b.master.sub(0).calibrated) << "learnt from the sub's 0x92 b3";
    EXPECT_EQ(a.modules_present, 2u);
    EXPECT_EQ(a.modules_uncalibrated, 1u);
    EXPECT_TRUE(a.first_start_hold);
    EXPECT_TRUE(a.full_charge_request);
    EXPECT_EQ(a.dcl_a, 0.0);
    EXPECT_FALSE(a.discharge_enable);
    EXPECT_DOUBLE_EQ(a.ccl_a, 100.0) << "charging stays allowed";
    EXPECT_TRUE(a.charge_enable);
    const auto holds = b.ev.of("first_start_hold");
    ASSERT_EQ(holds.size(), 1u);
    EXPECT_EQ(holds[0].details.at("uncalibrated"), nlohmann::json::array({3}));
    ASSERT_GE(b.answers.size(), 2u);
    for (const auto& ans : b.answers)
        EXPECT_TRUE(ans.status & 0x08) << "0x92 b3 at " << ans.start_s;

    // The sub reaches the full-charge condition; its detection takes full_time_s (30 s).
    b.charge_to_full(b.sub_plant);
    const auto released = b.aggregate_until(false, 40.0);
    ASSERT_TRUE(released.has_value());
    const double t_cal = first_time(b.ev.of("first_start_calibrated"), "sub_bms");
    ASSERT_GT(t_cal, 0.0);
    EXPECT_NEAR(t_cal, 3.0 + 30.0, 0.1 + 1e-9) << "30 s of tail current from 3.0 s, +- one measurement period";
    // The master learns it with the sub's next 0x92 answer: within one poll period (+ latency
    // and the 0x42/0x92 frames, < 0.5 s at 9600 baud); the aggregate here is sampled every 0.1 s.
    EXPECT_GT(*released, t_cal);
    EXPECT_LE(*released, t_cal + poll_period_s + 0.5 + 0.1);
    EXPECT_DOUBLE_EQ(a.dcl_a, 200.0);
    EXPECT_TRUE(a.discharge_enable);
    EXPECT_FALSE(a.full_charge_request);
    EXPECT_EQ(a.modules_uncalibrated, 0u);
    EXPECT_DOUBLE_EQ(b.sub_bms.report().soc, 1.0);
    EXPECT_TRUE(b.master.sub(0).calibrated);
    const auto done = b.ev.of("first_start_done");
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].details.at("reason"), "all modules reached 100 %, normal operation");
    // b3 in every answer computed before the calibration, in none after (the answer is computed
    // when the request arrives, response_latency_s before it starts).
    b.run_to(45.0);
    int before = 0, after = 0;
    for (const auto& ans : b.answers) {
        const bool asked = ans.start_s - latency_s < t_cal;
        EXPECT_EQ((ans.status & 0x08) != 0, asked) << ans.start_s;
        (asked ? before : after) += 1;
    }
    EXPECT_GE(before, 30);
    EXPECT_GE(after, 5);
}

TEST(first_start, uncalibrated_master_holds_until_its_own_full_charge) {
    stack_bench b(true, false);
    b.run_to(3.0);
    b.master.update_aggregate();
    const stack_aggregate& a = b.master.aggregate();
    EXPECT_TRUE(b.master.sub(0).calibrated);
    EXPECT_TRUE(a.first_start_hold);
    EXPECT_EQ(a.modules_uncalibrated, 1u);
    EXPECT_EQ(a.dcl_a, 0.0);
    EXPECT_DOUBLE_EQ(a.ccl_a, 100.0);
    for (const auto& ans : b.answers)
        EXPECT_FALSE(ans.status & 0x08) << "a calibrated sub never asks";
    b.charge_to_full(b.master_plant);
    const auto released = b.aggregate_until(false, 40.0);
    ASSERT_TRUE(released.has_value());
    const double t_cal = first_time(b.ev.of("first_start_calibrated"), "master_bms");
    ASSERT_GT(t_cal, 0.0);
    // Its own report: released at the first aggregate after the calibration (sampled every 0.1 s).
    EXPECT_GT(*released, t_cal);
    EXPECT_LE(*released, t_cal + 0.1 + 1e-9);
    EXPECT_DOUBLE_EQ(a.dcl_a, 200.0);
}

TEST(first_start, a_lost_uncalibrated_sub_no_longer_holds_and_holds_again_when_back) {
    stack_bench b(false, true);
    b.run_to(3.0);
    b.master.update_aggregate();
    ASSERT_TRUE(b.master.aggregate().first_start_hold);
    b.sub_bms.set_powered(false);
    const auto released = b.aggregate_until(false, 12.0);
    ASSERT_TRUE(released.has_value());
    EXPECT_TRUE(b.master.sub_lost(0));
    const auto done = b.ev.of("first_start_done");
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].details.at("reason"), "the uncalibrated modules are no longer counted in the stack");
    EXPECT_EQ(done[0].details.at("not_counted"), nlohmann::json::array({3}));
    EXPECT_DOUBLE_EQ(b.master.aggregate().dcl_a, 100.0) << "the master alone, normal";
    b.sub_bms.set_powered(true);
    const auto held = b.aggregate_until(true, 20.0);
    ASSERT_TRUE(held.has_value()) << "still uncalibrated after its power cycle";
    EXPECT_EQ(b.ev.of("first_start_hold").size(), 2u);
    EXPECT_EQ(b.master.aggregate().dcl_a, 0.0);
}

// The uncalibrated BMS's SoC is capped at uncalibrated_max_soc (0.99) until its full-charge
// detection: a stored 100 % is reported as 99 %, charging does not count past it; the detection
// gives 100 % and ends the first start. Without first_start the same start reports 100 %.
TEST(first_start, soc_capped_below_full_until_the_full_charge_detection) {
    stack_bench b(false, true, 1.0);
    const soc_config sc = load_module_params(default_module_params_path()).bms.soc;
    EXPECT_DOUBLE_EQ(sc.uncalibrated_max_soc, 0.99);
    EXPECT_DOUBLE_EQ(b.sub_bms.report().soc, 0.99);
    b.run_to(3.0);
    b.sub_plant.cell_v.assign(16, 3.40); // charging, but not at the full-charge voltage
    b.sub_plant.current_a = 10.0;
    b.run_to(20.0);
    EXPECT_DOUBLE_EQ(b.sub_bms.report().soc, 0.99);
    EXPECT_NEAR(b.master.sub(0).soc, 0.99, 1e-3) << "0x42 remaining / total";
    EXPECT_TRUE(b.ev.of("first_start_calibrated").empty());
    b.charge_to_full(b.sub_plant);
    b.run_to(51.0);
    EXPECT_DOUBLE_EQ(b.sub_bms.report().soc, 1.0);
    EXPECT_TRUE(b.sub_bms.report().calibrated);
    const auto cal = b.ev.of("first_start_calibrated");
    ASSERT_EQ(cal.size(), 1u);
    EXPECT_DOUBLE_EQ(cal[0].details.at("from").get<double>(), 0.99);
    // Calibrated: a later full-charge detection is no first start any more.
    b.sub_plant.cell_v.assign(16, 3.30);
    b.sub_plant.current_a = -20.0;
    b.run_to(60.0);
    b.charge_to_full(b.sub_plant);
    b.run_to(100.0);
    EXPECT_EQ(b.ev.of("first_start_calibrated").size(), 1u);
    EXPECT_DOUBLE_EQ(b.sub_bms.report().soc, 1.0);
}

TEST(first_start, off_by_default_reports_the_stored_soc_and_never_holds) {
    stack_bench b(false, false, 1.0);
    EXPECT_DOUBLE_EQ(b.sub_bms.report().soc, 1.0);
    b.run_to(3.0);
    b.master.update_aggregate();
    EXPECT_FALSE(b.master.aggregate().first_start_hold);
    EXPECT_GT(b.master.aggregate().dcl_a, 0.0);
    for (const auto& ans : b.answers)
        EXPECT_FALSE(ans.status & 0x08);
    EXPECT_TRUE(b.ev.of("first_start_hold").empty());
}
