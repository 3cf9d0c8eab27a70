// BMS protection bench: one module's AFE + BMS on a scripted plant (cell voltages, temperatures,
// current and module voltage set by the test). Each protection must trip after its configured
// delay (+-1 measurement period), isolate the module (switch open) within 3 s, stay tripped
// inside its hysteresis band and recover once back beyond its clear threshold for its clear
// delay. Expected times are computed from the protections of models/params/module_4k4pro.yaml
// (read by load_module_params) and the 100 ms measurement period.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/module_params.h"
#include "bms_bench.h"
#include "numeric/units.h"
#include "sc_testing.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using namespace stacksim::models;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

constexpr double period_s = 0.1;

struct bench {
    sctest::recorder ev;
    sctest::scripted_plant plant{"plant"};
    afe front{"afe", sctest::quiet_afe()};
    bms ctl;
    bus::rs485_chain chain{"chain", bus::rs485_chain_config{}, 1}; // a chain of one (silent)
    explicit bench(const bms_config& cfg) : ctl("bms", cfg, sctest::quiet_afe(), ev) {
        front.plant.bind(plant);
        ctl.afe_out.bind(front.bus_in);
        ctl.rs485.bind(chain.rs485_rx);
    }
    void run_to(double t_s) { sc_core::sc_start(sc_time(t_s - sctest::now_s(), SC_SEC)); }
    // Time the switch last opened at or after t_s.
    std::optional<double> switch_opened(double after_s) const {
        for (const auto& [t, closed] : plant.switch_log)
            if (t >= after_s && !closed)
                return t;
        return std::nullopt;
    }
};

bms_config default_bms() {
    bms_config c = sctest::file_bms();
    c.measure_period_s = period_s;
    c.initial_soc = 0.5;
    return c;
}

const protection_pair& level(prot_channel c) {
    static const protection_config defaults = load_module_params(default_module_params_path()).bms.protection;
    return defaults[c];
}

// A protection scenario: put the plant beyond the protection threshold, then into the
// hysteresis band (between clear and set: must stay tripped), then back beyond clear.
struct case_def {
    prot_channel channel;
    bool isolates;
    std::function<void(sctest::scripted_plant&)> beyond, band, back;
};

void check_trip_and_recover(const case_def& c) {
    bench b(default_bms());
    const std::string ch = prot_channel_name(c.channel);
    const auto& lv = level(c.channel).protection;
    b.run_to(1.05);
    ASSERT_TRUE(b.plant.sw) << "the BMS closes its switch at start-up";
    const double t0 = 1.05; // mid-period: the condition first shows at the 1.1 s sample
    c.beyond(b.plant);
    b.run_to(t0 + lv.delay_s + 3.0);
    const auto trip = b.ev.first("protection", ch, "trip");
    ASSERT_TRUE(trip) << ch << " never tripped";
    EXPECT_NEAR(*trip, t0 + lv.delay_s, period_s) << ch;
    EXPECT_EQ(b.ctl.report().protection_bits, bms::flag(c.channel)) << ch << ": only this protection";
    if (c.isolates) {
        const auto open = b.switch_opened(t0);
        ASSERT_TRUE(open) << ch << ": the module must isolate itself";
        EXPECT_LE(*open - t0, 3.0) << ch << ": isolation within 3 s";
        EXPECT_FALSE(b.plant.sw);
        EXPECT_EQ(b.ctl.report().ccl_a, 0.0);
        EXPECT_EQ(b.ctl.report().dcl_a, 0.0);
    } else {
        EXPECT_TRUE(b.plant.sw) << ch << ": refuses charge only, stays connected";
        EXPECT_EQ(b.ctl.report().ccl_a, 0.0);
        EXPECT_FALSE(b.ctl.report().charge_enable);
    }
    // In the hysteresis band for longer than the clear delay: still tripped.
    const double t1 = sctest::now_s();
    c.band(b.plant);
    b.run_to(t1 + lv.clear_delay_s + 2.0);
    EXPECT_FALSE(b.ev.first("protection", ch, "recover")) << ch << " recovered inside its hysteresis band";
    // Back beyond the clear threshold: recovers after the clear delay, switch recloses.
    const double t2 = sctest::now_s() + 0.05;
    b.run_to(t2);
    c.back(b.plant);
    b.run_to(t2 + lv.clear_delay_s + 1.0);
    const auto rec = b.ev.first("protection", ch, "recover");
    ASSERT_TRUE(rec) << ch << " never recovered";
    EXPECT_NEAR(*rec, t2 + lv.clear_delay_s, period_s) << ch;
    EXPECT_EQ(b.ctl.report().protection_bits, 0u);
    EXPECT_TRUE(b.plant.sw) << ch << ": switch closed again after recovery";
}

void set_cell(sctest::scripted_plant& p, double v) { p.cell_v[5] = v; }

} // namespace

// Cell OV: set 3.65 V / 1 s, clear 3.40 V / 1 s. Band 3.50 V.
TEST(bms_protection, cell_over_voltage) {
    check_trip_and_recover({prot_channel::cell_ov, true, [](auto& p) { set_cell(p, 3.70); },
                            [](auto& p) { set_cell(p, 3.50); }, [](auto& p) { set_cell(p, 3.30); }});
}

// Cell UV: set 2.50 V / 1 s, clear 2.90 V / 1 s. Band 2.85 V. One cell at 2.45 V, the others at
// 2.55 V: the stack is 40.7 V, above the 40.0 V module UV protection, and the spread (0.10 V)
// stays below the imbalance warning, so cell UV is the only protection.
TEST(bms_protection, cell_under_voltage) {
    check_trip_and_recover({prot_channel::cell_uv, true,
                            [](auto& p) { p.cell_v.assign(16, 2.55), set_cell(p, 2.45); },
                            [](auto& p) { p.cell_v.assign(16, 2.85); }, [](auto& p) { p.cell_v.assign(16, 3.20); }});
}

// Module OV / UV judge the module's own stack (the sum of its 16 cells), never the terminal
// voltage behind the switch. Module UV: 40.0 V / 1 s, clear 46.4 V / 1 s. With the defaults
// (16 x 2.50 V, 16 x 3.65 V) a module limit is never crossed without a cell limit, so the cell
// protection trips too; the terminal reads a healthy 52.8 V bus throughout.
static void check_module_level(prot_channel module_ch, prot_channel cell_ch, double beyond_cell_v,
                               double band_cell_v) {
    bench b(default_bms());
    const std::string ch = prot_channel_name(module_ch);
    const auto& lv = level(module_ch).protection;
    b.plant.module_v_override = 52.8;
    b.run_to(1.05);
    ASSERT_TRUE(b.plant.sw);
    b.plant.cell_v.assign(16, beyond_cell_v);
    b.run_to(1.05 + lv.delay_s + 3.0);
    const auto trip = b.ev.first("protection", ch, "trip");
    ASSERT_TRUE(trip) << ch << " must trip on the cells' sum, " << 16 * beyond_cell_v << " V";
    EXPECT_NEAR(*trip, 1.05 + lv.delay_s, period_s);
    for (const auto& e : b.ev.events) {
        if (e.kind == "protection" && e.details.value("channel", "") == ch) {
            EXPECT_NEAR(e.details.at("value").get<double>(), 16 * beyond_cell_v, 1e-6)
                << "the value judged is the stack of cells, not the 52.8 V terminal";
        }
    }
    EXPECT_EQ(b.ctl.report().protection_bits, bms::flag(module_ch) | bms::flag(cell_ch));
    EXPECT_FALSE(b.plant.sw);
    // 16 x band_cell_v is inside the module channel's hysteresis band: it stays tripped.
    const double t1 = sctest::now_s();
    b.plant.cell_v.assign(16, band_cell_v);
    b.run_to(t1 + lv.clear_delay_s + 2.0);
    EXPECT_FALSE(b.ev.first("protection", ch, "recover")) << ch << " recovered inside its band";
    EXPECT_TRUE(b.ctl.report().protection_bits & bms::flag(module_ch));
    const double t2 = sctest::now_s() + 0.05;
    b.run_to(t2);
    b.plant.cell_v.assign(16, 3.30);
    b.run_to(t2 + lv.clear_delay_s + 2.0);
    const auto rec = b.ev.first("protection", ch, "recover");
    ASSERT_TRUE(rec);
    EXPECT_NEAR(*rec, t2 + lv.clear_delay_s, period_s);
    EXPECT_EQ(b.ctl.report().protection_bits, 0u);
    EXPECT_TRUE(b.plant.sw);
}

TEST(bms_protection, module_over_voltage) {
    // 16 x 3.70 = 59.2 V >= 58.4 V; band 16 x 3.55 = 56.8 V > 56.0 V clear (cell OV clears at 3.40).
    check_module_level(prot_channel::module_ov, prot_channel::cell_ov, 3.70, 3.55);
}

TEST(bms_protection, module_under_voltage) {
    // 16 x 2.45 = 39.2 V <= 40.0 V; band 16 x 2.85 = 45.6 V < 46.4 V clear (cell UV clears at 2.90).
    check_module_level(prot_channel::module_uv, prot_channel::cell_uv, 2.45, 2.85);
}

// Behind an open switch the terminals show whatever the bus is: 0 V on a dead bus, or a
// charger's 59 V. Healthy cells (16 x 3.30 V = 52.8 V) must trip neither module UV nor module
// OV, at warning or protection level (scenarios/library/master_shutdown.yaml: subs opened on a
// dead bus latched module_uv at 0.0 V).
TEST(bms_protection, module_voltage_ignores_the_terminal_behind_an_open_switch) {
    bench b(default_bms());
    b.run_to(1.05);
    b.ctl.request_switch(false);
    b.run_to(2.05);
    ASSERT_FALSE(b.plant.sw);
    b.plant.module_v_override = 0.0; // dead bus
    b.run_to(10.0);
    b.plant.module_v_override = 59.0; // a charger on the bus
    b.run_to(20.0);
    for (const auto& e : b.ev.events)
        EXPECT_FALSE(e.kind == "protection" || e.kind == "warning")
            << e.kind << " " << e.details.dump() << " at " << e.t_s << " s with healthy cells";
    EXPECT_EQ(b.ctl.report().protection_bits, 0u);
    EXPECT_EQ(b.ctl.report().warning_bits, 0u);
    b.ctl.request_switch(true);
    b.plant.module_v_override = -1;
    b.run_to(22.0);
    EXPECT_TRUE(b.plant.sw) << "nothing latched: the switch closes again on request";
}

// Charge OT: 55 degC / 2 s, clear 50 degC / 5 s: refuses charge, stays connected.
// (57 degC is below the 60 degC discharge OT protection; the warnings are separate bits.)
TEST(bms_protection, charge_over_temperature) {
    check_trip_and_recover({prot_channel::charge_ot, false, [](auto& p) { p.set_temp_c(57.0); },
                            [](auto& p) { p.set_temp_c(52.0); }, [](auto& p) { p.set_temp_c(30.0); }});
}

// Charge UT: 0 degC / 2 s, clear 5 degC / 5 s.
TEST(bms_protection, charge_under_temperature) {
    check_trip_and_recover({prot_channel::charge_ut, false, [](auto& p) { p.set_temp_c(-3.0); },
                            [](auto& p) { p.set_temp_c(3.0); }, [](auto& p) { p.set_temp_c(20.0); }});
}

// Discharge OT: 60 degC / 2 s, clear 55 degC / 5 s; above the charge OT too, so check it alone
// by a separate expectation: both bits set.
TEST(bms_protection, discharge_over_temperature) {
    bench b(default_bms());
    b.run_to(1.05);
    b.plant.set_temp_c(62.0);
    b.run_to(5.0);
    const auto trip = b.ev.first("protection", "discharge_ot", "trip");
    ASSERT_TRUE(trip);
    EXPECT_NEAR(*trip, 1.05 + level(prot_channel::discharge_ot).protection.delay_s, period_s);
    EXPECT_EQ(b.ctl.report().protection_bits, bms::flag(prot_channel::discharge_ot) | bms::flag(prot_channel::charge_ot));
    ASSERT_TRUE(b.switch_opened(1.05));
    EXPECT_LE(*b.switch_opened(1.05) - 1.05, 3.0);
    b.plant.set_temp_c(57.0); // band of discharge OT (clear 55): stays
    b.run_to(12.0);
    EXPECT_FALSE(b.ev.first("protection", "discharge_ot", "recover"));
    b.run_to(12.05);
    b.plant.set_temp_c(30.0);
    b.run_to(20.0);
    const auto rec = b.ev.first("protection", "discharge_ot", "recover");
    ASSERT_TRUE(rec);
    EXPECT_NEAR(*rec, 12.05 + level(prot_channel::discharge_ot).protection.clear_delay_s, period_s);
    EXPECT_TRUE(b.plant.sw);
}

// Discharge UT: -20 degC / 2 s, clear -15 degC / 5 s (charge UT trips too: both bits).
TEST(bms_protection, discharge_under_temperature) {
    bench b(default_bms());
    b.run_to(1.05);
    b.plant.set_temp_c(-22.0);
    b.run_to(5.0);
    const auto trip = b.ev.first("protection", "discharge_ut", "trip");
    ASSERT_TRUE(trip);
    EXPECT_NEAR(*trip, 1.05 + level(prot_channel::discharge_ut).protection.delay_s, period_s);
    EXPECT_FALSE(b.plant.sw);
    b.plant.set_temp_c(-17.0); // band
    b.run_to(12.0);
    EXPECT_FALSE(b.ev.first("protection", "discharge_ut", "recover"));
    b.run_to(12.05);
    b.plant.set_temp_c(-10.0);
    b.run_to(20.0);
    const auto rec = b.ev.first("protection", "discharge_ut", "recover");
    ASSERT_TRUE(rec);
    EXPECT_NEAR(*rec, 12.05 + level(prot_channel::discharge_ut).protection.clear_delay_s, period_s);
    EXPECT_TRUE(b.plant.sw) << "discharge allowed again; charge still refused below 5 degC";
    EXPECT_EQ(b.ctl.report().ccl_a, 0.0);
}

// Imbalance: 0.50 V spread / 5 s, clear 0.20 V / 5 s. Band 0.30 V.
TEST(bms_protection, cell_imbalance) {
    check_trip_and_recover({prot_channel::imbalance, true, [](auto& p) { set_cell(p, 3.30 - 0.55); },
                            [](auto& p) { set_cell(p, 3.30 - 0.30); }, [](auto& p) { set_cell(p, 3.28); }});
}

// Sensor: an open sense wire (AFE REG_OPEN_WIRE) for 2 s isolates; repaired, clears after 5 s.
TEST(bms_protection, open_sense_wire) {
    bench b(default_bms());
    b.run_to(1.05);
    b.front.set_open_wire(3, true);
    b.run_to(5.0);
    const auto trip = b.ev.first("protection", "sensor", "trip");
    ASSERT_TRUE(trip);
    EXPECT_NEAR(*trip, 1.05 + level(prot_channel::sensor).protection.delay_s, period_s);
    EXPECT_EQ(b.ctl.report().protection_bits, bms::flag(prot_channel::sensor))
        << "the open wire's bogus cell readings (0 V, 6.6 V) must not trip the cell protections";
    EXPECT_FALSE(b.plant.sw);
    b.run_to(5.05);
    b.front.set_open_wire(3, false);
    b.run_to(12.0);
    const auto rec = b.ev.first("protection", "sensor", "recover");
    ASSERT_TRUE(rec);
    EXPECT_NEAR(*rec, 5.05 + level(prot_channel::sensor).protection.clear_delay_s, period_s);
    EXPECT_TRUE(b.plant.sw);
}

// Sensor: one NTC reading out of its plausible range (-40..120 degC) is a sensor fault, and its
// reading is kept out of the temperature protections (no over-temperature trip from it).
TEST(bms_protection, implausible_ntc) {
    bench b(default_bms());
    b.run_to(1.05);
    for (std::size_t k = 0; k < 4; ++k) // NTC 0 sees cells 0..3
        b.plant.temp_k[k] = 150.0 + num::zero_celsius_k;
    b.run_to(5.0);
    EXPECT_TRUE(b.ev.first("protection", "sensor", "trip"));
    EXPECT_EQ(b.ctl.report().protection_bits, bms::flag(prot_channel::sensor));
    EXPECT_EQ(b.ctl.report().sensor_faults, 1u);
}

// Two-level over-current (charge): 57 A is above the 55 A warning (5 s) but below the 60 A
// protection: warning only. 65 A then trips the protection after 1 s; with the switch open the
// current is 0, and the protection clears 30 s later (clear 1 A / 30 s).
TEST(bms_protection, charge_over_current_two_levels) {
    bench b(default_bms());
    const auto& oc = level(prot_channel::charge_oc);
    b.run_to(1.05);
    b.plant.current_a = 57.0;
    b.run_to(10.0);
    const auto warn = b.ev.first("warning", "charge_oc", "trip");
    ASSERT_TRUE(warn);
    EXPECT_NEAR(*warn, 1.05 + oc.warning.delay_s, period_s);
    EXPECT_FALSE(b.ev.first("protection", "charge_oc", "trip"));
    EXPECT_TRUE(b.plant.sw);
    b.run_to(10.05);
    b.plant.current_a = 65.0;
    b.run_to(15.0);
    const auto trip = b.ev.first("protection", "charge_oc", "trip");
    ASSERT_TRUE(trip);
    EXPECT_NEAR(*trip, 10.05 + oc.protection.delay_s, period_s);
    ASSERT_TRUE(b.switch_opened(10.05));
    EXPECT_LE(*b.switch_opened(10.05) - 10.05, 3.0);
    b.plant.current_a = 0.0; // the charger stops
    b.run_to(*trip + oc.protection.clear_delay_s + 1.0);
    const auto rec = b.ev.first("protection", "charge_oc", "recover");
    ASSERT_TRUE(rec);
    // The current is 0 from the first sample after the switch opened (the trip sample itself).
    EXPECT_NEAR(*rec, *trip + oc.protection.clear_delay_s, period_s);
    EXPECT_TRUE(b.plant.sw);
}

TEST(bms_protection, discharge_over_current_two_levels) {
    bench b(default_bms());
    const auto& oc = level(prot_channel::discharge_oc);
    b.run_to(1.05);
    b.plant.current_a = -107.0;
    b.run_to(10.0);
    const auto warn = b.ev.first("warning", "discharge_oc", "trip");
    ASSERT_TRUE(warn);
    EXPECT_NEAR(*warn, 1.05 + oc.warning.delay_s, period_s);
    EXPECT_FALSE(b.ev.first("protection", "discharge_oc", "trip"));
    b.run_to(10.05);
    b.plant.current_a = -130.0;
    b.run_to(15.0);
    const auto trip = b.ev.first("protection", "discharge_oc", "trip");
    ASSERT_TRUE(trip);
    EXPECT_NEAR(*trip, 10.05 + oc.protection.delay_s, period_s);
    EXPECT_FALSE(b.plant.sw);
    b.plant.current_a = 0.0;
    b.run_to(*trip + oc.protection.clear_delay_s + 1.0);
    const auto rec = b.ev.first("protection", "discharge_oc", "recover");
    ASSERT_TRUE(rec);
    EXPECT_NEAR(*rec, *trip + oc.protection.clear_delay_s, period_s);
}

// Short circuit: the AFE's comparator opens the switch exactly sc_delay_s (200 us) after the
// current crosses 500 A, independent of the 100 ms measurement loop; a 150 us pulse does not trip.
TEST(bms_protection, short_circuit_trips_after_200_us) {
    bench b(default_bms());
    b.run_to(1.0503);
    b.plant.current_a = -800.0; // a 150 us pulse: shorter than the delay
    b.front.current_changed();
    b.run_to(1.0503 + 150e-6);
    b.plant.current_a = 0.0;
    b.front.current_changed();
    b.run_to(2.0);
    EXPECT_TRUE(b.plant.sw) << "a pulse shorter than the comparator delay must not trip";
    EXPECT_FALSE(b.front.short_circuit_latched());

    const double t0 = 2.0503;
    b.run_to(t0);
    b.plant.current_a = -800.0;
    b.front.current_changed();
    b.run_to(t0 + 0.5);
    const auto open = b.switch_opened(t0);
    ASSERT_TRUE(open);
    EXPECT_NEAR(*open - t0, 200e-6, 2e-12) << "opens exactly sc_delay_s after the crossing";
    EXPECT_TRUE(b.front.short_circuit_latched());
    const auto seen = b.ev.first("protection", "short_circuit", "trip");
    ASSERT_TRUE(seen);
    EXPECT_LE(*seen - t0, period_s + 3e-3) << "the BMS reports it at its next measurement";
    // Recovery: the BMS re-arms the comparator and recloses after short_circuit_recover_s.
    b.plant.current_a = 0.0;
    const double recover_s = load_module_params(default_module_params_path()).bms.protection.short_circuit_recover_s;
    b.run_to(*seen + recover_s + 1.0);
    const auto rec = b.ev.first("protection", "short_circuit", "recover");
    ASSERT_TRUE(rec);
    EXPECT_NEAR(*rec, *seen + recover_s, period_s);
    EXPECT_FALSE(b.front.short_circuit_latched());
    EXPECT_TRUE(b.plant.sw);
}

// Over-current lock-out. A module paralleled into a bus it cannot match takes the same
// over-current each time it recloses: here 130 A of charge flows whenever the switch is closed.
// Hand timeline with the defaults (charge_oc: trip after 1 s, recover 30 s after the current
// stopped; the BMS recloses at the recovering measurement): current from 1.05 s -> trips at
// 2.05, 33.05, 64.05 s. The third trip within oc_lockout_window_s (300 s) reaches
// oc_lockout_trips (3): the module locks out and stays open past every recovery delay.
namespace {
std::vector<double> trip_times(const sctest::recorder& ev) {
    std::vector<double> t;
    for (const auto& e : ev.events)
        if (e.kind == "protection" && e.details.value("channel", "") == "charge_oc" &&
            e.details.value("state", "") == "trip")
            t.push_back(e.t_s);
    return t;
}
std::vector<sctest::recorded_event> lockout_events(const sctest::recorder& ev) {
    std::vector<sctest::recorded_event> out;
    for (const auto& e : ev.events)
        if (e.kind == "lockout")
            out.push_back(e);
    return out;
}
} // namespace

TEST(bms_lockout, three_over_current_trips_within_the_window_lock_the_module_out) {
    const protection_config defaults = load_module_params(default_module_params_path()).bms.protection;
    ASSERT_EQ(defaults.oc_lockout_trips, 3u);
    ASSERT_DOUBLE_EQ(defaults.oc_lockout_window_s, 300.0);
    bench b(default_bms());
    b.run_to(1.05);
    b.plant.current_a = 130.0;
    b.run_to(300.0);
    const auto trips = trip_times(b.ev);
    ASSERT_EQ(trips.size(), 3u) << "no fourth reclose after the lock-out";
    EXPECT_NEAR(trips[0], 2.05, period_s);
    EXPECT_NEAR(trips[1], 33.05, 2 * period_s);
    EXPECT_NEAR(trips[2], 64.05, 3 * period_s);
    const auto lo = lockout_events(b.ev);
    ASSERT_EQ(lo.size(), 1u);
    EXPECT_NEAR(lo[0].t_s, trips[2], 1e-9) << "locked at the third trip";
    EXPECT_EQ(lo[0].details.value("state", ""), "set");
    EXPECT_EQ(lo[0].details.value("trips", 0), 3);
    EXPECT_NE(lo[0].details.value("reason", "").find("charge_oc"), std::string::npos) << lo[0].details.dump();
    EXPECT_FALSE(b.plant.sw) << "locked out: the switch stays open";
    EXPECT_TRUE(b.ctl.report().locked_out);
    EXPECT_TRUE(b.ctl.report().protection);
    EXPECT_TRUE(b.ctl.report().protection_bits & bms::prot_lockout);
    EXPECT_EQ(b.ctl.report().ccl_a, 0.0);
    EXPECT_EQ(b.ctl.report().dcl_a, 0.0);
    // Manual reset: the RUN button. The fault is gone (no current source): the module recloses.
    b.plant.current_a = 0.0;
    b.ctl.run_button();
    b.run_to(300.5);
    const auto lo2 = lockout_events(b.ev);
    ASSERT_EQ(lo2.size(), 2u);
    EXPECT_EQ(lo2[1].details.value("state", ""), "cleared");
    EXPECT_EQ(lo2[1].details.value("reason", ""), "run_button");
    EXPECT_LE(lo2[1].t_s - 300.0, period_s) << "cleared at the next measurement";
    EXPECT_FALSE(b.ctl.report().locked_out);
    EXPECT_EQ(b.ctl.report().protection_bits, 0u);
    EXPECT_TRUE(b.plant.sw) << "closed again after the manual reset";
}

TEST(bms_lockout, clears_by_itself_after_the_timeout) {
    const double timeout_s = load_module_params(default_module_params_path()).bms.protection.oc_lockout_timeout_s;
    ASSERT_DOUBLE_EQ(timeout_s, 3600.0);
    bench b(default_bms());
    b.run_to(1.05);
    b.plant.current_a = 130.0;
    b.run_to(100.0);
    const auto lo = lockout_events(b.ev);
    ASSERT_EQ(lo.size(), 1u);
    b.plant.current_a = 0.0;
    b.run_to(lo[0].t_s + timeout_s - 1.0);
    EXPECT_FALSE(b.plant.sw) << "still locked 1 s before the timeout";
    b.run_to(lo[0].t_s + timeout_s + 1.0);
    const auto lo2 = lockout_events(b.ev);
    ASSERT_EQ(lo2.size(), 2u);
    EXPECT_EQ(lo2[1].details.value("reason", ""), "timeout");
    EXPECT_NEAR(lo2[1].t_s, lo[0].t_s + timeout_s, period_s);
    EXPECT_TRUE(b.plant.sw);
}

// The same 31 s trip cycle with a 50 s window: at each trip at most two trips lie within the
// window (2.05 + 62 s > 50 s), so the module never locks out and keeps cycling.
TEST(bms_lockout, trips_further_apart_than_the_window_do_not_lock_out) {
    bms_config cfg = default_bms();
    cfg.protection.oc_lockout_window_s = 50.0;
    bench b(cfg);
    b.run_to(1.05);
    b.plant.current_a = 130.0;
    b.run_to(200.0);
    EXPECT_GE(trip_times(b.ev).size(), 6u);
    EXPECT_TRUE(lockout_events(b.ev).empty());
    EXPECT_FALSE(b.ctl.report().locked_out);
}

// Discharge over-current counts the same (and a RUN press with no lock-out changes nothing).
TEST(bms_lockout, discharge_over_current_counts_too) {
    bench b(default_bms());
    b.run_to(1.0);
    b.ctl.run_button();
    b.run_to(1.05);
    EXPECT_TRUE(lockout_events(b.ev).empty());
    b.plant.current_a = -150.0;
    b.run_to(100.0);
    const auto lo = lockout_events(b.ev);
    ASSERT_EQ(lo.size(), 1u);
    EXPECT_NE(lo[0].details.value("reason", "").find("discharge_oc"), std::string::npos) << lo[0].details.dump();
    EXPECT_FALSE(b.plant.sw);
}

// A power cycle (switch the BMS off and on, e.g. the RUN button's 5 s off press and 2 s on
// press) is a restart: the lock-out is volatile and clears with it.
TEST(bms_lockout, a_power_cycle_clears_it) {
    bench b(default_bms());
    b.run_to(1.05);
    b.plant.current_a = 130.0;
    b.run_to(100.0);
    ASSERT_TRUE(b.ctl.report().locked_out);
    b.plant.current_a = 0.0;
    b.ctl.set_powered(false);
    b.run_to(110.0);
    EXPECT_TRUE(b.ctl.report().locked_out) << "off: nothing is measured, nothing changes";
    b.ctl.set_powered(true);
    b.run_to(110.5);
    const auto lo = lockout_events(b.ev);
    ASSERT_EQ(lo.size(), 2u);
    EXPECT_EQ(lo[1].details.value("reason", ""), "power_cycle");
    EXPECT_FALSE(b.ctl.report().locked_out);
    EXPECT_TRUE(b.plant.sw);
}

// Cold: CCL derates linearly from 50 A at 10 degC to 0 at 2 degC (before the 0 degC charge
// limit); below 0 degC the charge_ut protection refuses charge, discharge stays allowed.
TEST(bms_limits, cold_charge_refused_and_ccl_zero_before_the_limit) {
    bench b(default_bms());
    const limit_config l = load_module_params(default_module_params_path()).bms.limits;
    struct point { double t_c, ccl_a; };
    // Hand computation: ccl = 50 A x (t - 2) / (10 - 2), clamped to [0, 50].
    const std::vector<point> pts{{15.0, 50.0}, {10.0, 50.0}, {6.0, 25.0}, {4.0, 12.5}, {2.0, 0.0}, {1.0, 0.0}};
    double t = 1.0;
    for (const auto& p : pts) {
        b.plant.set_temp_c(p.t_c);
        t += 1.0;
        b.run_to(t);
        // NTC quantisation (12 bits, ~0.03 K near 5 degC) -> up to ~0.25 A of CCL at 6.25 A/K.
        EXPECT_NEAR(b.ctl.report().ccl_a, p.ccl_a, 0.3) << "at " << p.t_c << " degC";
        EXPECT_FALSE(b.ev.first("protection", "charge_ut", "trip")) << "no protection yet at " << p.t_c;
    }
    EXPECT_FALSE(b.ctl.report().charge_enable) << "charge refused already at 1 degC (CCL = 0)";
    EXPECT_TRUE(b.ctl.report().discharge_enable);
    b.plant.set_temp_c(-2.0);
    b.run_to(t + 3.0);
    EXPECT_TRUE(b.ev.first("protection", "charge_ut", "trip"));
    EXPECT_EQ(b.ctl.report().ccl_a, 0.0);
    EXPECT_FALSE(b.ctl.report().charge_enable);
    EXPECT_NEAR(b.ctl.report().dcl_a, l.dcl_a, 1e-9) << "discharge at -2 degC is within its window";
    EXPECT_TRUE(b.plant.sw);
}

// Passive balancing (start 3.40 V, delta 15 mV, hand-picked cells): only cells >= 15 mV above the
// lowest are bled, only when the highest cell is above 3.40 V, not while discharging.
TEST(bms_balancing, bleeds_high_cells_at_the_top_only) {
    bench b(default_bms());
    b.plant.cell_v.assign(16, 3.30);
    b.plant.cell_v[2] = 3.35; // spread 50 mV but below 3.40 V: no balancing on the plateau
    b.run_to(1.0);
    EXPECT_EQ(b.plant.balance, 0u);
    b.plant.cell_v.assign(16, 3.42);
    b.plant.cell_v[2] = 3.45;   // +30 mV -> bleed
    b.plant.cell_v[7] = 3.434;  // +14 mV -> below delta: no
    b.plant.cell_v[9] = 3.436;  // +16 mV -> bleed
    b.run_to(2.0);
    EXPECT_EQ(b.plant.balance, (1u << 2) | (1u << 9));
    EXPECT_EQ(b.ctl.report().balance_mask, (1u << 2) | (1u << 9));
    b.plant.current_a = -20.0; // discharging: bleeding stops
    b.run_to(3.0);
    EXPECT_EQ(b.plant.balance, 0u);
    b.plant.current_a = 10.0; // charging again
    b.run_to(4.0);
    EXPECT_EQ(b.plant.balance, (1u << 2) | (1u << 9));
    b.plant.cell_v.assign(16, 3.42); // balanced
    b.run_to(5.0);
    EXPECT_EQ(b.plant.balance, 0u);
}

// Full-charge recalibration, then SoH from the Ah discharged to a rest-OCV calibration at the
// empty end. Hand computation: charge at 1.5 A (< 2 A tail) with the top cell at 3.54 V
// (>= 3.55 - 0.02) for 30 s -> SoC 100 %. Discharge 50 A for 5997.6 s = 83.3 Ah, rest 1800 s
// with every cell at 3.13 V: SoC = 0.05 + 0.05 x (3.13 - 3.065) / (3.197 - 3.065) = 0.074621;
// capacity = 83.3 / (1 - 0.074621) = 90.02 Ah -> SoH 0.9002.
TEST(bms_soc, full_charge_and_rest_ocv_recalibration_give_soh) {
    bms_config cfg = default_bms();
    cfg.initial_soc = 0.5;
    bench b(cfg);
    const soc_config sc = load_module_params(default_module_params_path()).bms.soc;
    b.plant.cell_v.assign(16, 3.54);
    b.plant.current_a = 1.5;
    b.run_to(20.0);
    EXPECT_NEAR(b.ctl.report().soc, 0.5, 0.01) << "not yet: 30 s at the tail needed";
    b.run_to(40.0);
    EXPECT_DOUBLE_EQ(b.ctl.report().soc, 1.0) << "recalibrated to full (and clamped there while charging)";
    double t_full = -1;
    for (const auto& e : b.ev.events)
        if (e.kind == "soc_recalibrated" && t_full < 0)
            t_full = e.t_s;
    // tail condition from the first measurement (0.002 s; its interval counts 0) + 30 s
    EXPECT_NEAR(t_full, 0.002 + sc.full_time_s + period_s, period_s);
    const double t_dis = 40.05;
    const double dis_s = 5997.6;
    b.run_to(t_dis);
    b.plant.cell_v.assign(16, 3.30);
    b.plant.current_a = -50.0;
    b.run_to(t_dis + dis_s);
    b.plant.cell_v.assign(16, 3.13);
    b.plant.current_a = 0.0;
    b.run_to(t_dis + dis_s + sc.rest_time_s + 1.0);
    const double soc_ocv = 0.05 + 0.05 * (3.13 - 3.065) / (3.197 - 3.065);
    EXPECT_NEAR(b.ctl.report().soc, soc_ocv, 1e-9);
    // net Ah since the full calibration: the 1.5 A charge that went on until t_dis counts too
    const double discharged_ah = 50.0 * dis_s / 3600.0 - 1.5 * (t_dis - t_full) / 3600.0;
    // +-1 measurement period of 50 A at each edge of the discharge: 2 x 50 A x 0.1 s = 0.0028 Ah
    EXPECT_NEAR(b.ctl.report().soh, discharged_ah / (1.0 - soc_ocv) / 100.0, 0.0028 / 100.0 / 0.9 + 1e-9);
    EXPECT_NEAR(b.ctl.report().soh, 0.9002, 1e-3);
    int recal = 0;
    for (const auto& e : b.ev.events)
        recal += e.kind == "soc_recalibrated";
    EXPECT_EQ(recal, 2) << "full_charge, then rest_ocv_low";
}
