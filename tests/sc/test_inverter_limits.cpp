// Inverter bench: a scripted battery node on a real CAN bus and a Thevenin battery on the DC port.
// Checks that the inverter honours CCL / DCL / the 0x35C enable bits and that its CC/CV regulator
// holds the terminal voltage at CVL; and the silence timeouts of its protocol profiles.
#include <cmath>
#include <vector>

#include "inverter_bench.h"

using namespace invtest;


TEST(inverter_limits, ccl_zero_stops_charging_at_the_end_of_the_frame) {
    bench b(config(2000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    // Charging at 2000 W: about 2000 / 52 = 38 A (< CCL 50 A).
    EXPECT_NEAR(b.inv.command_a(), 2000.0 / b.dc.voltage(), 0.5);
    ASSERT_GT(b.inv.command_a(), 30.0);
    b.bat.state.ccl_a = 0.0; // the cycle at t = 6 s carries CCL = 0
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    const double eof = b.first_sent_after(0x351, 5.5);
    ASSERT_GT(eof, 6.0);
    ASSERT_LT(eof, 6.01);
    // Charging stops at the end of the very frame that carried CCL = 0 (well within one cycle).
    EXPECT_GT(b.current_at(eof - 1e-9), 30.0);
    EXPECT_EQ(b.current_at(eof), 0.0);
    EXPECT_EQ(b.inv.command_a(), 0.0);
    // ... and stays stopped while CCL = 0; discharging is still allowed.
    sc_core::sc_start(sc_time(3.0, SC_SEC));
    EXPECT_EQ(b.inv.command_a(), 0.0);
    b.inv.set_power_override_w(-1000.0);
    sc_core::sc_start(sc_time(0.5, SC_SEC));
    EXPECT_NEAR(b.inv.command_a(), -1000.0 / b.dc.voltage(), 0.5);
}

TEST(inverter_limits, charge_enable_bit_cleared_stops_charging) {
    bench b(config(2000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    ASSERT_GT(b.inv.command_a(), 30.0);
    b.bat.state.charge_enable = false; // 0x35C = 0x40
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    const double eof = b.first_sent_after(0x35C, 5.5);
    ASSERT_GT(eof, 6.0);
    EXPECT_EQ(b.current_at(eof), 0.0);
    EXPECT_GT(b.current_at(eof - 1e-9), 30.0);
}

TEST(inverter_limits, dcl_zero_stops_discharging) {
    bench b(config(-3000.0));
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    EXPECT_NEAR(b.inv.command_a(), -3000.0 / b.dc.voltage(), 0.5);
    ASSERT_LT(b.inv.command_a(), -50.0);
    // DCL limits the discharge to its value ...
    b.bat.state.dcl_a = 20.0;
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    EXPECT_EQ(b.inv.command_a(), -20.0);
    // ... and DCL = 0 stops it at the end of the frame.
    b.bat.state.dcl_a = 0.0;
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    const double eof = b.first_sent_after(0x351, 7.0);
    ASSERT_GT(eof, 7.0);
    EXPECT_EQ(b.current_at(eof - 1e-9), -20.0);
    EXPECT_EQ(b.current_at(eof), 0.0);
    sc_core::sc_start(sc_time(5.0, SC_SEC));
    EXPECT_EQ(b.inv.command_a(), 0.0);
    // Charging is still possible.
    b.inv.set_power_override_w(1000.0);
    sc_core::sc_start(sc_time(0.5, SC_SEC));
    EXPECT_GT(b.inv.command_a(), 15.0);
}

// CC/CV: 5 kW of charge request into a battery whose OCV rises 0.4 V/Ah from 52 V, CVL 54 V,
// CCL 50 A. CC phase at 50 A until the terminal voltage reaches CVL (OCV = 54 - 0.5 - v_rc), then
// CV: the voltage stays within 0.1 V of CVL while the current tapers towards 0.
void run_cc_cv(double r0_ohm, double r1_ohm) {
    models::inverter_config c = config(5000.0);
    bench b(c);
    b.bat.state.cvl_v = 54.0;
    b.dc.r0_ohm = r0_ohm;
    b.dc.r1_ohm = r1_ohm;
    double max_v_after_cv = 0, first_cv_s = -1, max_step_v = 0;
    double prev_v = b.dc.voltage();
    std::vector<double> currents;
    for (int k = 0; k < 20 * 600; ++k) { // 1200 s in 0.1 s steps
        sc_core::sc_start(sc_time(0.1, SC_SEC));
        const double v = b.dc.dc_voltage_v();
        if (sctest::now_s() > 2.0)
            max_step_v = std::max(max_step_v, std::abs(v - prev_v));
        prev_v = v;
        currents.push_back(b.inv.command_a());
        if (first_cv_s < 0 && v >= 54.0 - 0.1)
            first_cv_s = sctest::now_s();
        if (first_cv_s >= 0)
            max_v_after_cv = std::max(max_v_after_cv, v);
        // CC phase: never above CCL
        ASSERT_LE(b.inv.command_a(), 50.0 + 1e-12);
    }
    ASSERT_GT(first_cv_s, 0) << "never reached CVL";
    // CC at 50 A before: OCV must rise by 54 - 52 - 50 (r0 + r1) - margin: q ~ (2 - 50 (r0+r1)) / 0.4 Ah
    const double q_cc_ah = (2.0 - 50.0 * (r0_ohm + r1_ohm)) / 0.4;
    EXPECT_NEAR(first_cv_s, 1.0 + q_cc_ah * 3600.0 / 50.0, 0.15 * q_cc_ah * 3600.0 / 50.0 + 5.0);
    EXPECT_LE(max_v_after_cv, 54.0 + 0.1);
    const double v_end = b.dc.dc_voltage_v();
    EXPECT_NEAR(v_end, 54.0, 0.1);
    // Tapering: the current at the end is well below CCL and still decreasing (no oscillation:
    // the last 100 s of commands are monotonically non-increasing).
    EXPECT_LT(currents.back(), 25.0);
    for (std::size_t k = currents.size() - 1000; k < currents.size(); ++k)
        EXPECT_LE(currents[k], currents[k - 1] + 1e-9);
    (void)max_step_v;
}

TEST(inverter_limits, cc_cv_holds_cvl_within_0_1_v) { run_cc_cv(0.01, 0.01); }
// gain x R0 = 20 A/V x 0.03 ohm = 0.6 and a fast RC: still no oscillation, no overshoot.
TEST(inverter_limits, cc_cv_stable_with_high_resistance) { run_cc_cv(0.03, 0.005); }

TEST(inverter_silence, sma_goes_to_standby_60_s_after_the_last_0x355) {
    models::inverter_config c = config(1000.0);
    c.behaviour.protocol = "sma";
    bench b(c);
    sc_core::sc_start(sc_time(10.5, SC_SEC));
    ASSERT_FALSE(b.inv.standby());
    ASSERT_GT(b.inv.command_a(), 10.0);
    b.bat.transmit = false; // the battery goes quiet after the cycle at t = 10 s
    const double last_355 = b.inv.view().last_355_s;
    ASSERT_GT(last_355, 10.0);
    ASSERT_LT(last_355, 10.01);
    double standby_at = -1;
    while (sctest::now_s() < 80.0) {
        sc_core::sc_start(sc_time(0.01, SC_SEC));
        if (standby_at < 0 && b.inv.standby())
            standby_at = sctest::now_s();
    }
    // 60 s after the last 0x355, on the 0.1 s control grid.
    ASSERT_GT(standby_at, 0);
    EXPECT_GE(standby_at, last_355 + 60.0);
    EXPECT_LE(standby_at, last_355 + 60.0 + 0.1 + 0.01);
    EXPECT_EQ(b.inv.command_a(), 0.0);
    // In standby the SI still sends 0x306 with "failure" and F952 ExtBMSTimeout.
    proto::sma_306 s;
    bool seen = false;
    for (auto it = b.bat.received.rbegin(); it != b.bat.received.rend(); ++it)
        if (it->second.id == 0x306 && proto::decode_306(it->second, s)) {
            seen = true;
            break;
        }
    ASSERT_TRUE(seen);
    EXPECT_EQ(s.operating_state, 4);
    EXPECT_EQ(s.active_error, 952);
    // Frames return -> the inverter resumes.
    b.bat.transmit = true;
    sc_core::sc_start(sc_time(2.0, SC_SEC));
    EXPECT_FALSE(b.inv.standby());
    EXPECT_GT(b.inv.command_a(), 10.0);
}

TEST(inverter_silence, sma_ignores_other_frames_without_0x355) {
    // SMA's watchdog ID is 0x355: 0x351 alone does not keep it running.
    models::inverter_config c = config(1000.0);
    c.behaviour.protocol = "sma";
    bench b(c);
    sc_core::sc_start(sc_time(5.5, SC_SEC));
    ASSERT_FALSE(b.inv.standby());
    // Replace the script: only 0x351 from now on.
    b.bat.transmit = false;
    const double last_355 = b.inv.view().last_355_s;
    for (int k = 0; k < 70; ++k) {
        b.bat.can_tx->can_submit(b.bat, proto::encode_351({56.0, 50.0, 100.0, 46.0, true}, 8));
        sc_core::sc_start(sc_time(1.0, SC_SEC));
    }
    EXPECT_TRUE(b.inv.standby());
    EXPECT_GT(b.inv.view().last_battery_frame_s, last_355 + 60.0);
}

TEST(inverter_profiles, heartbeat_frames_per_profile) {
    for (const char* p : {"sma"}) {
        models::inverter_config c = config(0.0);
        c.behaviour.protocol = p;
        bench b(c);
        sc_core::sc_start(sc_time(3.5, SC_SEC));
        std::vector<std::uint32_t> ids;
        for (const auto& [t, f] : b.bat.received)
            ids.push_back(f.id);
        // Three seconds: 0x305, 0x306, 0x307 at 1, 2, 3 s.
        EXPECT_EQ(ids, (std::vector<std::uint32_t>{0x305, 0x306, 0x307, 0x305, 0x306, 0x307, 0x305, 0x306, 0x307}));
        proto::sma_305 h;
        ASSERT_TRUE(proto::decode_305_sma(b.bat.received.back().second.id == 0x307 ? b.bat.received[6].second
                                                                                  : b.bat.received[0].second,
                                          h));
        // Its own measurement of the DC voltage, 0.1 V resolution; SoC from 0x355.
        EXPECT_NEAR(h.voltage_v, 52.0, 0.05 + 1e-9);
        EXPECT_NEAR(h.soc_pct, 50.0, 0.05 + 1e-9);
    }
}

TEST(inverter_profiles, victron_sends_identification_0x307) {
    models::inverter_config c = config(0.0);
    c.behaviour.protocol = "victron";
    bench b(c);
    sc_core::sc_start(sc_time(1.5, SC_SEC));
    ASSERT_EQ(b.bat.received.size(), 3u);
    EXPECT_EQ(b.bat.received[0].second, proto::make_can_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(b.bat.received[1].second, proto::make_can_frame(0x306, {0, 0, 0, 0, 0, 0, 0, 0}));
    // Captured from a Venus OS GX (dfch/BydCanProtocol, protocols.md S13): ".4VxVIC."
    EXPECT_EQ(b.bat.received[2].second,
              proto::make_can_frame(0x307, {0x12, 0x34, 0x56, 0x78, 0x56, 0x49, 0x43, 0x00}));
}

TEST(inverter_profiles, site_model_with_efficiency_and_grid_limits) {
    // PV 3000 W, load 1000 W: 2000 W AC surplus into the battery at 95 % -> 1900 W DC.
    models::inverter_config c = base_config();
    c.pv_w = models::profile::constant(3000.0);
    c.load_w = models::profile::constant(1000.0);
    c.efficiency_power_w = {0.0, 1000.0, 3000.0};
    c.efficiency = {0.90, 0.94, 0.96};
    bench b(c);
    sc_core::sc_start(sc_time(5.05, SC_SEC));
    // eta(2000 W) = 0.95 (linear between 0.94 @ 1 kW and 0.96 @ 3 kW)
    EXPECT_NEAR(b.inv.efficiency_at(2000.0), 0.95, 1e-12);
    const double v = b.dc.dc_voltage_v();
    EXPECT_NEAR(b.inv.command_a() * v, 1900.0, 2000.0 * 0.01); // v changes a little within 0.1 s
    EXPECT_NEAR(b.inv.grid_power_w(), 0.0, 30.0);
}

TEST(inverter_profiles, site_model_tou_charging_capped_by_grid_import_limit) {
    // Time-of-use charging asks for 4000 W from the grid while the house draws 1000 W and there is
    // no PV; the grid import limit of 3000 W leaves 2000 W AC for the battery: 2000 x 0.96 = 1920 W DC.
    models::inverter_config c = base_config();
    c.load_w = models::profile::constant(1000.0);
    c.tou_charge_w = models::profile::constant(4000.0);
    c.grid_import_limit_w = 3000.0;
    c.efficiency_power_w = {0.0};
    c.efficiency = {0.96};
    bench b(c);
    sc_core::sc_start(sc_time(5.05, SC_SEC));
    const double v = b.dc.dc_voltage_v();
    EXPECT_NEAR(b.inv.command_a() * v, 1920.0, 1920.0 * 0.01);
    EXPECT_NEAR(b.inv.grid_power_w(), 3000.0, 30.0);
}

TEST(inverter_profiles, site_model_deficit_discharges_through_efficiency) {
    // Load 3000 W, PV 500 W: the battery supplies 2500 W AC = 2500 / 0.96 = 2604 W DC; grid 0.
    models::inverter_config c = base_config();
    c.load_w = models::profile::constant(3000.0);
    c.pv_w = models::profile::constant(500.0);
    c.efficiency_power_w = {0.0};
    c.efficiency = {0.96};
    bench b(c);
    sc_core::sc_start(sc_time(5.05, SC_SEC));
    const double v = b.dc.dc_voltage_v();
    EXPECT_NEAR(b.inv.command_a() * v, -2500.0 / 0.96, 2604.0 * 0.01);
    EXPECT_NEAR(b.inv.grid_power_w(), 0.0, 30.0);
}
