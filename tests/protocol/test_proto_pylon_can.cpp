// Battery <-> inverter CAN payloads. Expected bytes are written out by hand from the field
// tables of protocols.md §1.3/§1.4 (little-endian, raw = value / resolution).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/pylon_can.h"

namespace stacksim::proto {
namespace {

std::vector<std::uint8_t> bytes(const can_frame& f) { return std::vector<std::uint8_t>(f.data.begin(), f.data.begin() + f.dlc); }
using B = std::vector<std::uint8_t>;

TEST(proto_pylon_can, spec_example_351) {
    // candump example: 351#0E02E803E8030000 = CVL 0x020E = 526 -> 52.6 V, CCL 0x03E8 = 1000 ->
    // 100.0 A, DCL 100.0 A, DVL 0.
    can_frame f = encode_351({52.6, 100.0, 100.0, 0.0, true}, 8);
    EXPECT_EQ(f.id, 0x351u);
    EXPECT_EQ(bytes(f), (B{0x0E, 0x02, 0xE8, 0x03, 0xE8, 0x03, 0x00, 0x00}));
    // CVL 56.8 V = 568 = 0x0238, CCL 37 A = 370 = 0x0172, DCL 74 A = 740 = 0x02E4, DVL 44.8 V = 448 = 0x01C0.
    f = encode_351({56.8, 37.0, 74.0, 44.8, true}, 8);
    EXPECT_EQ(bytes(f), (B{0x38, 0x02, 0x72, 0x01, 0xE4, 0x02, 0xC0, 0x01}));
    // DLC 6 (Battery-Emulator style): no DVL.
    f = encode_351({56.8, 37.0, 74.0, 44.8, true}, 6);
    EXPECT_EQ(bytes(f), (B{0x38, 0x02, 0x72, 0x01, 0xE4, 0x02}));
    limits_351 l;
    ASSERT_TRUE(decode_351(f, l));
    EXPECT_FALSE(l.dvl_present);
    EXPECT_TRUE(std::isnan(l.dvl_v));
    EXPECT_DOUBLE_EQ(l.ccl_a, 37.0);
}

TEST(proto_pylon_can, soc_355_short_and_hires) {
    // SoC 50 % = 0x0032, SoH 100 % = 0x0064 (Pylontech DLC 4).
    EXPECT_EQ(bytes(encode_355({50, 100, 50, false}, 4)), (B{0x32, 0x00, 0x64, 0x00}));
    // SMA: hi-res 50.25 % = 5025 = 0x13A1.
    EXPECT_EQ(bytes(encode_355({50, 100, 50.25, true}, 8)), (B{0x32, 0x00, 0x64, 0x00, 0xA1, 0x13, 0x00, 0x00}));
    soc_355 s;
    ASSERT_TRUE(decode_355(encode_355({0, 100, 0, true}, 6), s));
    EXPECT_EQ(s.soc_pct, 0);
    EXPECT_EQ(s.soc_hires_pct, 0);
    ASSERT_TRUE(decode_355(encode_355({100, 100, 100, true}, 6), s));
    EXPECT_EQ(s.soc_pct, 100);
    EXPECT_DOUBLE_EQ(s.soc_hires_pct, 100);
    // Round to nearest of the 1 % field, halves away from zero: 50.5 -> 51, 49.49 -> 49.
    EXPECT_EQ(bytes(encode_355({50.5, 49.49, 0, false}, 4)), (B{51, 0, 49, 0}));
}

TEST(proto_pylon_can, measurements_356_negative_current) {
    // 49.42 V = 4942 = 0x134E; -10.0 A (discharging) = -100 = 0xFF9C; 25.0 degC = 250 = 0x00FA.
    const can_frame f = encode_356({49.42, -10.0, 25.0}, 6);
    EXPECT_EQ(bytes(f), (B{0x4E, 0x13, 0x9C, 0xFF, 0xFA, 0x00}));
    measurements_356 m;
    ASSERT_TRUE(decode_356(f, m));
    EXPECT_NEAR(m.voltage_v, 49.42, 1e-9);
    EXPECT_NEAR(m.current_a, -10.0, 1e-9);
    EXPECT_NEAR(m.temp_c, 25.0, 1e-9);
    // Charging +123.4 A = 1234 = 0x04D2; -5.5 degC = -55 = 0xFFC9.
    EXPECT_EQ(bytes(encode_356({0, 123.4, -5.5}, 8)), (B{0, 0, 0xD2, 0x04, 0xC9, 0xFF, 0, 0}));
}

TEST(proto_pylon_can, saturation_and_invalid_markers) {
    // CCL 5000 A -> 50000 > 0x7FFF -> 0x7FFF; DCL -4000 A -> -0x7FFF = 0x8001 (0x8000 is "invalid");
    // CVL -1 V -> 0; DVL 7000 V -> 0xFFFE (0xFFFF is "invalid").
    EXPECT_EQ(bytes(encode_351({-1, 5000, -4000, 7000, true}, 8)), (B{0, 0, 0xFF, 0x7F, 0x01, 0x80, 0xFE, 0xFF}));
    // NaN -> invalid markers, which decode to NaN.
    const double nan = std::nan("");
    const can_frame f = encode_351({nan, nan, 10, nan, true}, 8);
    EXPECT_EQ(bytes(f), (B{0xFF, 0xFF, 0x00, 0x80, 0x64, 0x00, 0xFF, 0xFF}));
    limits_351 l;
    ASSERT_TRUE(decode_351(f, l));
    EXPECT_TRUE(std::isnan(l.cvl_v));
    EXPECT_TRUE(std::isnan(l.ccl_a));
    EXPECT_DOUBLE_EQ(l.dcl_a, 10.0);
    // Temperature far below the s16 range: -5000 degC -> -0x7FFF.
    EXPECT_EQ(bytes(encode_356({0, 0, -5000}, 6)), (B{0, 0, 0, 0, 0x01, 0x80}));
    // Hi-res SoC 700 % -> 70000 > 0xFFFE -> 0xFFFE.
    EXPECT_EQ(bytes(encode_355({0, 0, 700, true}, 6)), (B{0, 0, 0, 0, 0xFE, 0xFF}));
}

TEST(proto_pylon_can, flags_359_every_bit_individually) {
    // protocols.md §1.3 bit map: byte 0 = protection 1, byte 1 = protection 2, byte 2 = alarm 1,
    // byte 3 = alarm 2; then module count, 'P' (0x50), 'N' (0x4E); DLC 7.
    struct one {
        bool battery_conditions::*field;
        unsigned byte_protection, byte_alarm;
        std::uint8_t mask;
    };
    const one map[] = {
        {&battery_conditions::discharge_over_current, 0, 2, 0x80},
        {&battery_conditions::under_temp, 0, 2, 0x10},
        {&battery_conditions::over_temp, 0, 2, 0x08},
        {&battery_conditions::under_voltage, 0, 2, 0x04},
        {&battery_conditions::over_voltage, 0, 2, 0x02},
        {&battery_conditions::system_error, 1, 3, 0x08},
        {&battery_conditions::charge_over_current, 1, 3, 0x01},
    };
    for (const one& m : map) {
        for (int level = 0; level < 2; ++level) {
            flags_359 v;
            v.module_count = 3;
            battery_conditions& target = level == 0 ? v.protection : v.alarm;
            target.*m.field = true;
            const can_frame f = encode_359(v, 7);
            B expect{0, 0, 0, 0, 3, 0x50, 0x4E};
            expect[level == 0 ? m.byte_protection : m.byte_alarm] = m.mask;
            EXPECT_EQ(bytes(f), expect) << "mask " << int(m.mask) << " level " << level;
            flags_359 d;
            ASSERT_TRUE(decode_359(f, d));
            EXPECT_EQ(d.protection, v.protection);
            EXPECT_EQ(d.alarm, v.alarm);
            EXPECT_EQ(d.module_count, 3);
            EXPECT_EQ(d.undefined_bits, 0u);
        }
    }
    // SMA-only conditions do not appear in 0x359.
    flags_359 v;
    v.protection.cell_imbalance = v.protection.short_circuit = v.alarm.contactor = true;
    EXPECT_EQ(bytes(encode_359(v, 7)), (B{0, 0, 0, 0, 1, 0x50, 0x4E}));
    // Undefined bits (the hobby-emitter "system error in bit 7 of byte 1") are reported, not mapped.
    flags_359 d;
    ASSERT_TRUE(decode_359(make_can_frame(0x359, {0, 0x80, 0, 0, 1, 0x50, 0x4E}), d));
    EXPECT_EQ(d.protection, battery_conditions{});
    EXPECT_EQ(d.undefined_bits, 0x8000u);
}

TEST(proto_pylon_can, requests_35c_bits) {
    EXPECT_EQ(bytes(encode_35c({true, true, false, false, false}, 2)), (B{0xC0, 0x00}));
    EXPECT_EQ(bytes(encode_35c({false, true, false, false, false}, 2)), (B{0x40, 0x00}));
    EXPECT_EQ(bytes(encode_35c({true, false, false, false, false}, 2)), (B{0x80, 0x00}));
    EXPECT_EQ(bytes(encode_35c({false, false, true, false, false}, 2)), (B{0x20, 0x00}));
    EXPECT_EQ(bytes(encode_35c({false, false, false, true, false}, 2)), (B{0x10, 0x00}));
    EXPECT_EQ(bytes(encode_35c({false, false, false, false, true}, 8)), (B{0x08, 0, 0, 0, 0, 0, 0, 0}));
    requests_35c r;
    ASSERT_TRUE(decode_35c(make_can_frame(0x35C, {0xE0, 0x00}), r));
    EXPECT_TRUE(r.charge_enable && r.discharge_enable && r.force_charge_1);
    EXPECT_FALSE(r.force_charge_2 || r.full_charge_request);
}

TEST(proto_pylon_can, manufacturer_35e) {
    EXPECT_EQ(bytes(encode_35e("PYLON   ", 8)), (B{0x50, 0x59, 0x4C, 0x4F, 0x4E, 0x20, 0x20, 0x20}));
    EXPECT_EQ(bytes(encode_35e("BYD", 8)), (B{'B', 'Y', 'D', 0, 0, 0, 0, 0}));
    EXPECT_EQ(bytes(encode_35e("PYTES", 5)), (B{'P', 'Y', 'T', 'E', 'S'}));
    std::string m;
    ASSERT_TRUE(decode_35e(encode_35e("BYD", 8), m));
    EXPECT_EQ(m, "BYD");
    ASSERT_TRUE(decode_35e(encode_35e("PYLON   ", 8), m));
    EXPECT_EQ(m, "PYLON   ");
    EXPECT_THROW(encode_35e("TOO LONG NAME", 8), std::invalid_argument);
}

TEST(proto_pylon_can, sma_35a_pairs) {
    // All OK -> every pair 10b -> 0xAA bytes.
    EXPECT_EQ(bytes(encode_35a(sma_alarms_35a{})), B(8, 0xAA));
    // Active high-voltage alarm: pair bits 2-3 of byte 0 = 01b -> 1010 0110 = 0xA6.
    battery_conditions alarm, warning;
    alarm.over_voltage = true;
    EXPECT_EQ(bytes(encode_35a(sma_pairs_from_conditions(alarm, warning))),
              (B{0xA6, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA}));
    // Every event individually, alarm (bytes 0-3) and warning (4-7): byte = 0xAA with pair k = 01.
    struct ev {
        bool battery_conditions::*field;
        unsigned index;  // event number: byte index / 4, pair index % 4
    };
    const ev events[] = {
        {&battery_conditions::general, 0},           {&battery_conditions::over_voltage, 1},
        {&battery_conditions::under_voltage, 2},     {&battery_conditions::over_temp, 3},
        {&battery_conditions::under_temp, 4},        {&battery_conditions::charge_over_temp, 5},
        {&battery_conditions::charge_under_temp, 6}, {&battery_conditions::discharge_over_current, 7},
        {&battery_conditions::charge_over_current, 8}, {&battery_conditions::contactor, 9},
        {&battery_conditions::short_circuit, 10},    {&battery_conditions::system_error, 11},
        {&battery_conditions::cell_imbalance, 12},
    };
    for (const ev& e : events) {
        for (int level = 0; level < 2; ++level) {
            battery_conditions a, w;
            battery_conditions& target = level == 0 ? a : w;
            target.*e.field = true;
            B expect(8, 0xAA);
            const unsigned byte = e.index / 4 + (level == 0 ? 0 : 4), shift = 2 * (e.index % 4);
            expect[byte] = static_cast<std::uint8_t>((0xAA & ~(3u << shift)) | (1u << shift));
            const can_frame f = encode_35a(sma_pairs_from_conditions(a, w));
            EXPECT_EQ(bytes(f), expect) << "event " << e.index << " level " << level;
            sma_alarms_35a p;
            ASSERT_TRUE(decode_35a(f, p));
            battery_conditions da, dw;
            sma_conditions_from_pairs(p, da, dw);
            EXPECT_EQ(da, a);
            EXPECT_EQ(dw, w);
        }
    }
    // Pair codes 00 and 11 are "not supported"/"invalid", never active.
    sma_alarms_35a p;
    ASSERT_TRUE(decode_35a(make_can_frame(0x35A, {0x0F, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA}), p));
    EXPECT_EQ(p.alarm[0], sma_pair::invalid);
    EXPECT_EQ(p.alarm[1], sma_pair::invalid);
    EXPECT_EQ(p.alarm[2], sma_pair::not_supported);
    battery_conditions da, dw;
    sma_conditions_from_pairs(p, da, dw);
    EXPECT_EQ(da, battery_conditions{});
}

TEST(proto_pylon_can, battery_info_35f) {
    // "LF", version 1.2, 100 Ah = 0x0064.
    battery_info_35f v;
    v.version_major = 1, v.version_minor = 2, v.capacity_ah = 100;
    EXPECT_EQ(bytes(encode_35f(v, 8)), (B{'L', 'F', 1, 2, 0x64, 0x00, 0, 0}));
    battery_info_35f d;
    ASSERT_TRUE(decode_35f(encode_35f(v, 8), d));
    EXPECT_EQ(d.chemistry[0], 'L');
    EXPECT_EQ(d.version_minor, 2);
    EXPECT_EQ(d.capacity_ah, 100);
}

battery_can_state sample_state() {
    battery_can_state s;
    s.cvl_v = 56.8, s.ccl_a = 74.0, s.dcl_a = 148.0, s.dvl_v = 44.8;
    s.soc_pct = 67.4, s.soh_pct = 98.0, s.soc_hires_pct = 67.43;
    s.voltage_v = 52.37, s.current_a = -35.6, s.temp_c = 23.4;
    s.protection.over_temp = true;
    s.alarm.charge_over_current = true;
    s.alarm.under_voltage = true;
    s.module_count = 2;
    s.charge_enable = true, s.discharge_enable = true, s.force_charge_2 = true;
    s.bms_version_major = 3, s.bms_version_minor = 1, s.capacity_ah = 172;
    return s;
}

void expect_quantized_equal(const battery_can_state& d, const battery_can_state& s, bool hires, bool enables) {
    EXPECT_NEAR(d.cvl_v, s.cvl_v, 1e-9);
    EXPECT_NEAR(d.ccl_a, s.ccl_a, 1e-9);
    EXPECT_NEAR(d.dcl_a, s.dcl_a, 1e-9);
    EXPECT_NEAR(d.dvl_v, s.dvl_v, 1e-9);
    EXPECT_EQ(d.soc_pct, 67);  // 1 % field
    EXPECT_EQ(d.soh_pct, 98);
    if (hires) {
        EXPECT_NEAR(d.soc_hires_pct, 67.43, 1e-9);
    }
    EXPECT_NEAR(d.voltage_v, 52.37, 1e-9);
    EXPECT_NEAR(d.current_a, -35.6, 1e-9);
    EXPECT_NEAR(d.temp_c, 23.4, 1e-9);
    if (enables) { // 0x35C is only in the Pylontech set
        EXPECT_EQ(d.charge_enable, s.charge_enable);
        EXPECT_EQ(d.discharge_enable, s.discharge_enable);
    }
}

TEST(proto_pylon_can, pylon_v12_set_round_trip) {
    const can_message_set set = pylon_v12_set();
    EXPECT_EQ(validate(set), "");
    const battery_can_state s = sample_state();
    const std::vector<can_frame> frames = encode_message_set(set, s);
    ASSERT_EQ(frames.size(), 6u);
    const std::uint32_t ids[] = {0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E};
    const std::uint8_t dlcs[] = {8, 4, 6, 7, 2, 8};
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(frames[i].id, ids[i]);
        EXPECT_EQ(frames[i].dlc, dlcs[i]);
        EXPECT_FALSE(frames[i].extended);
    }
    // 0x359: protection byte 0 = over-temp 0x08; alarm byte 2 = low voltage 0x04, byte 3 = charge
    // high current 0x01; 2 modules; "PN".
    EXPECT_EQ(bytes(frames[3]), (B{0x08, 0x00, 0x04, 0x01, 0x02, 0x50, 0x4E}));
    EXPECT_EQ(bytes(frames[4]), (B{0xD0, 0x00}));
    battery_can_state d;
    std::string manufacturer;
    for (const can_frame& f : frames)
        EXPECT_TRUE(decode_battery_frame(f, d, &manufacturer)) << f;
    expect_quantized_equal(d, s, false, true);
    EXPECT_EQ(d.protection, s.protection);
    EXPECT_EQ(d.alarm, s.alarm);
    EXPECT_EQ(d.module_count, 2);
    EXPECT_TRUE(d.force_charge_2);
    EXPECT_FALSE(d.force_charge_1 || d.full_charge_request);
    EXPECT_EQ(manufacturer, "PYLON   ");
}

TEST(proto_pylon_can, sma_set_round_trip) {
    const can_message_set set = sma_set();
    EXPECT_EQ(validate(set), "");
    battery_can_state s = sample_state();
    s.protection.cell_imbalance = true;  // SMA-only condition
    s.alarm.contactor = true;
    const std::vector<can_frame> frames = encode_message_set(set, s);
    ASSERT_EQ(frames.size(), 6u);
    const std::uint32_t ids[] = {0x351, 0x355, 0x356, 0x35A, 0x35E, 0x35F};
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(frames[i].id, ids[i]);
        EXPECT_EQ(frames[i].dlc, 8);
    }
    // 0x35A: alarm over-temp (event 3: byte 0 bits 6-7) and cell imbalance (event 12: byte 3 bits
    // 0-1); warnings under-voltage (event 2: byte 4 bits 4-5), high charge current (event 8: byte
    // 6 bits 0-1), contactor (event 9: byte 6 bits 2-3).
    EXPECT_EQ(bytes(frames[3]), (B{0x6A, 0xAA, 0xAA, 0xA9, 0x9A, 0xAA, 0xA5, 0xAA}));
    battery_can_state d;
    std::string manufacturer;
    for (const can_frame& f : frames)
        EXPECT_TRUE(decode_battery_frame(f, d, &manufacturer)) << f;
    expect_quantized_equal(d, s, true, false);
    EXPECT_EQ(d.protection, s.protection);
    EXPECT_EQ(d.alarm, s.alarm);
    EXPECT_EQ(d.capacity_ah, 172);
    EXPECT_EQ(d.bms_version_major, 3);
    EXPECT_EQ(manufacturer, "STACKSIM");
}

TEST(proto_pylon_can, victron_extras_round_trip) {
    can_message_set set = sma_set();
    for (std::uint32_t id = 0x370; id <= 0x379; ++id)
        set.messages.push_back({id, 8});
    EXPECT_EQ(validate(set), "");
    battery_can_state s = sample_state();
    s.bms_name = "WeCo 4K4 PRO sim";  // 16 characters
    s.modules_ok = 3, s.modules_blocking_charge = 1, s.modules_blocking_discharge = 0, s.modules_offline = 2;
    s.min_cell_v = 3.281, s.max_cell_v = 3.334, s.min_cell_temp_c = 21.85, s.max_cell_temp_c = 26.85;
    s.min_cell_v_name = "M1C07", s.max_cell_v_name = "M2C16", s.min_cell_temp_name = "M1T2", s.max_cell_temp_name = "M3T5";
    s.charged_energy_kwh = 1234.5, s.discharged_energy_kwh = 1100.1, s.installed_capacity_ah = 258;
    const std::vector<can_frame> frames = encode_message_set(set, s);
    // 0x373: 3281 mV = 0x0CD1, 3334 = 0x0D06, 21.85 + 273.15 = 295 K = 0x0127, 300 K = 0x012C.
    EXPECT_EQ(bytes(frames[9]), (B{0xD1, 0x0C, 0x06, 0x0D, 0x27, 0x01, 0x2C, 0x01}));
    // 0x378: 12345 = 0x00003039, 11001 = 0x00002AF9.
    EXPECT_EQ(bytes(frames[14]), (B{0x39, 0x30, 0, 0, 0xF9, 0x2A, 0, 0}));
    battery_can_state d;
    for (const can_frame& f : frames)
        EXPECT_TRUE(decode_battery_frame(f, d)) << f;
    EXPECT_EQ(d.bms_name, s.bms_name);
    EXPECT_EQ(d.modules_ok, 3);
    EXPECT_EQ(d.modules_offline, 2);
    EXPECT_NEAR(d.min_cell_v, 3.281, 1e-9);
    EXPECT_NEAR(d.max_cell_temp_c, 26.85, 1e-9);
    EXPECT_EQ(d.max_cell_v_name, "M2C16");
    EXPECT_EQ(d.min_cell_temp_name, "M1T2");
    EXPECT_NEAR(d.charged_energy_kwh, 1234.5, 1e-9);
    EXPECT_NEAR(d.discharged_energy_kwh, 1100.1, 1e-9);
    EXPECT_EQ(d.installed_capacity_ah, 258);
}

TEST(proto_pylon_can, decoders_reject_wrong_frames_without_touching_out) {
    limits_351 l;
    l.cvl_v = 12.3;
    EXPECT_FALSE(decode_351(make_can_frame(0x355, {1, 2, 3, 4, 5, 6, 7, 8}), l)); // wrong ID
    EXPECT_FALSE(decode_351(make_can_frame(0x351, {1, 2, 3, 4}), l));             // too short
    EXPECT_FALSE(decode_351(make_can_frame(0x351, {1, 2, 3, 4, 5, 6, 7, 8}, true), l)); // 29-bit
    EXPECT_FALSE(decode_351(make_can_remote(0x351, 8), l));                            // remote
    EXPECT_EQ(l.cvl_v, 12.3);
    soc_355 s;
    EXPECT_FALSE(decode_355(make_can_frame(0x355, {1, 2, 3}), s));
    measurements_356 m;
    EXPECT_FALSE(decode_356(make_can_frame(0x356, {1, 2, 3, 4}), m));
    flags_359 f;
    EXPECT_FALSE(decode_359(make_can_frame(0x359, {1, 2}), f));
    sma_alarms_35a a;
    EXPECT_FALSE(decode_35a(make_can_frame(0x35A, {0xAA, 0xAA, 0xAA, 0xAA}), a));
    requests_35c r;
    EXPECT_FALSE(decode_35c(make_can_frame(0x35C, {}), r));
    std::string name = "x";
    EXPECT_FALSE(decode_35e(make_can_frame(0x35E, {}), name));
    EXPECT_EQ(name, "x");
    battery_can_state st;
    EXPECT_FALSE(decode_battery_frame(make_can_frame(0x123, {1}), st));
    EXPECT_FALSE(decode_battery_frame(make_can_frame(0x373, {1, 2}), st));
}

// Error texts name CAN identifiers in hex, as candump and the protocol tables do
// (0x351 is 849 decimal; "0x849" or "ID 849" would send a reader to the wrong message).
TEST(proto_pylon_can, error_texts_name_identifiers_in_hex) {
    try {
        encode_351({}, 7);
        ADD_FAILURE() << "DLC 7 accepted for 0x351";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("CAN message 0x351: DLC 7"), std::string::npos) << e.what();
    }
    can_message_set unknown = pylon_v12_set();
    unknown.messages.push_back({0x123, 8});
    EXPECT_NE(validate(unknown).find("no encoder for ID 0x123"), std::string::npos) << validate(unknown);
    can_message_set bad_dlc = pylon_v12_set();
    ASSERT_EQ(bad_dlc.messages[1].id, 0x355u);
    bad_dlc.messages[1].dlc = 3;
    EXPECT_NE(validate(bad_dlc).find("not allowed for ID 0x355"), std::string::npos) << validate(bad_dlc);
}

TEST(proto_pylon_can, encoders_reject_dlcs_the_message_does_not_have) {
    EXPECT_THROW(encode_351({}, 7), std::invalid_argument);
    EXPECT_THROW(encode_355({}, 5), std::invalid_argument);
    EXPECT_THROW(encode_359({}, 6), std::invalid_argument);
    EXPECT_THROW(encode_35c({}, 1), std::invalid_argument);
    can_message_set bad = pylon_v12_set();
    bad.messages.push_back({0x123, 8});
    EXPECT_NE(validate(bad), "");
    EXPECT_THROW(encode_message_set(bad, {}), std::invalid_argument);
    can_message_set bad_dlc = pylon_v12_set();
    bad_dlc.messages[1].dlc = 3;
    EXPECT_NE(validate(bad_dlc).find("DLC 3"), std::string::npos);
    can_message_set long_name = pylon_v12_set();
    long_name.manufacturer = "PYLONTECH";
    EXPECT_NE(validate(long_name), "");
}

TEST(proto_pylon_can, inverter_305_306_307) {
    EXPECT_EQ(bytes(encode_305_pylon()), B(8, 0));
    EXPECT_EQ(encode_305_pylon().id, 0x305u);
    EXPECT_TRUE(is_heartbeat_305(encode_305_pylon()));
    EXPECT_TRUE(is_heartbeat_305(make_can_frame(0x305, {1, 2})));
    EXPECT_FALSE(is_heartbeat_305(make_can_frame(0x305, {}, true)));
    // SMA SI: 53.0 V = 530 = 0x0212; battery charging at +20 A -> on the wire -200 = 0xFF38;
    // 21.5 degC = 215 = 0x00D7; SoC 85.3 % = 853 = 0x0355.
    const can_frame f = encode_305_sma({53.0, 20.0, 21.5, 85.3});
    EXPECT_EQ(bytes(f), (B{0x12, 0x02, 0x38, 0xFF, 0xD7, 0x00, 0x55, 0x03}));
    sma_305 v;
    ASSERT_TRUE(decode_305_sma(f, v));
    EXPECT_NEAR(v.current_a, 20.0, 1e-9);
    EXPECT_NEAR(v.soc_pct, 85.3, 1e-9);
    // Discharging 12.3 A -> +123 = 0x007B on the wire.
    EXPECT_EQ(bytes(encode_305_sma({0, -12.3, 0, 0}))[2], 0x7B);
    ASSERT_TRUE(decode_305_sma(encode_305_sma({0, 0, 0, 0}), v));
    EXPECT_FALSE(std::signbit(v.current_a));
    // 0x306: SoH 98 = 0x0062, procedure 10, state 1, error 0x1234, set point 55.2 V = 552 = 0x0228.
    sma_306 st{98, 10, 1, 0x1234, 55.2};
    EXPECT_EQ(bytes(encode_306(st)), (B{0x62, 0x00, 0x0A, 0x01, 0x34, 0x12, 0x28, 0x02}));
    sma_306 ds;
    ASSERT_TRUE(decode_306(encode_306(st), ds));
    EXPECT_EQ(ds.active_error, 0x1234);
    EXPECT_NEAR(ds.charge_voltage_setpoint_v, 55.2, 1e-9);
    // 0x307: relay state 0x0103.
    EXPECT_EQ(bytes(encode_307({0x0103}, 2)), (B{0x03, 0x01}));
    sma_307 rs;
    ASSERT_TRUE(decode_307(encode_307({0x0103}), rs));
    EXPECT_EQ(rs.relay_state, 0x0103);
    EXPECT_FALSE(decode_306(make_can_frame(0x306, {1, 2}), ds));
}

TEST(proto_pylon_can, bms_name_halves_keep_their_positions) {
    // 0x370 carries characters 0-7 of the 16-character name, 0x371 characters 8-15, each NUL
    // padded. A receiver that already has the second half and then gets a shorter first half must
    // keep the second half at 8-15, so that encoding the state gives the received frames back
    // (found by tests/fuzz/fuzz_pylon_can, regressions/fuzz_pylon_can/bms_name_370_after_371).
    battery_can_state st;
    ASSERT_TRUE(decode_battery_frame(make_can_frame(0x370, {'S', 'T', 'A', 'C', 'K', 'S', 'I', 'M'}), st));
    ASSERT_TRUE(decode_battery_frame(make_can_frame(0x371, {'-', 'M', 'A', 'S', 'T', 'E', 'R', 0}), st));
    EXPECT_EQ(st.bms_name, "STACKSIM-MASTER");
    const can_frame first = make_can_frame(0x370, {'B', 'M', 'S', 0, 0, 0, 0, 0});
    ASSERT_TRUE(decode_battery_frame(first, st));
    EXPECT_EQ(st.bms_name, std::string("BMS\0\0\0\0\0-MASTER", 15));
    EXPECT_EQ(encode_message({0x370, 8}, st, ""), first);
    EXPECT_EQ(encode_message({0x371, 8}, st, ""), make_can_frame(0x371, {'-', 'M', 'A', 'S', 'T', 'E', 'R', 0}));
}

} // namespace
} // namespace stacksim::proto
