// Pylontech-style RS485 framing and INFO layouts. Expected characters and bytes come from
// protocols.md §2 (spec examples, real-frame LENGTH values, character counts of §2.7) or are
// computed by hand in the comments.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/pylon_rs485.h"

namespace stacksim::proto {
namespace {

using B = std::vector<std::uint8_t>;

// Re-frame `body` (the characters between '~' and CHKSUM) with a correct CHKSUM, computed here
// from the definition: two's complement of the 16-bit sum of the ASCII codes.
std::string with_chksum(const std::string& body) {
    unsigned sum = 0;
    for (char c : body)
        sum += static_cast<unsigned char>(c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", (0x10000u - (sum % 0x10000u)) % 0x10000u);
    return "~" + body + buf + "\r";
}

TEST(proto_rs485, spec_example_request_byte_for_byte) {
    // protocols.md §2.3 worked example (S2 chapter 4, S20).
    const std::string f = encode_frame(0x20, 0x02, cid1_battery, cid2::analog, {0x02});
    EXPECT_EQ(f, "~20024642E00202FD33\r");
    const B wire(f.begin(), f.end());
    EXPECT_EQ(wire, (B{0x7E, 0x32, 0x30, 0x30, 0x32, 0x34, 0x36, 0x34, 0x32, 0x45, 0x30, 0x30, 0x32, 0x30, 0x32,
                       0x46, 0x44, 0x33, 0x33, 0x0D}));
    // Sum of "20024642E00202" = 0x02CD -> 0xFD33.
    EXPECT_EQ(chksum("20024642E00202"), 0xFD33);
    const rs485_decoded d = decode_frame(f);
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.rtn, rtn::normal);
    EXPECT_EQ(d.frame.ver, 0x20);
    EXPECT_EQ(d.frame.adr, 0x02);
    EXPECT_EQ(d.frame.cid1, 0x46);
    EXPECT_EQ(d.frame.cid2, 0x42);
    EXPECT_EQ(d.frame.info, (B{0x02}));
}

TEST(proto_rs485, system_wide_request) {
    EXPECT_EQ(encode_request(0x20, 0x02, cid2::analog, {0xFF}), "~20024642E002FFFD09\r");
    const rs485_decoded d = decode_frame("~20024642E002FFFD09\r");
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.frame.info, (B{0xFF}));
}

TEST(proto_rs485, length_and_lchksum) {
    // Spec example and the real-frame values of protocols.md §2.3.
    EXPECT_EQ(lchksum_length(0), "0000");
    EXPECT_EQ(lchksum_length(2), "E002");
    EXPECT_EQ(lchksum_length(4), "C004");
    EXPECT_EQ(lchksum_length(18), "D012");
    EXPECT_EQ(lchksum_length(0x42), "A042");
    EXPECT_EQ(lchksum_length(0x6E), "C06E");
    EXPECT_EQ(lchksum_length(0x7A), "F07A");
    EXPECT_EQ(lchksum_length(0xD8), "B0D8");
    EXPECT_EQ(lchksum_length(0xF0), "10F0");
    EXPECT_EQ(lchksum_length(0x142), "9142");
    // Nibble sum 0 mod 16 -> LCHKSUM 0 (the "(~sum & 0xF) + 1" bug would give 0x10): 0x0FF + 2 = 0x88 ...
    // 0x088: 0 + 8 + 8 = 16 -> 0.
    EXPECT_EQ(lchksum(0x088), 0);
    EXPECT_EQ(length_field(0x088), 0x0088);
    EXPECT_EQ(lchksum(0xFFF), 3); // 45 mod 16 = 13 -> 3
    EXPECT_THROW(lchksum(0x1000), std::invalid_argument);
}

TEST(proto_rs485, chksum_errata_vector) {
    // protocols.md §2.3 erratum: "1203400456ABCEFE" sums to 0x038F (not 0x038E) -> FC71.
    EXPECT_EQ(chksum("1203400456ABCEFE"), 0xFC71);
    EXPECT_EQ(chksum(""), 0);
}

TEST(proto_rs485, corrupt_frames_give_the_right_rtn) {
    const std::string good = "~20024642E00202FD33\r";
    // Bad CHKSUM.
    rs485_decoded d = decode_frame("~20024642E00202FD34\r");
    EXPECT_FALSE(d.ok);
    EXPECT_EQ(d.rtn, rtn::chksum_error);
    EXPECT_TRUE(d.adr_valid); // address as received, for the error answer
    EXPECT_EQ(d.frame.adr, 2);
    // A flipped INFO character without a matching CHKSUM.
    EXPECT_EQ(decode_frame("~20024642E00203FD33\r").rtn, rtn::chksum_error);
    // Bad LCHKSUM (D002 instead of E002) with a CHKSUM recomputed over the altered characters.
    d = decode_frame(with_chksum("20024642D00202"));
    EXPECT_FALSE(d.ok);
    EXPECT_EQ(d.rtn, rtn::lchksum_error);
    // Wrong length: LENID 4 (LCHKSUM C, consistent) but only 2 INFO characters.
    d = decode_frame(with_chksum("20024642C00402"));
    EXPECT_EQ(d.rtn, rtn::format_error);
    // ... and LENID 0 with 2 characters present.
    EXPECT_EQ(decode_frame(with_chksum("2002464200000202")).rtn, rtn::format_error);
    // Odd LENID: 3 characters of INFO.
    EXPECT_EQ(decode_frame(with_chksum("20024642D003020")).rtn, rtn::format_error);
    // Non-hex characters (CHKSUM consistent, so only the format check catches them).
    d = decode_frame(with_chksum("20024642E0020G"));
    EXPECT_EQ(d.rtn, rtn::format_error);
    EXPECT_NE(d.error.find("non-hex"), std::string::npos);
    EXPECT_EQ(decode_frame("~20024642E00202FDXZ\r").rtn, rtn::format_error); // CHKSUM field not hex
    // Framing: missing CR, missing '~', too short.
    EXPECT_EQ(decode_frame("~20024642E00202FD33").rtn, rtn::format_error);
    EXPECT_EQ(decode_frame("20024642E00202FD33\r").rtn, rtn::format_error);
    EXPECT_EQ(decode_frame("~2002\r").rtn, rtn::format_error);
    EXPECT_EQ(decode_frame("").rtn, rtn::format_error);
    // A bad frame never carries INFO to act on.
    EXPECT_TRUE(decode_frame("~20024642E00202FD34\r").frame.info.empty());
    // Lower-case hex is accepted (the CHKSUM covers the characters as sent).
    EXPECT_TRUE(decode_frame(with_chksum("20024642e00202")).ok);
    // VER check on request: expected 0x20, got 0x21 -> VER error; 0x4F ignores VER.
    EXPECT_EQ(decode_frame(good, 0x20).rtn, rtn::normal);
    EXPECT_EQ(decode_frame(encode_request(0x21, 2, cid2::analog, {2}), 0x20).rtn, rtn::ver_error);
    EXPECT_TRUE(decode_frame(encode_request(0x00, 2, cid2::protocol_version), 0x20).ok);
}

TEST(proto_rs485, every_single_character_corruption_is_rejected) {
    const std::string good = encode_frame(0x20, 0x03, cid1_battery, 0x00, {0x11, 0x22, 0x33, 0xA0});
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (char c : {'0', '7', 'F', 'x', '~', '\r'}) {
            if (good[i] == c)
                continue;
            std::string bad = good;
            bad[i] = c;
            const rs485_decoded d = decode_frame(bad);
            EXPECT_FALSE(d.ok) << "position " << i << " -> '" << c << "'";
            EXPECT_TRUE(d.frame.info.empty());
        }
    }
}

analog_info sample_analog(std::size_t cells, std::size_t temps, double total_ah) {
    analog_info a;
    a.info_flag = 0x11;
    a.adr = 3;
    for (std::size_t i = 0; i < cells; ++i)
        a.cell_v.push_back(3.300 + 0.001 * static_cast<double>(i));
    for (std::size_t i = 0; i < temps; ++i)
        a.temp_c.push_back(20.0 + 0.5 * static_cast<double>(i) - 25.0 * (i == 1));
    a.current_a = -4.0;
    a.voltage_v = 53.123;
    a.total_ah = total_ah;
    a.remaining_ah = 0.75 * total_ah;
    a.cycles = 321;
    return a;
}

TEST(proto_rs485, analog_0x42_hand_encoded) {
    analog_info a;
    a.info_flag = 0x00;
    a.adr = 2;
    a.cell_v = {3.300, 3.301};       // 0x0CE4, 0x0CE5
    a.temp_c = {25.0};               // 2731 + 250 = 2981 = 0x0BA5
    a.current_a = -4.0;              // -40 = 0xFFD8 (the spec's own example)
    a.voltage_v = 6.601;             // 0x19C9
    a.remaining_ah = 50.0;           // 50000 mAh = 0xC350
    a.total_ah = 60.0;               // 60000 mAh = 0xEA60, fits u16 -> item count 2
    a.cycles = 12;
    EXPECT_EQ(encode_analog_info(a), (B{0x00, 0x02, 0x02, 0x0C, 0xE4, 0x0C, 0xE5, 0x01, 0x0B, 0xA5, 0xFF, 0xD8, 0x19,
                                        0xC9, 0xC3, 0x50, 0x02, 0xEA, 0x60, 0x00, 0x0C}));
    // > 65.535 Ah: item count 4, u16 fields 0xFFFF, u24 86000 = 0x014FF0, 100000 = 0x0186A0.
    a.remaining_ah = 86.0;
    a.total_ah = 100.0;
    const B info = encode_analog_info(a);
    const B tail(info.end() - 13, info.end());
    EXPECT_EQ(tail, (B{0xFF, 0xFF, 0x04, 0xFF, 0xFF, 0x00, 0x0C, 0x01, 0x4F, 0xF0, 0x01, 0x86, 0xA0}));
    analog_info d;
    ASSERT_TRUE(decode_analog_info(info, d));
    EXPECT_NEAR(d.remaining_ah, 86.0, 1e-9);
    EXPECT_NEAR(d.total_ah, 100.0, 1e-9);
    EXPECT_EQ(d.user_item_count, 4);
    EXPECT_NEAR(d.current_a, -4.0, 1e-9);
    EXPECT_NEAR(d.temp_c[0], 25.0, 1e-9);
}

TEST(proto_rs485, analog_round_trip_and_characters_on_the_wire) {
    // protocols.md §2.7: 15 cells / 5 temps / count 2 -> 128 chars (LENGTH C06E),
    // count 4 -> 140 (F07A), 16 cells / 6 temps / count 4 -> 148.
    struct c {
        std::size_t cells, temps;
        double total_ah;
        std::size_t chars;
        const char* length;
    };
    for (const c& k : {c{15, 5, 50.0, 128, "C06E"}, c{15, 5, 100.0, 140, "F07A"}, c{16, 6, 86.0, 148, "6082"}}) {
        const analog_info a = sample_analog(k.cells, k.temps, k.total_ah);
        const std::string f = encode_response(0x20, a.adr, rtn::normal, encode_analog_info(a));
        EXPECT_EQ(f.size(), k.chars);
        EXPECT_EQ(f.substr(9, 4), k.length);
        EXPECT_EQ(analog_info_bytes(k.cells, k.temps, k.total_ah > 65.535 ? 4 : 2) * 2 + 18, k.chars);
        const rs485_decoded d = decode_frame(f);
        ASSERT_TRUE(d.ok) << d.error;
        analog_info b;
        ASSERT_TRUE(decode_analog_info(d.frame.info, b));
        EXPECT_EQ(b.info_flag, 0x11);
        EXPECT_EQ(b.adr, 3);
        ASSERT_EQ(b.cell_v.size(), k.cells);
        for (std::size_t i = 0; i < k.cells; ++i)
            EXPECT_NEAR(b.cell_v[i], a.cell_v[i], 1e-9);
        ASSERT_EQ(b.temp_c.size(), k.temps);
        for (std::size_t i = 0; i < k.temps; ++i)
            EXPECT_NEAR(b.temp_c[i], a.temp_c[i], 1e-9);
        EXPECT_NEAR(b.current_a, -4.0, 1e-9);
        EXPECT_NEAR(b.voltage_v, 53.123, 1e-9);
        EXPECT_NEAR(b.remaining_ah, a.remaining_ah, 1e-9);
        EXPECT_NEAR(b.total_ah, a.total_ah, 1e-9);
        EXPECT_EQ(b.cycles, 321u);
    }
    // 16/6/4: LENID 0x82 = 130 characters: nibbles 0 + 8 + 2 = 10 -> LCHKSUM 16 - 10 = 6.
    EXPECT_EQ(lchksum_length(0x82), "6082");
}

TEST(proto_rs485, analog_system_wide_two_modules_is_234_characters) {
    std::vector<analog_info> mods = {sample_analog(15, 5, 50.0), sample_analog(15, 5, 50.0)};
    mods[1].current_a = 12.3;
    const std::string f = encode_response(0x20, 0x02, rtn::normal, encode_system_analog_info(0x10, mods));
    EXPECT_EQ(f.size(), 234u);
    const rs485_decoded d = decode_frame(f);
    ASSERT_TRUE(d.ok);
    std::vector<analog_info> back;
    ASSERT_TRUE(decode_system_analog_info(d.frame.info, back));
    ASSERT_EQ(back.size(), 2u);
    EXPECT_NEAR(back[1].current_a, 12.3, 1e-9);
    EXPECT_EQ(back[0].info_flag, 0x10);
}

TEST(proto_rs485, analog_rejects_truncated_or_padded_info) {
    B info = encode_analog_info(sample_analog(16, 6, 86.0));
    analog_info a;
    a.cycles = 99;
    B shorter(info.begin(), info.end() - 1);
    EXPECT_FALSE(decode_analog_info(shorter, a));
    B longer = info;
    longer.push_back(0);
    EXPECT_FALSE(decode_analog_info(longer, a));
    // User item count (before total1 u16, cycles u16, two u24 = 11 bytes from the end) = 3: invalid.
    ASSERT_EQ(info[info.size() - 11], 4);
    info[info.size() - 11] = 3;
    EXPECT_FALSE(decode_analog_info(info, a));
    EXPECT_EQ(a.cycles, 99u);
    EXPECT_FALSE(decode_analog_info({}, a));
}

TEST(proto_rs485, alarm_0x44_bits_and_length) {
    alarm_info a;
    a.adr = 2;
    a.cell_state.assign(15, alarm_state::normal);
    a.cell_state[3] = alarm_state::above_upper_limit;
    a.temp_state.assign(5, alarm_state::normal);
    a.temp_state[4] = alarm_state::below_lower_limit;
    a.module_voltage_state = alarm_state::other_error;
    a.module_over_voltage = true;          // Status 1 b0
    a.charge_over_temp = true;             // Status 1 b6
    a.charge_mosfet_on = true;             // Status 2 b1
    a.discharge_mosfet_on = true;          // Status 2 b2
    a.effective_charge_current = true;     // Status 3 b7
    a.fully_charged = true;                // Status 3 b3
    a.cell_error_mask = 0x8001;            // cell 1 (Status 4 b0) and cell 16 (Status 5 b7)
    const B info = encode_alarm_info(a);
    ASSERT_EQ(info.size(), 32u);           // 82 characters on the wire with 15 cells / 5 temps
    EXPECT_EQ(encode_response(0x20, 2, rtn::normal, info).size(), 82u);
    const B tail(info.end() - 8, info.end());
    EXPECT_EQ(tail, (B{0x00, 0xF0, 0x00, 0x41, 0x06, 0x88, 0x01, 0x80}));
    EXPECT_EQ(info[2], 15);
    EXPECT_EQ(info[3 + 3], 0x02);
    alarm_info b;
    ASSERT_TRUE(decode_alarm_info(info, b));
    EXPECT_EQ(b, a);
    // One extra trailing 0x00 (real frames, LENID 0x42) is accepted; other junk is not.
    B padded = info;
    padded.push_back(0x00);
    ASSERT_TRUE(decode_alarm_info(padded, b));
    EXPECT_EQ(b, a);
    padded.back() = 0x01;
    EXPECT_FALSE(decode_alarm_info(padded, b));
    EXPECT_FALSE(decode_alarm_info(B(info.begin(), info.end() - 1), b));
}

TEST(proto_rs485, alarm_0x44_every_status_bit) {
    struct s {
        bool alarm_info::*field;
        std::size_t from_end;  // 5 = Status 1 ... 3 = Status 3
        std::uint8_t mask;
    };
    const s bits[] = {
        {&alarm_info::module_under_voltage, 5, 0x80}, {&alarm_info::charge_over_temp, 5, 0x40},
        {&alarm_info::discharge_over_temp, 5, 0x20}, {&alarm_info::discharge_over_current, 5, 0x10},
        {&alarm_info::charge_over_current, 5, 0x04}, {&alarm_info::cell_under_voltage, 5, 0x02},
        {&alarm_info::module_over_voltage, 5, 0x01}, {&alarm_info::using_battery_power, 4, 0x08},
        {&alarm_info::discharge_mosfet_on, 4, 0x04}, {&alarm_info::charge_mosfet_on, 4, 0x02},
        {&alarm_info::precharge_mosfet_on, 4, 0x01}, {&alarm_info::effective_charge_current, 3, 0x80},
        {&alarm_info::effective_discharge_current, 3, 0x40}, {&alarm_info::heater_on, 3, 0x20},
        {&alarm_info::fully_charged, 3, 0x08}, {&alarm_info::buzzer_on, 3, 0x01},
    };
    for (const s& b : bits) {
        alarm_info a;
        a.cell_state.assign(16, 0);
        a.temp_state.assign(6, 0);
        a.*b.field = true;
        const B info = encode_alarm_info(a);
        for (std::size_t k = 1; k <= 5; ++k)
            EXPECT_EQ(info[info.size() - k], k == b.from_end ? b.mask : 0) << "mask " << int(b.mask);
        alarm_info d;
        ASSERT_TRUE(decode_alarm_info(info, d));
        EXPECT_EQ(d, a);
    }
}

TEST(proto_rs485, management_0x92_hand_encoded) {
    // CVL 56.8 V = 56800 mV = 0xDDE0, DVL 44.8 V = 0xAF00, 74.0 A = 740 = 0x02E4,
    // -148.0 A = -1480 = 0xFA38, status charge + discharge enable = 0xC0.
    management_info m;
    m.adr = 2;
    m.charge_voltage_limit_v = 56.8;
    m.discharge_voltage_limit_v = 44.8;
    m.max_charge_current_a = 74.0;
    m.max_discharge_current_a = -148.0;
    m.charge_enable = m.discharge_enable = true;
    const B info = encode_management_info(m);
    EXPECT_EQ(info, (B{0x02, 0xDD, 0xE0, 0xAF, 0x00, 0x02, 0xE4, 0xFA, 0x38, 0xC0}));
    EXPECT_EQ(encode_response(0x20, 2, rtn::normal, info).size(), 38u);
    management_info d;
    ASSERT_TRUE(decode_management_info(info, d));
    EXPECT_NEAR(d.max_discharge_current_a, -148.0, 1e-9);
    EXPECT_NEAR(d.charge_voltage_limit_v, 56.8, 1e-9);
    EXPECT_TRUE(d.charge_enable && d.discharge_enable);
    // Request flags b5, b4, b3.
    m.charge_enable = m.discharge_enable = false;
    m.force_charge_1 = true;
    EXPECT_EQ(encode_management_info(m).back(), 0x20);
    m.force_charge_1 = false, m.force_charge_2 = true;
    EXPECT_EQ(encode_management_info(m).back(), 0x10);
    m.force_charge_2 = false, m.full_charge_request = true;
    EXPECT_EQ(encode_management_info(m).back(), 0x08);
    ASSERT_TRUE(decode_management_info(encode_management_info(m), d));
    EXPECT_TRUE(d.full_charge_request);
    EXPECT_FALSE(d.force_charge_1 || d.force_charge_2 || d.charge_enable);
    EXPECT_FALSE(decode_management_info(B(info.begin(), info.end() - 1), d));
    // Saturation: 4000 A -> 0x7FFF; negative voltage -> 0.
    m.max_charge_current_a = 4000;
    m.charge_voltage_limit_v = -1;
    const B sat = encode_management_info(m);
    EXPECT_EQ(sat[5], 0x7F);
    EXPECT_EQ(sat[6], 0xFF);
    EXPECT_EQ(sat[1], 0x00);
}

TEST(proto_rs485, system_parameters_0x47) {
    system_parameters p;
    p.cell_high_voltage_limit_v = 3.650;   // 0x0E42
    p.cell_low_voltage_alarm_v = 2.800;
    p.cell_under_voltage_protect_v = 2.500;
    p.charge_high_temp_limit_c = 55.0;     // 2731 + 550 = 3281 = 0x0CD1
    p.charge_low_temp_limit_c = 0.0;       // 2731 = 0x0AAB
    p.charge_current_limit_a = 100.0;
    p.module_high_voltage_limit_v = 58.4;
    p.module_low_voltage_alarm_v = 44.8;
    p.module_under_voltage_protect_v = 40.0;
    p.discharge_high_temp_limit_c = 60.0;
    p.discharge_low_temp_limit_c = -20.0;  // 2731 - 200 = 2531 = 0x09E3
    p.discharge_current_limit_a = -100.0;  // -1000 = 0xFC18
    const B info = encode_system_parameters(p);
    ASSERT_EQ(info.size(), 25u);
    EXPECT_EQ(encode_response(0x20, 2, rtn::normal, info).size(), 68u);
    EXPECT_EQ(info[1], 0x0E);
    EXPECT_EQ(info[2], 0x42);
    EXPECT_EQ((B{info[7], info[8], info[9], info[10]}), (B{0x0C, 0xD1, 0x0A, 0xAB}));
    EXPECT_EQ((B{info[21], info[22], info[23], info[24]}), (B{0x09, 0xE3, 0xFC, 0x18}));
    system_parameters d;
    ASSERT_TRUE(decode_system_parameters(info, d));
    EXPECT_NEAR(d.discharge_low_temp_limit_c, -20.0, 1e-9);
    EXPECT_NEAR(d.discharge_current_limit_a, -100.0, 1e-9);
    EXPECT_NEAR(d.module_high_voltage_limit_v, 58.4, 1e-9);
}

TEST(proto_rs485, manufacturer_0x51_and_protocol_version_0x4f) {
    manufacturer_info m{"4K4PRO", 1, 7, "WeCo"};
    const B info = encode_manufacturer_info(m);
    ASSERT_EQ(info.size(), 32u);
    EXPECT_EQ(info[0], '4');
    EXPECT_EQ(info[6], 0);   // NUL padding
    EXPECT_EQ(info[10], 1);
    EXPECT_EQ(info[11], 7);
    EXPECT_EQ(info[12], 'W');
    const std::string f = encode_response(0x20, 2, rtn::normal, info);
    EXPECT_EQ(f.size(), 82u);
    EXPECT_EQ(f.substr(9, 4), "C040"); // LENID 0x40: 4 -> LCHKSUM 0xC
    manufacturer_info d;
    ASSERT_TRUE(decode_manufacturer_info(decode_frame(f).frame.info, d));
    EXPECT_EQ(d.battery_name, "4K4PRO");
    EXPECT_EQ(d.manufacturer, "WeCo");
    EXPECT_EQ(d.sw_version_minor, 7);
    // 0x4F: empty INFO, version in VER; 18 characters.
    const std::string v = encode_response(0x20, 2, rtn::normal);
    EXPECT_EQ(v.size(), 18u);
    EXPECT_EQ(v.substr(0, 13), "~200246000000");
    // Error answers carry the RTN in CID2.
    const rs485_decoded e = decode_frame(encode_response(0x20, 3, rtn::chksum_error));
    ASSERT_TRUE(e.ok);
    EXPECT_EQ(e.frame.cid2, 0x02);
    EXPECT_STREQ(to_string(rtn::lchksum_error), "LCHKSUM error");
}

TEST(proto_rs485, serial_number_0x93_is_52_characters) {
    // protocols.md §2.7: command byte + 16 ASCII bytes, LENID 0x22, 52 characters on the wire.
    // LENID 0x022: nibble sum 4 -> LCHKSUM 0xC -> LENGTH C022. INFO written out by hand:
    // 02, then "STACKSIM-4K4-002" = 53 54 41 43 4B 53 49 4D 2D 34 4B 34 2D 30 30 32.
    const B info = encode_serial_number_info({2, "STACKSIM-4K4-002"});
    EXPECT_EQ(info, (B{0x02, 0x53, 0x54, 0x41, 0x43, 0x4B, 0x53, 0x49, 0x4D, 0x2D, 0x34, 0x4B, 0x34, 0x2D, 0x30,
                       0x30, 0x32}));
    const std::string f = encode_response(0x20, 2, rtn::normal, info);
    EXPECT_EQ(f.size(), 52u);
    EXPECT_EQ(f, with_chksum("20024600C02202535441434B53494D2D344B342D303032"));
    serial_number_info d;
    ASSERT_TRUE(decode_serial_number_info(info, d));
    EXPECT_EQ(d.adr, 2);
    EXPECT_EQ(d.serial, "STACKSIM-4K4-002");
    // Short serials are NUL padded and come back without the padding; long ones are cut.
    const B short_info = encode_serial_number_info({3, "ABC"});
    ASSERT_EQ(short_info.size(), 17u);
    EXPECT_EQ(short_info[4], 0x00);
    ASSERT_TRUE(decode_serial_number_info(short_info, d));
    EXPECT_EQ(d.serial, "ABC");
    ASSERT_TRUE(decode_serial_number_info(encode_serial_number_info({3, std::string(20, 'Z')}), d));
    EXPECT_EQ(d.serial, std::string(16, 'Z'));
    // Exactly 17 bytes.
    serial_number_info untouched{9, "keep"};
    EXPECT_FALSE(decode_serial_number_info(B(16, 0x41), untouched));
    EXPECT_FALSE(decode_serial_number_info(B(18, 0x41), untouched));
    EXPECT_EQ(untouched.serial, "keep");
}

TEST(proto_rs485, return_codes_and_commands_are_told_apart_by_value) {
    // protocols.md §2.4: RTN 0x00-0x06, 0x90, 0x91; the commands are 0x42 ... 0x96 (and 0x99 here).
    for (unsigned c : {0x00u, 0x01u, 0x02u, 0x03u, 0x04u, 0x05u, 0x06u, 0x90u, 0x91u})
        EXPECT_TRUE(is_return_code(static_cast<std::uint8_t>(c))) << c;
    for (unsigned c : {0x07u, 0x42u, 0x44u, 0x47u, 0x4Fu, 0x51u, 0x92u, 0x93u, 0x94u, 0x95u, 0x96u, 0x99u, 0xFFu})
        EXPECT_FALSE(is_return_code(static_cast<std::uint8_t>(c))) << c;
}

TEST(proto_rs485, join_0x99) {
    // Manufacturer-specific join command: INFO = [ADR, 1 join / 0 stay open].
    EXPECT_EQ(encode_join_info({3, true}), (B{0x03, 0x01}));
    EXPECT_EQ(encode_join_info({3, false}), (B{0x03, 0x00}));
    EXPECT_EQ(encode_request(0x20, 3, cid2::join, encode_join_info({3, true})).size(), 22u);
    join_info j;
    ASSERT_TRUE(decode_join_info({0x05, 0x80}, j));
    EXPECT_EQ(j.adr, 5);
    EXPECT_TRUE(j.join);
    j = {7, false};
    EXPECT_FALSE(decode_join_info({0x05}, j));
    EXPECT_FALSE(decode_join_info({0x05, 0x01, 0x00}, j));
    EXPECT_EQ(j.adr, 7); // untouched
}

TEST(proto_rs485, temperature_saturates_to_the_u16_field) {
    // Header rule: raw = round(t_c * 10) + 2731, saturated to the u16 field 0..65535. Every raw
    // value decodes to a temperature that must encode back to the same raw value (found by
    // tests/fuzz/fuzz_pylon_rs485_info, regressions/fuzz_pylon_rs485_info/temp_above_3276C_0x47).
    system_parameters p;
    p.charge_high_temp_limit_c = 4000.0;        // 40000 + 2731 = 42731 = 0xA6EB
    p.charge_low_temp_limit_c = 6132.5;         // 61325 + 2731 = 64056 = 0xFA38
    p.discharge_high_temp_limit_c = 1e6;        // saturates at 0xFFFF
    p.discharge_low_temp_limit_c = -300.0;      // -3000 + 2731 < 0: saturates at 0
    const B info = encode_system_parameters(p);
    ASSERT_EQ(info.size(), 25u);
    EXPECT_EQ((B{info[7], info[8], info[9], info[10]}), (B{0xA6, 0xEB, 0xFA, 0x38}));
    EXPECT_EQ((B{info[19], info[20], info[21], info[22]}), (B{0xFF, 0xFF, 0x00, 0x00}));
    // 0x42 uses the same field: 62804.0 degC is raw 0xFFFF - 1.
    analog_info a;
    a.temp_c = {6280.3};                         // 62803 + 2731 = 65534 = 0xFFFE
    const B ai = encode_analog_info(a);
    EXPECT_EQ((B{ai[4], ai[5]}), (B{0xFF, 0xFE}));
    for (unsigned raw : {0u, 2731u, 35498u, 35499u, 65535u}) {
        B in(25, 0);
        in[19] = static_cast<std::uint8_t>(raw >> 8);
        in[20] = static_cast<std::uint8_t>(raw & 0xFF);
        system_parameters d;
        ASSERT_TRUE(decode_system_parameters(in, d));
        EXPECT_EQ(encode_system_parameters(d), in) << "raw " << raw;
    }
}

TEST(proto_rs485, memoised_decode_equals_decode_on_every_frame_in_any_order) {
    // Frames as a chain delivers them: the same one several times in a row, then others,
    // valid and broken, and back to an earlier one.
    const std::vector<std::string> frames = {
        "~20024642E00202FD33\r", "~20024642E00202FD33\r", "~20024642E00202FD34\r", "~20024642E00202FD33\r",
        "~20024642E002FFFD09\r", "", "~2002", with_chksum("20024642D00202"), "~20024642E002FFFD09\r",
        "~20024642E00202FD33\r"};
    for (int round = 0; round < 2; ++round)
        for (const std::string& f : frames) {
            const rs485_decoded want = decode_frame(f);
            const rs485_decoded& got = decode_frame_memo(f);
            EXPECT_EQ(got.ok, want.ok) << f;
            EXPECT_EQ(got.rtn, want.rtn) << f;
            EXPECT_EQ(got.error, want.error) << f;
            EXPECT_EQ(got.adr_valid, want.adr_valid) << f;
            EXPECT_EQ(got.frame.ver, want.frame.ver) << f;
            EXPECT_EQ(got.frame.adr, want.frame.adr) << f;
            EXPECT_EQ(got.frame.cid1, want.frame.cid1) << f;
            EXPECT_EQ(got.frame.cid2, want.frame.cid2) << f;
            EXPECT_EQ(got.frame.info, want.frame.info) << f;
        }
}

} // namespace
} // namespace stacksim::proto
