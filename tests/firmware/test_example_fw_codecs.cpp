// The example firmware's C encoders (models/firmware/example/pylon_rs485.c, pylon_can.c) checked
// by a decoder they did not come with: the simulator's own codecs (bus/protocol), plus the
// worked examples of docs/protocols/rs485-framing.md byte for byte. And the other way round:
// the firmware's C decoder against frames the simulator's encoder wrote, with every
// single-character corruption judged as proto::decode_frame judges it.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/pylon_can.h"
#include "protocol/pylon_rs485.h"
#include "pylon_can.h"
#include "pylon_rs485.h"

namespace {

namespace proto = stacksim::proto;

std::string frame_of(std::uint8_t adr, std::uint8_t cid2, const std::vector<std::uint8_t>& info) {
    std::vector<char> out(PYLON_MAX_FRAME_CHARS);
    const std::size_t n = pylon_encode(adr, cid2, info.data(), info.size(), out.data(), out.size());
    return std::string(out.data(), n);
}

std::vector<std::uint8_t> decoded_info(const std::string& frame, std::uint8_t want_adr, std::uint8_t want_cid2) {
    const proto::rs485_decoded d = proto::decode_frame(frame, 0x20);
    EXPECT_TRUE(d.ok) << d.error << " in " << frame;
    EXPECT_EQ(d.frame.adr, want_adr);
    EXPECT_EQ(d.frame.cid1, proto::cid1_battery);
    EXPECT_EQ(d.frame.cid2, want_cid2);
    return d.frame.info;
}

TEST(example_fw_rs485, spec_examples_byte_for_byte) {
    // rs485-framing.md §1, worked examples 1-4.
    EXPECT_EQ(frame_of(0x02, 0x42, {0x02}), "~20024642E00202FD33\r");
    EXPECT_EQ(frame_of(0x02, 0x42, {0xFF}), "~20024642E002FFFD09\r");
    EXPECT_EQ(frame_of(0x03, 0x92, {0x03}), "~20034692E00203FD2C\r");
    // 0x92 answer of ADR 2: CVL 56.8 V, DVL 44.8 V, +74.0 A, -148.0 A, both enabled.
    pylon_management m{};
    m.adr = 2;
    m.cvl_v = 56.8;
    m.dvl_v = 44.8;
    m.ccl_a = 74.0;
    m.dcl_a = 148.0;
    m.status = 0xC0;
    std::uint8_t info[16];
    const std::size_t n = pylon_info_management(&m, info, sizeof info);
    ASSERT_EQ(n, 10u);
    EXPECT_EQ(frame_of(0x02, 0x00, std::vector<std::uint8_t>(info, info + n)), "~20024600B01402DDE0AF0002E4FA38C0F915\r");
    // LENGTH / LCHKSUM table of §1.
    EXPECT_EQ(pylon_lchksum(0x088), 0);
    EXPECT_EQ(pylon_lchksum(0x012), 0xD);
    EXPECT_EQ(pylon_lchksum(0x0D8), 0xB);
    EXPECT_EQ(pylon_lchksum(0x142), 0x9);
}

pylon_analog sample_analog(std::uint8_t adr) {
    pylon_analog a{};
    a.adr = adr;
    a.n_cells = 16;
    for (unsigned k = 0; k < 16; ++k)
        a.cell_v[k] = 3.3 + 0.0011 * k;
    a.n_temps = 4;
    const double t[4] = {25.04, -3.26, 0.0, 41.25};
    for (unsigned k = 0; k < 4; ++k)
        a.temp_c[k] = t[k];
    a.current_a = -48.36;
    a.voltage_v = 52.8125;
    a.remaining_ah = 61.2346;
    a.total_ah = 100.0;
    a.cycles = 12;
    return a;
}

TEST(example_fw_rs485, analog_0x42_decodes_with_the_simulators_codec) {
    const pylon_analog a = sample_analog(3);
    std::uint8_t info[PYLON_MAX_INFO];
    const std::size_t n = pylon_info_analog(&a, info, sizeof info);
    const std::string f = frame_of(3, 0x00, std::vector<std::uint8_t>(info, info + n));
    EXPECT_EQ(f.size(), 140u); // rs485.md: 0x42 answer of 16 cells / 4 NTCs, item count 4
    proto::analog_info d;
    ASSERT_TRUE(proto::decode_analog_info(decoded_info(f, 3, 0x00), d));
    EXPECT_EQ(d.adr, 3);
    ASSERT_EQ(d.cell_v.size(), 16u);
    for (unsigned k = 0; k < 16; ++k)
        EXPECT_NEAR(d.cell_v[k], a.cell_v[k], 0.0005 + 1e-9);
    ASSERT_EQ(d.temp_c.size(), 4u);
    EXPECT_NEAR(d.temp_c[0], 25.0, 1e-9);
    EXPECT_NEAR(d.temp_c[1], -3.3, 1e-9);
    EXPECT_NEAR(d.temp_c[2], 0.0, 1e-9);
    EXPECT_NEAR(d.temp_c[3], 41.3, 1e-9); // 412.5 rounds away from zero
    EXPECT_NEAR(d.current_a, -48.4, 1e-9);
    EXPECT_NEAR(d.voltage_v, 52.813, 1e-9); // 52812.5 mV rounds away from zero
    EXPECT_EQ(d.user_item_count, 4);
    EXPECT_NEAR(d.remaining_ah, 61.235, 1e-9);
    EXPECT_NEAR(d.total_ah, 100.0, 1e-9);
    EXPECT_EQ(d.cycles, 12u);
    // The same bytes as the simulator's encoder writes for these values.
    proto::analog_info p;
    p.adr = 3;
    p.cell_v.assign(a.cell_v, a.cell_v + 16);
    p.temp_c.assign(a.temp_c, a.temp_c + 4);
    p.current_a = a.current_a;
    p.voltage_v = a.voltage_v;
    p.remaining_ah = a.remaining_ah;
    p.total_ah = a.total_ah;
    p.cycles = a.cycles;
    EXPECT_EQ(std::vector<std::uint8_t>(info, info + n), proto::encode_analog_info(p));
}

TEST(example_fw_rs485, small_capacities_use_two_user_items) {
    pylon_analog a = sample_analog(2);
    a.total_ah = 50.0;
    a.remaining_ah = 20.0;
    std::uint8_t info[PYLON_MAX_INFO];
    const std::size_t n = pylon_info_analog(&a, info, sizeof info);
    proto::analog_info d;
    ASSERT_TRUE(proto::decode_analog_info(std::vector<std::uint8_t>(info, info + n), d));
    EXPECT_EQ(d.user_item_count, 2);
    EXPECT_NEAR(d.total_ah, 50.0, 1e-9);
}

TEST(example_fw_rs485, whole_stack_0x42_decodes_with_the_simulators_codec) {
    const pylon_analog m0 = sample_analog(2), m1 = sample_analog(3), m2 = sample_analog(4);
    const pylon_analog* blocks[3] = {&m0, &m1, &m2};
    std::uint8_t info[PYLON_MAX_INFO];
    const std::size_t n = pylon_info_system_analog(blocks, 3, info, sizeof info);
    ASSERT_GT(n, 0u);
    std::vector<proto::analog_info> d;
    ASSERT_TRUE(proto::decode_system_analog_info(decoded_info(frame_of(2, 0, {info, info + n}), 2, 0), d));
    ASSERT_EQ(d.size(), 3u);
    EXPECT_NEAR(d[2].current_a, -48.4, 1e-9);
    // Too small a buffer: nothing, never a partial INFO.
    EXPECT_EQ(pylon_info_system_analog(blocks, 3, info, 100), 0u);
}

TEST(example_fw_rs485, alarm_0x44_flags_land_on_the_simulators_fields) {
    pylon_alarm a{};
    a.adr = 4;
    a.n_cells = 16;
    a.cell_state[0] = 0x02;
    a.cell_state[15] = 0x01;
    a.n_temps = 4;
    a.temp_state[2] = 0x02;
    a.status1 = 0x80 | 0x10 | 0x01; // module UV, discharge OC, module OV
    a.status2 = 0x06;               // both MOSFETs on
    a.status3 = 0x40;               // discharging
    a.cell_error_mask = 0x8001;     // cells 1 and 16
    std::uint8_t info[64];
    const std::size_t n = pylon_info_alarm(&a, info, sizeof info);
    proto::alarm_info d;
    ASSERT_TRUE(proto::decode_alarm_info(decoded_info(frame_of(4, 0, {info, info + n}), 4, 0), d));
    EXPECT_EQ(d.cell_state.size(), 16u);
    EXPECT_EQ(d.cell_state[0], proto::alarm_state::above_upper_limit);
    EXPECT_EQ(d.cell_state[15], proto::alarm_state::below_lower_limit);
    EXPECT_EQ(d.temp_state[2], proto::alarm_state::above_upper_limit);
    EXPECT_TRUE(d.module_under_voltage);
    EXPECT_TRUE(d.discharge_over_current);
    EXPECT_TRUE(d.module_over_voltage);
    EXPECT_FALSE(d.charge_over_current);
    EXPECT_FALSE(d.cell_under_voltage);
    EXPECT_TRUE(d.discharge_mosfet_on);
    EXPECT_TRUE(d.charge_mosfet_on);
    EXPECT_FALSE(d.precharge_mosfet_on);
    EXPECT_TRUE(d.effective_discharge_current);
    EXPECT_FALSE(d.effective_charge_current);
    EXPECT_EQ(d.cell_error_mask, 0x8001);
    // And back through the firmware's reader (the master reads its subs with it).
    pylon_alarm back{};
    ASSERT_EQ(pylon_read_alarm(info, n, &back), 1);
    EXPECT_EQ(back.status1, a.status1);
    EXPECT_EQ(back.cell_error_mask, 0x8001);
}

TEST(example_fw_rs485, system_parameters_manufacturer_and_serial) {
    pylon_system_parameters s{};
    s.cell_high_v = 3.65;
    s.cell_low_alarm_v = 2.8;
    s.cell_under_v = 2.5;
    s.charge_high_c = 55;
    s.charge_low_c = 0;
    s.charge_current_a = 50;
    s.module_high_v = 58.4;
    s.module_low_alarm_v = 44.8;
    s.module_under_v = 40.0;
    s.discharge_high_c = 60;
    s.discharge_low_c = -20;
    s.discharge_current_a = -100;
    std::uint8_t info[64];
    std::size_t n = pylon_info_system_parameters(&s, info, sizeof info);
    const std::string f = frame_of(2, 0, {info, info + n});
    EXPECT_EQ(f.size(), 68u);
    proto::system_parameters d;
    ASSERT_TRUE(proto::decode_system_parameters(decoded_info(f, 2, 0), d));
    EXPECT_NEAR(d.cell_high_voltage_limit_v, 3.65, 1e-9);
    EXPECT_NEAR(d.charge_low_temp_limit_c, 0.0, 1e-9);
    EXPECT_NEAR(d.discharge_low_temp_limit_c, -20.0, 1e-9);
    EXPECT_NEAR(d.discharge_current_limit_a, -100.0, 1e-9);
    EXPECT_NEAR(d.module_under_voltage_protect_v, 40.0, 1e-9);

    n = pylon_info_manufacturer("4K4PRO-EXF-TOO-LONG", 1, 2, "stacksim example", info, sizeof info);
    proto::manufacturer_info mi;
    ASSERT_TRUE(proto::decode_manufacturer_info(std::vector<std::uint8_t>(info, info + n), mi));
    EXPECT_EQ(mi.battery_name, "4K4PRO-EXF"); // cut to 10
    EXPECT_EQ(mi.sw_version_major, 1);
    EXPECT_EQ(mi.sw_version_minor, 2);
    EXPECT_EQ(mi.manufacturer, "stacksim example");

    n = pylon_info_serial(2, "STACKSIM-4K4-002", info, sizeof info);
    const std::string sf = frame_of(2, 0, {info, info + n});
    EXPECT_EQ(sf.size(), 52u);
    proto::serial_number_info si;
    ASSERT_TRUE(proto::decode_serial_number_info(decoded_info(sf, 2, 0), si));
    EXPECT_EQ(si.serial, "STACKSIM-4K4-002");
}

TEST(example_fw_rs485, values_saturate_and_nan_encodes_as_zero) {
    pylon_management m{};
    m.adr = 5;
    m.cvl_v = 70.0;    // 70000 mV > 65535
    m.dvl_v = NAN;
    m.ccl_a = 5000.0;  // > 3276.7 A
    m.dcl_a = -10.0;   // a negative magnitude goes out positive
    std::uint8_t info[16];
    const std::size_t n = pylon_info_management(&m, info, sizeof info);
    proto::management_info d;
    ASSERT_TRUE(proto::decode_management_info(std::vector<std::uint8_t>(info, info + n), d));
    EXPECT_NEAR(d.charge_voltage_limit_v, 65.535, 1e-9);
    EXPECT_NEAR(d.discharge_voltage_limit_v, 0.0, 1e-9);
    EXPECT_NEAR(d.max_charge_current_a, 3276.7, 1e-9);
    EXPECT_NEAR(d.max_discharge_current_a, 10.0, 1e-9);
}

TEST(example_fw_rs485, the_firmware_reads_what_the_simulator_writes) {
    proto::analog_info p;
    p.adr = 3;
    p.cell_v.assign(16, 3.312);
    p.temp_c = {24.5, 25.0, 25.5, 26.0};
    p.current_a = 12.3;
    p.voltage_v = 53.0;
    p.remaining_ah = 70.0;
    p.total_ah = 100.0;
    const std::string f = proto::encode_response(0x20, 3, proto::rtn::normal, proto::encode_analog_info(p));
    pylon_frame fr;
    int adr_valid = 0;
    ASSERT_EQ(pylon_decode_frame(f.data(), f.size(), &fr, &adr_valid), PYLON_RTN_NORMAL);
    EXPECT_EQ(adr_valid, 1);
    EXPECT_EQ(fr.adr, 3);
    EXPECT_EQ(fr.cid2, 0);
    pylon_analog a;
    ASSERT_EQ(pylon_read_analog(fr.info, fr.info_len, &a), 1);
    EXPECT_EQ(a.n_cells, 16u);
    EXPECT_NEAR(a.cell_v[7], 3.312, 1e-9);
    EXPECT_NEAR(a.temp_c[0], 24.5, 1e-9);
    EXPECT_NEAR(a.current_a, 12.3, 1e-9);
    EXPECT_NEAR(a.remaining_ah, 70.0, 1e-9);
    EXPECT_NEAR(a.total_ah, 100.0, 1e-9);
    // A short INFO is refused, as the simulator's decoder refuses it.
    EXPECT_EQ(pylon_read_analog(fr.info, fr.info_len - 1, &a), 0);

    proto::management_info mi;
    mi.adr = 3;
    mi.charge_voltage_limit_v = 56.8;
    mi.discharge_voltage_limit_v = 46.4;
    mi.max_charge_current_a = 25.0;
    mi.max_discharge_current_a = -100.0;
    mi.charge_enable = true;
    const auto mb = proto::encode_management_info(mi);
    pylon_management m;
    ASSERT_EQ(pylon_read_management(mb.data(), mb.size(), &m), 1);
    EXPECT_NEAR(m.ccl_a, 25.0, 1e-9);
    EXPECT_NEAR(m.dcl_a, 100.0, 1e-9);
    EXPECT_EQ(m.status, 0x80);
}

TEST(example_fw_rs485, every_single_character_corruption_is_judged_as_the_simulator_judges_it) {
    proto::management_info mi;
    mi.adr = 4;
    mi.charge_voltage_limit_v = 56.8;
    const std::string good = proto::encode_response(0x20, 4, proto::rtn::normal, proto::encode_management_info(mi));
    const std::string alphabet = "~\r0123456789ABCDEFabcdefGZ \x7f";
    unsigned checked = 0;
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (char c : alphabet) {
            if (c == good[i])
                continue;
            std::string bad = good;
            bad[i] = c;
            const proto::rs485_decoded want = proto::decode_frame(bad);
            pylon_frame fr;
            int adr_valid = 0;
            const int got = pylon_decode_frame(bad.data(), bad.size(), &fr, &adr_valid);
            EXPECT_EQ(got, static_cast<int>(want.rtn)) << "position " << i << " char " << int(c) << ": " << want.error;
            EXPECT_EQ(adr_valid != 0, want.adr_valid) << "position " << i;
            if (want.adr_valid && adr_valid) {
                EXPECT_EQ(fr.adr, want.frame.adr);
            }
            ++checked;
        }
    }
    EXPECT_GT(checked, 800u);
    // Truncated frames too.
    for (std::size_t len = 0; len < good.size(); ++len) {
        const std::string cut = good.substr(0, len);
        pylon_frame fr;
        int adr_valid = 0;
        EXPECT_EQ(pylon_decode_frame(cut.data(), cut.size(), &fr, &adr_valid),
                  static_cast<int>(proto::decode_frame(cut).rtn))
            << len;
    }
}

TEST(example_fw_rs485, return_codes_are_told_from_commands) {
    for (unsigned v = 0; v < 256; ++v)
        EXPECT_EQ(pylon_is_return_code(static_cast<std::uint8_t>(v)) != 0, proto::is_return_code(static_cast<std::uint8_t>(v)))
            << v;
}

// ---- CAN -----------------------------------------------------------------------------------

proto::can_frame to_proto(const hal_can_frame& f) {
    proto::can_frame p;
    p.id = f.id;
    p.dlc = f.dlc;
    for (unsigned i = 0; i < 8; ++i)
        p.data[i] = f.data[i];
    return p;
}

void check_set_against_the_simulator(const pylon_can_state& s) {
    hal_can_frame frames[PYLON_CAN_SET_SIZE];
    pylon_can_encode_set(&s, frames);
    proto::battery_can_state ps;
    ps.cvl_v = s.cvl_v;
    ps.ccl_a = s.ccl_a;
    ps.dcl_a = s.dcl_a;
    ps.dvl_v = s.dvl_v;
    ps.soc_pct = s.soc_pct;
    ps.soh_pct = s.soh_pct;
    ps.voltage_v = s.voltage_v;
    ps.current_a = s.current_a;
    ps.temp_c = s.temp_c;
    auto conditions = [](const pylon_can_conditions& c) {
        proto::battery_conditions b;
        b.over_voltage = c.over_voltage;
        b.under_voltage = c.under_voltage;
        b.over_temp = c.over_temp;
        b.under_temp = c.under_temp;
        b.discharge_over_current = c.discharge_over_current;
        b.charge_over_current = c.charge_over_current;
        b.system_error = c.system_error;
        return b;
    };
    ps.protection = conditions(s.protection);
    ps.alarm = conditions(s.alarm);
    ps.module_count = s.module_count;
    ps.charge_enable = s.charge_enable;
    ps.discharge_enable = s.discharge_enable;
    ps.force_charge_1 = s.force_charge_1;
    ps.force_charge_2 = s.force_charge_2;
    ps.full_charge_request = s.full_charge_request;
    const std::vector<proto::can_frame> want = proto::encode_message_set(proto::pylon_v12_set(), ps);
    ASSERT_EQ(want.size(), PYLON_CAN_SET_SIZE);
    for (unsigned i = 0; i < PYLON_CAN_SET_SIZE; ++i)
        EXPECT_EQ(to_proto(frames[i]), want[i]) << "frame " << i;
}

TEST(example_fw_can, the_set_decodes_with_the_simulators_codec) {
    pylon_can_state s{};
    s.cvl_v = 56.8;
    s.ccl_a = 74.0;
    s.dcl_a = 189.0;
    s.dvl_v = 46.4;
    s.soc_pct = 67.4;
    s.soh_pct = 100.0;
    s.voltage_v = 52.37;
    s.current_a = -35.6;
    s.temp_c = 23.4;
    s.protection.discharge_over_current = 1;
    s.alarm.under_temp = 1;
    s.alarm.charge_over_current = 1;
    s.module_count = 2;
    s.charge_enable = 1;
    s.discharge_enable = 1;
    s.force_charge_2 = 1;
    hal_can_frame frames[PYLON_CAN_SET_SIZE];
    pylon_can_encode_set(&s, frames);
    const std::uint32_t ids[PYLON_CAN_SET_SIZE] = {0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E};
    const std::uint8_t dlcs[PYLON_CAN_SET_SIZE] = {8, 4, 6, 7, 2, 8};
    for (unsigned i = 0; i < PYLON_CAN_SET_SIZE; ++i) {
        EXPECT_EQ(frames[i].id, ids[i]);
        EXPECT_EQ(frames[i].dlc, dlcs[i]);
    }
    proto::battery_can_state d;
    std::string manufacturer;
    for (const hal_can_frame& f : frames)
        ASSERT_TRUE(proto::decode_battery_frame(to_proto(f), d, &manufacturer)) << std::hex << f.id;
    EXPECT_NEAR(d.cvl_v, 56.8, 1e-9);
    EXPECT_NEAR(d.ccl_a, 74.0, 1e-9);
    EXPECT_NEAR(d.dcl_a, 189.0, 1e-9);
    EXPECT_NEAR(d.dvl_v, 46.4, 1e-9);
    EXPECT_NEAR(d.soc_pct, 67.0, 1e-9);
    EXPECT_NEAR(d.soh_pct, 100.0, 1e-9);
    EXPECT_NEAR(d.voltage_v, 52.37, 1e-9);
    EXPECT_NEAR(d.current_a, -35.6, 1e-9);
    EXPECT_NEAR(d.temp_c, 23.4, 1e-9);
    EXPECT_TRUE(d.protection.discharge_over_current);
    EXPECT_FALSE(d.protection.over_voltage);
    EXPECT_TRUE(d.alarm.under_temp);
    EXPECT_TRUE(d.alarm.charge_over_current);
    EXPECT_EQ(d.module_count, 2);
    EXPECT_TRUE(d.charge_enable);
    EXPECT_TRUE(d.discharge_enable);
    EXPECT_FALSE(d.force_charge_1);
    EXPECT_TRUE(d.force_charge_2);
    EXPECT_FALSE(d.full_charge_request);
    EXPECT_EQ(manufacturer, "PYLON   ");
    proto::flags_359 f359;
    ASSERT_TRUE(proto::decode_359(to_proto(frames[3]), f359));
    EXPECT_EQ(f359.undefined_bits, 0u);
    // Byte for byte what the simulator's own master would send for the same state.
    check_set_against_the_simulator(s);
}

TEST(example_fw_can, saturation_rounding_and_nan_as_the_simulator) {
    pylon_can_state s{};
    s.cvl_v = 7000.0;     // beyond u16 0.1 V
    s.ccl_a = 5000.0;     // beyond s16
    s.dcl_a = -4000.0;
    s.dvl_v = NAN;        // "not available"
    s.soc_pct = 99.5;     // halves away from zero
    s.soh_pct = -3.0;     // u16 floor 0
    s.voltage_v = -0.005; // -0.5 raw -> -1
    s.current_a = NAN;
    s.temp_c = -12.35;
    s.protection.over_voltage = s.protection.under_voltage = s.protection.over_temp = 1;
    s.protection.system_error = 1;
    s.module_count = 16;
    s.full_charge_request = 1;
    s.force_charge_1 = 1;
    check_set_against_the_simulator(s);
}

} // namespace
