// Firmware host bench: a firmware_bms running tiny C test firmwares (tests/firmware/) on a stub
// plant and a stub I2C target, on a real RS485 chain and CAN bus. Expectations come from the
// buses' own timing (the chain's character ends, the CAN bus's end of frame), the stub target's
// recorded transfer durations and the firmware's own reports through log().
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fw_bench.h"
#include "sc_testing.h"
#include "tlm/can_bus.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using fwtest::fields;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

bus::rs485_chain_config chain_config() {
    bus::rs485_chain_config c;
    c.format = proto::uart_format{9600, 8, 'N', 1};
    c.driver_enable_s = 20e-6;
    c.propagation_s_per_m = 5e-9;
    c.hop_length_m = {2.0};
    return c;
}

// m0 (the firmware, master) and a peer on the chain; the firmware and an "inverter" on CAN.
struct bench {
    fwtest::recording_sink events;
    bus::rs485_chain chain{"rs485", chain_config(), 1};
    bus::can_bus can{"can", 500000.0};
    fwtest::fw_module m0;
    sctest::rs485_station peer{"peer"};
    sctest::can_station inverter{"inverter"};

    explicit bench(models::battery_module_config cfg) : m0("m0", cfg, events) {
        m0.bms->rs485_port().bind(chain.rs485_rx);
        peer.rs485.bind(chain.rs485_rx);
        m0.bms->can_port()->bind(can.can_rx);
        inverter.can_tx.bind(can.can_rx);
    }
};

std::uint64_t ns_of(const sc_time& t) { return t.value() / sc_time(1, sc_core::SC_NS).value(); }

// A driver thread: runs `f` at `t_s`.
class at_time : public sc_core::sc_module {
public:
    at_time(const sc_core::sc_module_name& n, std::vector<std::pair<double, std::function<void()>>> steps)
        : sc_core::sc_module(n), m_steps(std::move(steps)) {
        SC_HAS_PROCESS(at_time);
        SC_THREAD(run);
    }

private:
    void run() {
        sctest::run_schedule(m_steps, [](const std::function<void()>& f) { f(); });
    }
    std::vector<std::pair<double, std::function<void()>>> m_steps;
};

} // namespace

TEST(firmware_bms, probe_boots_reads_config_and_runs_timers_to_the_nanosecond) {
    bench b(fwtest::fw_config(FW_PROBE_PATH, 0, 3));
    sc_core::sc_start(sc_time(0.9, SC_SEC));
    ASSERT_EQ(b.m0.bms->failure(), nullptr);
    const auto boot = b.events.messages("boot");
    ASSERT_EQ(boot.size(), 1u);
    EXPECT_EQ(boot[0], "boots=1 power_ons=1 nv_size=4096 write=0");
    const auto cfg = b.events.messages("config");
    ASSERT_EQ(cfg.size(), 6u);
    EXPECT_EQ(cfg[0], "probe.greeting=hello world");
    EXPECT_EQ(cfg[1], "module.index=0");
    EXPECT_EQ(cfg[2], "module.master=1");
    EXPECT_EQ(cfg[5], "no.such.key=(null)");
    // The log lands under the module's name with the firmware's kind.
    EXPECT_EQ(b.events.of_kind("boot")[0].source, "m0.bms");
    const auto timers = b.events.messages("timer");
    ASSERT_EQ(timers.size(), 3u); // periodic 250 ms: 0.25, 0.5, 0.75 s
    EXPECT_EQ(timers[0], "id=1 now=250000000");
    EXPECT_EQ(timers[1], "id=1 now=500000000");
    EXPECT_EQ(timers[2], "id=1 now=750000000");
}

TEST(firmware_bms, i2c_advances_now_by_exactly_the_transfer_duration) {
    bench b(fwtest::fw_config(FW_PROBE_PATH, 0, 3));
    sc_core::sc_start(sc_time(0.1, SC_SEC));
    const auto i2c = b.events.messages("i2c");
    ASSERT_EQ(i2c.size(), 1u);
    const auto f = fields(i2c[0]);
    const auto& tr = b.m0.i2c.transfers;
    ASSERT_GE(tr.size(), 3u);
    // write_read = a write (repeated START follows) then a read (STOP), at the configured 400 kHz.
    EXPECT_FALSE(tr[0].read);
    EXPECT_FALSE(tr[0].stop);
    EXPECT_EQ(tr[0].len, 1u);
    EXPECT_TRUE(tr[1].read);
    EXPECT_TRUE(tr[1].stop);
    EXPECT_EQ(tr[1].len, 2u);
    EXPECT_EQ(tr[0].scl_hz, 400e3);
    EXPECT_EQ(f.at("t0"), "1000000"); // timer 0: 1 ms after power-on
    const std::uint64_t t0 = std::stoull(f.at("t0")), t1 = std::stoull(f.at("t1"));
    EXPECT_EQ(t1 - t0, ns_of(tr[0].duration + tr[1].duration));
    EXPECT_EQ(f.at("rc"), "0");
    EXPECT_EQ(f.at("rx"), "160,161");
    EXPECT_EQ(f.at("nack"), std::to_string(STACKSIM_FW_ERR_NACK)); // nobody at 0x09
}

TEST(firmware_bms, publish_fills_the_report_groups_it_names_only) {
    bench b(fwtest::fw_config(FW_PROBE_PATH, 0, 3));
    EXPECT_FALSE(b.m0.bms->reported(models::report_group::soc));
    sc_core::sc_start(sc_time(0.1, SC_SEC));
    const auto& v = *b.m0.bms;
    EXPECT_TRUE(v.reported(models::report_group::soc));
    EXPECT_TRUE(v.reported(models::report_group::limits));
    EXPECT_FALSE(v.reported(models::report_group::soh));
    EXPECT_FALSE(v.reported(models::report_group::protection));
    EXPECT_DOUBLE_EQ(v.report().soc, 0.555);
    EXPECT_DOUBLE_EQ(v.report().ccl_a, 50.0);
    ASSERT_NE(v.aggregate(), nullptr);
    EXPECT_TRUE(v.aggregated(models::aggregate_group::present));
    EXPECT_TRUE(v.aggregated(models::aggregate_group::limits));
    EXPECT_FALSE(v.aggregated(models::aggregate_group::soc));
    EXPECT_EQ(v.aggregate()->modules_present, 3u);
    EXPECT_DOUBLE_EQ(v.aggregate()->dcl_a, 180.0);
}

TEST(firmware_bms, uart_characters_carry_the_chains_stop_bit_ends) {
    bench b(fwtest::fw_config(FW_PROBE_PATH, 0, 3));
    b.peer.schedule = {{0.5, "~AB\r"}};
    sc_core::sc_start(sc_time(0.8, SC_SEC));
    const auto uart = b.events.messages("uart");
    ASSERT_EQ(uart.size(), 4u);
    // Independent of the host: the chain's format, driver enable and cable (2 m at 5 ns/m).
    const double start_s = 0.5 + 20e-6 + 2.0 * 5e-9;
    const std::string sent = "~AB\r";
    for (std::size_t i = 0; i < 4; ++i) {
        const auto f = fields(uart[i]);
        EXPECT_EQ(f.at("port"), "0");
        EXPECT_EQ(f.at("byte"), std::to_string(static_cast<unsigned char>(sent[i])));
        const double end_s = start_s + static_cast<double>(i + 1) * 10.0 / 9600.0;
        EXPECT_NEAR(static_cast<double>(std::stoull(f.at("t"))), end_s * 1e9, 1.0) << i;
        // Delivered at the frame's end (the chain hands over whole frames).
        EXPECT_NEAR(static_cast<double>(std::stoull(f.at("now"))), (start_s + 4 * 10.0 / 9600.0) * 1e9, 1.0);
    }
    // The answer written on CR goes out as one transmission, heard by the peer.
    ASSERT_EQ(b.peer.received.size(), 1u);
    EXPECT_EQ(b.peer.received[0].chars, "~OK\r");
    EXPECT_EQ(b.peer.received[0].sender, "m0");
}

TEST(firmware_bms, can_frames_arrive_stamped_with_their_end_of_frame) {
    bench b(fwtest::fw_config(FW_PROBE_PATH, 0, 3));
    b.inverter.schedule = {{0.3, proto::make_can_frame(0x305, {1, 2, 3, 4, 5, 6, 7, 8})}};
    sc_core::sc_start(sc_time(0.5, SC_SEC));
    const auto can = b.events.messages("can");
    ASSERT_EQ(can.size(), 1u);
    ASSERT_EQ(b.inverter.sent.size(), 1u);
    const auto f = fields(can[0]);
    EXPECT_EQ(f.at("id"), std::to_string(0x305));
    EXPECT_EQ(f.at("dlc"), "8");
    EXPECT_NEAR(static_cast<double>(std::stoull(f.at("t"))), b.inverter.sent[0].t_s * 1e9, 1.0);
    EXPECT_EQ(f.at("t"), f.at("now"));
    // The firmware's own frame (timer 0) reached the inverter.
    ASSERT_FALSE(b.inverter.received.empty());
    EXPECT_EQ(b.inverter.received[0].frame.id, 0x123u);
    EXPECT_EQ(b.inverter.received[0].frame.dlc, 3u);
}

TEST(firmware_bms, nv_survives_a_power_cycle_and_ram_does_not) {
    const auto dir = std::filesystem::temp_directory_path() / ("stacksim_fw_nv_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    auto cfg = fwtest::fw_config(FW_PROBE_PATH, 0, 3);
    cfg.firmware.nv_file = (dir / "m0.nv").string();
    bench b(cfg);
    at_time driver("driver", {{0.4, [&] { b.m0.bms->set_powered(false); }}, {0.6, [&] { b.m0.bms->set_powered(true); }}});
    sc_core::sc_start(sc_time(1.0, SC_SEC));
    const auto boot = b.events.messages("boot");
    ASSERT_EQ(boot.size(), 2u);
    EXPECT_EQ(boot[0], "boots=1 power_ons=1 nv_size=4096 write=0");
    EXPECT_EQ(boot[1], "boots=2 power_ons=1 nv_size=4096 write=0"); // a fresh instance, the NV kept
    const auto off = b.events.of_kind("power_off");
    ASSERT_EQ(off.size(), 1u);
    EXPECT_DOUBLE_EQ(off[0].t_s, 0.4);
    for (const auto& e : b.events.of_kind("timer"))
        EXPECT_FALSE(e.t_s > 0.4 && e.t_s < 0.6) << "a timer ran while the module was off, at " << e.t_s;
    std::ifstream in(cfg.firmware.nv_file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(bytes.size(), 4096u);
    EXPECT_EQ(bytes[0], 2);
    EXPECT_EQ(bytes[1], 0);
    EXPECT_EQ(static_cast<unsigned char>(bytes[4]), 0xFFu); // erased
    std::filesystem::remove_all(dir);
}

TEST(firmware_bms, run_button_and_alert_reach_the_firmware_and_the_switch_needs_both_contactor_and_fets) {
    bench b(fwtest::fw_config(FW_PROBE_PATH, 0, 3));
    sc_core::sc_event alert_ev;
    bool alert = false;
    b.m0.bms->connect_alert(alert_ev, [&] { return alert; });
    at_time driver("driver", {{0.2, [&] { EXPECT_EQ(b.m0.bms->run_button(0.5), "pressed"); }},
                              {0.3, [&] { alert = true; alert_ev.notify(); }},
                              {0.8, [&] { b.m0.bms->afe_plant().set_switch(true); }}});
    sc_core::sc_start(sc_time(0.9, SC_SEC));
    const auto gpio = b.events.messages("gpio");
    ASSERT_EQ(gpio.size(), 3u);
    EXPECT_EQ(gpio[0], "pin=16 level=1 now=200000000");
    EXPECT_EQ(gpio[1], "pin=17 level=1 now=300000000");
    EXPECT_EQ(gpio[2], "pin=16 level=0 now=700000000");
    EXPECT_EQ(b.m0.bms->output(STACKSIM_FW_GPIO_CONTACTOR), 1);
    // Opened at power-on; the contactor alone (0.2 s) leaves it open; closed when the FETs agree.
    const auto& sw = b.m0.cells.switch_calls;
    ASSERT_EQ(sw.size(), 2u);
    EXPECT_FALSE(sw[0].second);
    EXPECT_DOUBLE_EQ(sw[1].first, 0.8);
    EXPECT_TRUE(sw[1].second);
    ASSERT_FALSE(b.m0.cells.precharge_calls.empty());
    EXPECT_TRUE(b.m0.cells.precharge_calls.back().second);
}

TEST(firmware_bms, inprocess_instances_each_have_their_own_globals) {
    fwtest::recording_sink events;
    bus::rs485_chain chain("rs485", chain_config(), 1);
    bus::can_bus can("can", 500000.0);
    fwtest::fw_module m0("m0", fwtest::fw_config(FW_PROBE_PATH, 0, 2, "inprocess"), events);
    fwtest::fw_module m1("m1", fwtest::fw_config(FW_PROBE_PATH, 1, 2, "inprocess"), events);
    m0.bms->rs485_port().bind(chain.rs485_rx);
    m1.bms->rs485_port().bind(chain.rs485_rx);
    m0.bms->can_port()->bind(can.can_rx);
    EXPECT_EQ(m1.bms->can_port(), nullptr); // a sub has no CAN port
    sc_core::sc_start(sc_time(0.3, SC_SEC));
    const auto boot = events.of_kind("boot");
    ASSERT_EQ(boot.size(), 2u);
    for (const auto& e : boot)
        EXPECT_EQ(e.details.at("message"), "boots=1 power_ons=1 nv_size=4096 write=0") << e.source;
    const auto timers = events.messages("timer");
    ASSERT_EQ(timers.size(), 2u);
    EXPECT_EQ(timers[0], "id=1 now=250000000");
    // The sub sends no CAN: can_send answers ERR_ABSENT... the probe only sends on the master.
    EXPECT_EQ(events.messages("can_sent").size(), 1u);
}

namespace {

void expect_failure(const char* path, const std::string& what) {
    auto cfg = fwtest::fw_config(path, 1, 3); // a sub: m1
    cfg.firmware.watchdog_s = 0.3;
    fwtest::recording_sink events;
    bus::rs485_chain chain("rs485", chain_config(), 1);
    fwtest::fw_module m1("m1", cfg, events);
    m1.bms->rs485_port().bind(chain.rs485_rx);
    sc_core::sc_start(sc_time(5.0, SC_SEC));
    // The module stopped the kernel at the failing instant.
    EXPECT_EQ(sc_core::sc_get_status(), sc_core::SC_STOPPED);
    EXPECT_NEAR(sc_core::sc_time_stamp().to_seconds(), 0.1 + 1e-4, 1e-4);
    ASSERT_NE(m1.bms->failure(), nullptr);
    EXPECT_EQ(*m1.bms->failure(),
              "m1 firmware " + what + " at t = 0.100 s during on_timer(0); last host call: i2c_write_read");
    const auto logged = events.of_kind("firmware_failure");
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_EQ(logged[0].details.at("message"), *m1.bms->failure());
}

} // namespace

TEST(firmware_bms, null_dereference_ends_the_run_with_module_time_callback_and_last_host_call) {
    expect_failure(FW_CRASH_PATH, "crashed (SIGSEGV)");
}

TEST(firmware_bms, endless_loop_is_caught_by_the_watchdog) { expect_failure(FW_HANG_PATH, "hung (no return within 0.3 s of wall time)"); }

TEST(firmware_bms, failed_assert_ends_the_run) { expect_failure(FW_ABORT_PATH, "aborted (SIGABRT)"); }

// Loading (the child starting, the dynamic loader) runs no firmware code but static constructors:
// a watchdog shorter than any process start must not fail it (it gets at least 10 s).
TEST(firmware_bms, loading_is_not_held_to_a_short_watchdog) {
    auto cfg = fwtest::fw_config(FW_PROBE_PATH, 1, 3);
    cfg.firmware.watchdog_s = 1e-6;
    fwtest::recording_sink events;
    try {
        fwtest::fw_module m1("m1", cfg, events);
        EXPECT_EQ(m1.bms->failure(), nullptr);
    } catch (const std::exception& e) {
        FAIL() << "loading failed: " << e.what();
    }
}

TEST(firmware_bms, a_library_that_is_not_a_firmware_is_refused_at_load) {
    fwtest::recording_sink events;
    try {
        fwtest::fw_module m1("m1", fwtest::fw_config("/nonexistent/libfw.so", 1, 3), events);
        FAIL() << "loaded a library that does not exist";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/libfw.so"), std::string::npos) << e.what();
    }
}
