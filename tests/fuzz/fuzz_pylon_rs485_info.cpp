// Fuzz target: the INFO decoders of the Pylontech RS485 commands (protocol/pylon_rs485.h):
// 0x42 analog (one module and system-wide), 0x44 alarm, 0x47 system parameters, 0x92 management,
// 0x51 manufacturer, 0x93 serial number, 0x99 join. The master BMS runs them on the subs' answers
// (models/battery/stack_master.cpp), a sub the 0x99 decoder on the master's join command (bms.cpp).
// Input: the INFO bytes; every decoder sees all of them. Invariants:
//  - decoders never throw, and leave `out` untouched when they return false;
//  - accepted INFO re-encodes without throwing, and decode(encode(x)) == x;
//  - byte-exact round trip wherever the layout keeps every bit: the re-encoded bytes equal the
//    received ones except bits the layout leaves undefined (alarm/management status bits), the
//    optional trailing 0x00 of 0x44, and the u16 capacity fields the decoder ignores when the
//    u24 ones are present (0x42 with 4 user items).
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "protocol/pylon_rs485.h"

using namespace stacksim::proto;
using bytes = std::vector<std::uint8_t>;

namespace {

bool same(const analog_info& a, const analog_info& b) {
    return a.info_flag == b.info_flag && a.adr == b.adr && a.cell_v == b.cell_v && a.temp_c == b.temp_c &&
           a.current_a == b.current_a && a.voltage_v == b.voltage_v && a.remaining_ah == b.remaining_ah &&
           a.total_ah == b.total_ah && a.cycles == b.cycles && a.user_item_count == b.user_item_count;
}
bool same(const system_parameters& a, const system_parameters& b) {
    return a.info_flag == b.info_flag && a.cell_high_voltage_limit_v == b.cell_high_voltage_limit_v &&
           a.cell_low_voltage_alarm_v == b.cell_low_voltage_alarm_v &&
           a.cell_under_voltage_protect_v == b.cell_under_voltage_protect_v &&
           a.charge_high_temp_limit_c == b.charge_high_temp_limit_c &&
           a.charge_low_temp_limit_c == b.charge_low_temp_limit_c && a.charge_current_limit_a == b.charge_current_limit_a &&
           a.module_high_voltage_limit_v == b.module_high_voltage_limit_v &&
           a.module_low_voltage_alarm_v == b.module_low_voltage_alarm_v &&
           a.module_under_voltage_protect_v == b.module_under_voltage_protect_v &&
           a.discharge_high_temp_limit_c == b.discharge_high_temp_limit_c &&
           a.discharge_low_temp_limit_c == b.discharge_low_temp_limit_c &&
           a.discharge_current_limit_a == b.discharge_current_limit_a;
}
bool same(const management_info& a, const management_info& b) {
    return a.adr == b.adr && a.charge_voltage_limit_v == b.charge_voltage_limit_v &&
           a.discharge_voltage_limit_v == b.discharge_voltage_limit_v &&
           a.max_charge_current_a == b.max_charge_current_a && a.max_discharge_current_a == b.max_discharge_current_a &&
           a.charge_enable == b.charge_enable && a.discharge_enable == b.discharge_enable &&
           a.force_charge_1 == b.force_charge_1 && a.force_charge_2 == b.force_charge_2 &&
           a.full_charge_request == b.full_charge_request;
}
bool same(const manufacturer_info& a, const manufacturer_info& b) {
    return a.battery_name == b.battery_name && a.sw_version_major == b.sw_version_major &&
           a.sw_version_minor == b.sw_version_minor && a.manufacturer == b.manufacturer;
}

// A value no decoder produces from any input, to see that a rejecting decoder left `out` alone.
analog_info analog_sentinel() {
    analog_info a;
    a.cell_v = {-1.0};
    a.cycles = 0xDEADBEEF;
    return a;
}

// Offset of the u16 remaining capacity in one 0x42 block starting at `at`.
std::size_t rem16_offset(std::size_t at, const analog_info& a) {
    return at + 1 + 2 * a.cell_v.size() + 1 + 2 * a.temp_c.size() + 2 + 2;
}
// `got` with the u16 capacity fields of a 4-item block copied from `want`, block at `at`.
std::size_t mask_u16_capacities(bytes& got, const bytes& want, std::size_t at, const analog_info& a) {
    const std::size_t rem = rem16_offset(at, a);
    if (a.user_item_count == 4 && rem + 5 <= got.size() && rem + 5 <= want.size()) {
        got[rem] = want[rem], got[rem + 1] = want[rem + 1];     // u16 remaining
        got[rem + 3] = want[rem + 3], got[rem + 4] = want[rem + 4]; // u16 total
    }
    return rem + 5 + 2 + (a.user_item_count == 4 ? 6 : 0); // next block
}

void analog(const bytes& info) {
    analog_info a = analog_sentinel();
    if (!decode_analog_info(info, a)) {
        FUZZ_CHECK(same(a, analog_sentinel()), "0x42: out untouched on rejection");
        return;
    }
    FUZZ_CHECK(a.user_item_count == 2 || a.user_item_count == 4, "0x42: 2 or 4 user items");
    FUZZ_CHECK(info.size() == analog_info_bytes(a.cell_v.size(), a.temp_c.size(), a.user_item_count),
               "0x42: analog_info_bytes");
    bytes again = encode_analog_info(a);
    analog_info back;
    FUZZ_CHECK(decode_analog_info(again, back) && same(back, a), "0x42: decode(encode(x)) == x");
    mask_u16_capacities(again, info, 2, a);
    FUZZ_CHECK(again == info, "0x42: byte-exact round trip");
}

void system_analog(const bytes& info) {
    std::vector<analog_info> mods{analog_sentinel()};
    if (!decode_system_analog_info(info, mods)) {
        FUZZ_CHECK(mods.size() == 1 && same(mods[0], analog_sentinel()), "0x42 system: out untouched on rejection");
        return;
    }
    FUZZ_CHECK(info.size() >= 2 && mods.size() == info[1], "0x42 system: module count");
    bytes again = encode_system_analog_info(info[0], mods);
    std::vector<analog_info> back;
    FUZZ_CHECK(decode_system_analog_info(again, back) && back.size() == mods.size(), "0x42 system: decode(encode)");
    std::size_t at = 2;
    for (std::size_t i = 0; i < mods.size(); ++i) {
        FUZZ_CHECK(same(back[i], mods[i]), "0x42 system: decode(encode(x)) == x");
        at = mask_u16_capacities(again, info, at, mods[i]);
    }
    FUZZ_CHECK(again == info, "0x42 system: byte-exact round trip");
}

void alarm(const bytes& info) {
    alarm_info a, untouched;
    a.cell_error_mask = untouched.cell_error_mask = 0xBEEF;
    if (!decode_alarm_info(info, a)) {
        FUZZ_CHECK(a == untouched, "0x44: out untouched on rejection");
        return;
    }
    bytes again = encode_alarm_info(a);
    alarm_info back;
    FUZZ_CHECK(decode_alarm_info(again, back) && back == a, "0x44: decode(encode(x)) == x");
    bytes want = info;
    if (want.size() == again.size() + 1) {
        FUZZ_CHECK(want.back() == 0, "0x44: only a 0x00 may trail");
        want.pop_back();
    }
    FUZZ_CHECK(want.size() == again.size(), "0x44: length");
    const std::size_t s1 = want.size() - 5; // status 1..3 carry defined bits only
    want[s1] &= 0xF7, want[s1 + 1] &= 0x0F, want[s1 + 2] &= 0xE9;
    FUZZ_CHECK(again == want, "0x44: byte-exact round trip of the defined bits");
}

void system_params(const bytes& info) {
    system_parameters p, untouched;
    p.info_flag = untouched.info_flag = 0xA5;
    p.cell_high_voltage_limit_v = untouched.cell_high_voltage_limit_v = -1;
    if (!decode_system_parameters(info, p)) {
        FUZZ_CHECK(same(p, untouched), "0x47: out untouched on rejection");
        return;
    }
    const bytes again = encode_system_parameters(p);
    system_parameters back;
    FUZZ_CHECK(decode_system_parameters(again, back) && same(back, p), "0x47: decode(encode(x)) == x");
    FUZZ_CHECK(again == info, "0x47: byte-exact round trip");
}

void management(const bytes& info) {
    management_info m, untouched;
    m.charge_voltage_limit_v = untouched.charge_voltage_limit_v = -1;
    if (!decode_management_info(info, m)) {
        FUZZ_CHECK(same(m, untouched), "0x92: out untouched on rejection");
        return;
    }
    FUZZ_CHECK(info.size() == 10, "0x92: 10 bytes");
    const bytes again = encode_management_info(m);
    management_info back;
    FUZZ_CHECK(decode_management_info(again, back) && same(back, m), "0x92: decode(encode(x)) == x");
    bytes want = info;
    want[9] &= 0xF8; // status b2..b0 undefined (decode accepted exactly 10 bytes)
    FUZZ_CHECK(again == want, "0x92: byte-exact round trip of the defined bits");
}

void manufacturer(const bytes& info) {
    manufacturer_info m, untouched;
    m.battery_name = untouched.battery_name = "untouched";
    if (!decode_manufacturer_info(info, m)) {
        FUZZ_CHECK(same(m, untouched), "0x51: out untouched on rejection");
        return;
    }
    FUZZ_CHECK(m.battery_name.size() <= 10 && m.manufacturer.size() <= 20, "0x51: field widths");
    const bytes again = encode_manufacturer_info(m);
    manufacturer_info back;
    FUZZ_CHECK(decode_manufacturer_info(again, back) && same(back, m), "0x51: decode(encode(x)) == x");
}

void serial_number(const bytes& info) {
    serial_number_info s{0xA5, "untouched"};
    if (!decode_serial_number_info(info, s)) {
        FUZZ_CHECK(s.adr == 0xA5 && s.serial == "untouched", "0x93: out untouched on rejection");
        return;
    }
    FUZZ_CHECK(info.size() == 1 + serial_number_chars && s.serial.size() <= serial_number_chars, "0x93: 17 bytes");
    const bytes again = encode_serial_number_info(s);
    serial_number_info back;
    FUZZ_CHECK(decode_serial_number_info(again, back) && back.adr == s.adr && back.serial == s.serial,
               "0x93: decode(encode(x)) == x");
}

void join(const bytes& info) {
    join_info j{0xA5, true};
    if (!decode_join_info(info, j)) {
        FUZZ_CHECK(j.adr == 0xA5 && j.join, "0x99: out untouched on rejection");
        return;
    }
    bytes want = info;
    want[1] = want[1] != 0 ? 1 : 0; // any non-zero byte means join
    FUZZ_CHECK(encode_join_info(j) == want, "0x99: round trip");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes info(data, data + size);
    analog(info);
    system_analog(info);
    alarm(info);
    system_params(info);
    management(info);
    manufacturer(info);
    serial_number(info);
    join(info);
    return 0;
}
