// Inverter behaviour profiles (models/params/inverters/*.yaml, docs/models/inverter.md): given a
// limit frame from a scripted battery, the current the inverter applies and its timing follow the
// profile's rules -- honour / ignore 0 A / floor, the delay from a received limit, the set-point
// slew rate, the SoC and DVL ends, force-charge requests, heartbeat supervision with fault and
// latch, and the start-up handshake. Each shipped profile is loaded from its file; rule variants
// are the default profile with one value changed. One bench per test (one SystemC kernel per
// process): per-profile cases are parameterised tests.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "inverter_bench.h"

using namespace invtest;

namespace {

constexpr double eps = 1e-9;

models::inverter_config profile_config(const std::string& name, double power_w) {
    models::inverter_config c = base_config(name);
    c.battery_power_w = models::profile::constant(power_w);
    return c;
}

// The SMA set (0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F) for an SMA-protocol profile.
void sma_battery(bench& b) { b.bat.set = proto::sma_set(); }

// Times the battery heard the inverter's 0x305.
std::vector<double> heartbeats(const bench& b) {
    std::vector<double> t;
    for (const auto& [at, f] : b.bat.received)
        if (f.id == 0x305)
            t.push_back(at);
    return t;
}

} // namespace

// Every shipped profile, charging at 2 kW (about 38 A, under CCL 50 A) when the battery sends
// CCL = 0 in the cycle at t = 6 s: the honouring profiles stop limit_delay_s after the end of that
// frame; deye_lv and solis_lv (ignore_zero) keep charging at the last non-zero limit's current.
struct ccl_zero_case {
    const char* profile;
    bool stops;
    double delay_s;
};
class ccl_zero_frame : public ::testing::TestWithParam<ccl_zero_case> {};

TEST_P(ccl_zero_frame, per_profile) {
    const ccl_zero_case e = GetParam();
    bench b(profile_config(e.profile, 2000.0));
    if (b.inv.config().behaviour.protocol == "sma")
        sma_battery(b);
    EXPECT_DOUBLE_EQ(b.inv.config().behaviour.limit_delay_s, e.delay_s); // the file's value
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    const double before_a = b.inv.command_a();
    ASSERT_NEAR(before_a, 2000.0 / b.dc.voltage(), 0.6);
    b.bat.state.ccl_a = 0.0;
    sc_core::sc_start(sc_time(4.0, SC_SEC));
    const double eof = b.first_sent_after(0x351, 5.5);
    ASSERT_GT(eof, 6.0);
    ASSERT_LT(eof, 6.01);
    if (e.stops) {
        // Charging until the limit acts, 0 A from then on.
        EXPECT_GT(b.current_at(eof + e.delay_s - eps), 30.0);
        EXPECT_EQ(b.current_at(eof + e.delay_s), 0.0);
        EXPECT_EQ(b.inv.command_a(), 0.0);
        EXPECT_LT(b.events.first("limit_ignored"), 0);
    } else {
        // The 0 A limit is ignored (event at the moment it is applied); the current goes on.
        EXPECT_NEAR(b.events.first("limit_ignored"), eof + e.delay_s, 1e-6);
        EXPECT_NEAR(b.inv.command_a(), 2000.0 / b.dc.voltage(), 0.6);
        for (const auto& [t, i] : b.dc.commands) {
            if (t > eof) {
                EXPECT_GT(i, 30.0) << "at t = " << t;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(inverter_behaviour, ccl_zero_frame,
                         ::testing::Values(ccl_zero_case{"well_behaved", true, 0.0}, ccl_zero_case{"sma_sbs", true, 0.0},
                                           ccl_zero_case{"victron_dvcc", true, 1.0},
                                           ccl_zero_case{"deye_lv", false, 0.5}, ccl_zero_case{"solis_lv", false, 1.0}),
                         [](const ::testing::TestParamInfo<ccl_zero_case>& i) { return std::string(i.param.profile); });

// ignore_zero also ignores a cleared enable bit, and the discharge direction the same way.
TEST(inverter_behaviour, ignore_zero_ignores_the_enable_bits_and_a_zero_dcl) {
    bench b(profile_config("solis_lv", -2000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    ASSERT_NEAR(b.inv.command_a(), -2000.0 / b.dc.voltage(), 0.6);
    b.bat.state.discharge_enable = false;
    b.bat.state.dcl_a = 0.0;
    sc_core::sc_start(sc_time(5.0, SC_SEC));
    EXPECT_NEAR(b.inv.command_a(), -2000.0 / b.dc.voltage(), 0.6);
    EXPECT_GE(b.events.first("limit_ignored"), 5.5);
}

// floor: a limit below the floor is raised to it (0 A included).
TEST(inverter_behaviour, floor_keeps_a_minimum_discharge) {
    models::inverter_config c = config(-2000.0);
    c.behaviour.discharge_rule = models::limit_rule::floor;
    c.behaviour.discharge_floor_a = 5.0;
    bench b(c);
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    b.bat.state.dcl_a = 2.0; // below the floor: 5 A applied
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    EXPECT_EQ(b.inv.command_a(), -5.0);
    b.bat.state.dcl_a = 0.0;
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    const double eof = b.first_sent_after(0x351, 6.5);
    EXPECT_EQ(b.current_at(eof), -5.0);
    EXPECT_EQ(b.inv.command_a(), -5.0);
    b.bat.state.dcl_a = 20.0; // above the floor: the limit
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    EXPECT_EQ(b.inv.command_a(), -20.0);
}

// limit_delay_s: a lowered limit acts exactly that long after the end of its frame.
TEST(inverter_behaviour, delay_from_a_received_limit_to_the_applied_current) {
    models::inverter_config c = config(2000.0);
    c.behaviour.limit_delay_s = 0.35;
    bench b(c);
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    b.bat.state.ccl_a = 10.0;
    sc_core::sc_start(sc_time(2.0, SC_SEC));
    const double eof = b.first_sent_after(0x351, 5.5);
    EXPECT_GT(b.current_at(eof + 0.35 - eps), 30.0);
    EXPECT_EQ(b.current_at(eof + 0.35), 10.0);
}

// slew_a_per_s: the set-point moves at most slew x control period per tick, up and down.
TEST(inverter_behaviour, slew_rate_bounds_every_step) {
    models::inverter_config c = config(2000.0);
    c.behaviour.slew_a_per_s = 10.0; // 1 A per 0.1 s tick
    bench b(c);
    sc_core::sc_start(sc_time(8.5, SC_SEC));
    double prev = 0.0;
    for (const auto& [t, i] : b.dc.commands) {
        EXPECT_LE(std::abs(i - prev), 1.0 + 1e-9) << "at t = " << t;
        prev = i;
    }
    // From the first limits (t = 1 s) to about 38 A takes 3.8 s.
    EXPECT_NEAR(b.current_at(3.0), 20.0, 1.01);
    EXPECT_NEAR(b.inv.command_a(), 2000.0 / b.dc.voltage(), 0.6);
    // A lowered limit is ramped to, not stepped: CCL 10 A from the cycle at t = 9 s.
    b.bat.state.ccl_a = 10.0;
    sc_core::sc_start(sc_time(1.5, SC_SEC));
    const double eof = b.first_sent_after(0x351, 8.5);
    EXPECT_GT(b.current_at(eof + 0.5), 30.0);
    sc_core::sc_start(sc_time(3.0, SC_SEC));
    EXPECT_EQ(b.inv.command_a(), 10.0);
}

// ignore_zero stops at its own ends: the SoC stop (deye_lv: 100 %) and DVL (honours_dvl).
TEST(inverter_behaviour, deye_stops_charging_at_100_pct_soc) {
    {
        bench b(profile_config("deye_lv", 2000.0));
        sc_core::sc_start(sc_time(5.5, SC_SEC));
        ASSERT_GT(b.inv.command_a(), 30.0);
        b.bat.state.ccl_a = 0.0; // ignored ...
        sc_core::sc_start(sc_time(2.0, SC_SEC));
        ASSERT_GT(b.inv.command_a(), 30.0);
        b.bat.state.soc_pct = 100.0; // ... but the SoC of 0x355 ends the charge
        sc_core::sc_start(sc_time(3.0, SC_SEC));
        EXPECT_EQ(b.inv.command_a(), 0.0);
    }
}

void dvl_case(const char* p) {
    bench b(profile_config(p, -2000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    ASSERT_LT(b.inv.command_a(), -30.0);
    b.bat.state.dvl_v = 60.0; // above the battery's 52 V
    b.bat.state.dcl_a = 0.0;  // and a 0 A limit, which both ignore
    sc_core::sc_start(sc_time(4.0, SC_SEC)); // delay 0.5 s, then deye's 20 A/s slew to 0 A
    if (b.inv.config().behaviour.honours_dvl)
        EXPECT_EQ(b.inv.command_a(), 0.0);
    else
        EXPECT_LT(b.inv.command_a(), -30.0); // discharges past DVL
}

TEST(inverter_behaviour, deye_stops_discharging_at_dvl) { dvl_case("deye_lv"); }
TEST(inverter_behaviour, solis_discharges_past_dvl) { dvl_case("solis_lv"); }

// requests: force charge I on 0x35C makes the site model charge from the grid only where the
// profile honours it.
void force_charge_case(const char* p) {
    models::inverter_config c = base_config(p);
    c.request_charge_w = 1500.0;
    bench b(c);
    b.bat.state.force_charge_1 = true;
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    if (b.inv.config().behaviour.honours_force_charge)
        EXPECT_NEAR(b.inv.command_a(), 1500.0 / b.dc.voltage(), 0.6);
    else
        EXPECT_EQ(b.inv.command_a(), 0.0);
}

TEST(inverter_behaviour, well_behaved_charges_on_force_charge) { force_charge_case("well_behaved"); }
TEST(inverter_behaviour, deye_ignores_force_charge) { force_charge_case("deye_lv"); }

// Supervision: deye_lv (timeout 10 s, on_loss fault, latch): silence -> 0 A and its heartbeat
// stops; the battery's return does not clear it; restart() does.
TEST(inverter_behaviour, deye_faults_latches_and_needs_a_restart) {
    bench b(profile_config("deye_lv", -1000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    ASSERT_LT(b.inv.command_a(), -15.0);
    b.bat.transmit = false; // last frames at t = 5 s
    sc_core::sc_start(sc_time(15.0, SC_SEC));
    const double silent = b.events.first("battery_silent");
    EXPECT_NEAR(silent, 5.0 + 10.0, 0.11); // at the first control tick 10 s after the last frame
    EXPECT_NEAR(b.events.first("fault"), silent, eps);
    EXPECT_TRUE(b.inv.standby());
    EXPECT_TRUE(b.inv.latched());
    EXPECT_EQ(b.inv.command_a(), 0.0);
    for (double t : heartbeats(b))
        EXPECT_LT(t, silent + eps) << "0x305 after the fault";
    // The battery talks again: the latched inverter stays off, its heartbeat silent.
    b.bat.transmit = true;
    sc_core::sc_start(sc_time(10.0, SC_SEC));
    EXPECT_TRUE(b.inv.standby());
    EXPECT_EQ(b.inv.command_a(), 0.0);
    EXPECT_LT(b.events.first("battery_back"), 0);
    for (double t : heartbeats(b))
        EXPECT_LT(t, silent + eps);
    // A restart: handshake anew (first frames at the next cycle), heartbeat and current back.
    b.inv.restart();
    sc_core::sc_start(sc_time(5.0, SC_SEC));
    EXPECT_FALSE(b.inv.standby());
    EXPECT_LT(b.inv.command_a(), -15.0);
    EXPECT_GT(heartbeats(b).back(), silent + 10.0);
}

// The default (standby, no latch) resumes with the battery's next frame.
TEST(inverter_behaviour, well_behaved_resumes_when_the_battery_is_back) {
    models::inverter_config c = config(-1000.0);
    c.behaviour.battery_timeout_s = 10.0;
    bench b(c);
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    b.bat.transmit = false;
    sc_core::sc_start(sc_time(15.0, SC_SEC));
    EXPECT_TRUE(b.inv.standby());
    EXPECT_FALSE(b.inv.latched());
    EXPECT_GT(heartbeats(b).back(), 19.9); // heartbeat on in standby
    b.bat.transmit = true;
    sc_core::sc_start(sc_time(2.0, SC_SEC));
    EXPECT_FALSE(b.inv.standby());
    EXPECT_LT(b.inv.command_a(), -15.0);
}

// solis_lv latches in standby (heartbeat on): the battery's return does not clear it.
TEST(inverter_behaviour, solis_latches_in_standby_with_its_heartbeat_on) {
    bench b(profile_config("solis_lv", -1000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    b.bat.transmit = false;
    sc_core::sc_start(sc_time(31.0, SC_SEC));
    EXPECT_NEAR(b.events.first("battery_silent"), 35.0, 0.11); // 30 s timeout
    b.bat.transmit = true;
    sc_core::sc_start(sc_time(5.0, SC_SEC));
    EXPECT_TRUE(b.inv.latched());
    EXPECT_EQ(b.inv.command_a(), 0.0);
    EXPECT_GT(heartbeats(b).back(), 40.9);
}

// Handshake: deye_lv speaks second (no 0x305 before the battery's first frame); the default from
// start-up.
void speaks_first_case(const char* p) {
    bench b(profile_config(p, 0.0));
    b.bat.transmit = false;
    sc_core::sc_start(sc_time(3.5, SC_SEC));
    const std::size_t before = heartbeats(b).size();
    b.bat.transmit = true; // first battery frames at t = 4 s
    sc_core::sc_start(sc_time(2.0, SC_SEC));
    if (b.inv.config().behaviour.speaks_first == models::first_speaker::battery) {
        EXPECT_EQ(before, 0u);
        ASSERT_FALSE(heartbeats(b).empty());
        EXPECT_GT(heartbeats(b).front(), 4.0);
    } else {
        EXPECT_EQ(before, 3u); // t = 1, 2, 3 s
    }
}

TEST(inverter_behaviour, well_behaved_speaks_first) { speaks_first_case("well_behaved"); }
TEST(inverter_behaviour, deye_waits_for_the_battery) { speaks_first_case("deye_lv"); }

// sma_sbs closes its DC side once every required frame has been seen twice: with the SMA set
// every second, at the end of the second cycle's 0x35F; with the identification sent once, never.
TEST(inverter_behaviour, sbs_closes_after_the_identification_twice) {
    {
        bench b(profile_config("sma_sbs", 1000.0));
        sma_battery(b);
        sc_core::sc_start(sc_time(4.0, SC_SEC));
        ASSERT_TRUE(b.inv.dc_closed());
        const double second_35f = b.first_sent_after(0x35F, 1.5);
        ASSERT_GT(second_35f, 2.0);
        EXPECT_EQ(b.current_at(second_35f - eps), 0.0);
        EXPECT_GT(b.current_at(second_35f + 0.1 + eps), 15.0); // the next control tick
        EXPECT_NEAR(b.events.first("handshake_waiting"), 1.1, 1e-6);
        EXPECT_NEAR(b.events.first("handshake_complete"), second_35f, 1e-9);
    }
}

TEST(inverter_behaviour, sbs_never_closes_with_the_identification_once) {
    {
        bench b(profile_config("sma_sbs", 1000.0));
        sma_battery(b);
        sc_core::sc_start(sc_time(1.5, SC_SEC));
        auto& msgs = b.bat.set.messages; // from now on without 0x35E / 0x35F
        msgs.erase(std::remove_if(msgs.begin(), msgs.end(),
                                  [](const proto::can_message_spec& m) { return m.id == 0x35E || m.id == 0x35F; }),
                   msgs.end());
        sc_core::sc_start(sc_time(30.0, SC_SEC));
        EXPECT_FALSE(b.inv.dc_closed());
        EXPECT_EQ(b.inv.command_a(), 0.0);
        for (const auto& [t, i] : b.dc.commands)
            EXPECT_EQ(i, 0.0) << "at t = " << t;
    }
}
