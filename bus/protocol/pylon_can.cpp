#include "protocol/pylon_can.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace stacksim::proto {

namespace {

constexpr std::uint16_t u16_invalid = 0xFFFF;
constexpr std::uint16_t s16_invalid = 0x8000;
constexpr std::uint32_t u32_invalid = 0xFFFFFFFFu;

// value / resolution, rounded to nearest (halves away from zero), saturated to [lo, hi];
// NaN -> `invalid`.
template <typename T>
T to_raw(double value, double resolution, double lo, double hi, T invalid) {
    if (std::isnan(value))
        return invalid;
    const double r = std::round(value / resolution);
    return static_cast<T>(static_cast<std::int64_t>(std::clamp(r, lo, hi)));
}

std::uint16_t raw_u16(double v, double res) { return to_raw<std::uint16_t>(v, res, 0, 0xFFFE, u16_invalid); }
std::uint16_t raw_s16(double v, double res) {
    return static_cast<std::uint16_t>(to_raw<std::int16_t>(v, res, -0x7FFF, 0x7FFF, static_cast<std::int16_t>(-0x8000)));
}
std::uint32_t raw_u32(double v, double res) { return to_raw<std::uint32_t>(v, res, 0, 0xFFFFFFFEu, u32_invalid); }

void put_u16(can_frame& f, unsigned at, std::uint16_t raw) {
    f.data[at] = static_cast<std::uint8_t>(raw & 0xFF);
    f.data[at + 1] = static_cast<std::uint8_t>(raw >> 8);
}
void put_u32(can_frame& f, unsigned at, std::uint32_t raw) {
    put_u16(f, at, static_cast<std::uint16_t>(raw & 0xFFFF));
    put_u16(f, at + 2, static_cast<std::uint16_t>(raw >> 16));
}
std::uint16_t get_u16(const can_frame& f, unsigned at) {
    return static_cast<std::uint16_t>(f.data[at] | (f.data[at + 1] << 8));
}
std::uint32_t get_u32(const can_frame& f, unsigned at) {
    return static_cast<std::uint32_t>(get_u16(f, at)) | (static_cast<std::uint32_t>(get_u16(f, at + 2)) << 16);
}
double phys_u16(const can_frame& f, unsigned at, double res) {
    const std::uint16_t raw = get_u16(f, at);
    return raw == u16_invalid ? std::numeric_limits<double>::quiet_NaN() : raw * res;
}
double phys_s16(const can_frame& f, unsigned at, double res) {
    const std::uint16_t raw = get_u16(f, at);
    return raw == s16_invalid ? std::numeric_limits<double>::quiet_NaN() : static_cast<std::int16_t>(raw) * res;
}
double phys_u32(const can_frame& f, unsigned at, double res) {
    const std::uint32_t raw = get_u32(f, at);
    return raw == u32_invalid ? std::numeric_limits<double>::quiet_NaN() : raw * res;
}

can_frame blank(std::uint32_t id, std::uint8_t dlc) {
    can_frame f;
    f.id = id;
    f.dlc = dlc;
    return f;
}

void require_dlc(std::uint32_t id, std::uint8_t dlc) {
    const std::vector<std::uint8_t> ok = can_allowed_dlcs(id);
    if (std::find(ok.begin(), ok.end(), dlc) == ok.end())
        throw std::invalid_argument("CAN message " + can_id_text(id) + ": DLC " + std::to_string(dlc) +
                                    " not allowed");
}

// A frame this decoder may read: right ID, 11-bit data frame, at least `min_dlc` bytes.
bool readable(const can_frame& f, std::uint32_t id, std::uint8_t min_dlc) {
    return f.id == id && !f.extended && !f.rtr && f.dlc >= min_dlc && f.dlc <= can_max_dlc;
}

void put_ascii(can_frame& f, const std::string& s, std::size_t from, unsigned at, unsigned count) {
    for (unsigned i = 0; i < count; ++i)
        f.data[at + i] = from + i < s.size() ? static_cast<std::uint8_t>(s[from + i]) : 0;
}
std::string get_ascii(const can_frame& f, unsigned at, unsigned count) {
    std::string s;
    for (unsigned i = 0; i < count; ++i)
        s.push_back(static_cast<char>(f.data[at + i]));
    while (!s.empty() && s.back() == '\0')
        s.pop_back();
    return s;
}

// 0x359 bit maps (protocols.md §1.3, [C] S1/S6/S7/S8). Bytes 0-3 as a little-endian u32.
constexpr std::uint32_t b0(unsigned bit) { return 1u << bit; }
constexpr std::uint32_t b1(unsigned bit) { return 1u << (8 + bit); }
constexpr std::uint32_t b2(unsigned bit) { return 1u << (16 + bit); }
constexpr std::uint32_t b3(unsigned bit) { return 1u << (24 + bit); }

struct flag_bit {
    bool battery_conditions::*field;
    std::uint32_t protection_mask;
    std::uint32_t alarm_mask;
};
constexpr flag_bit flags_359_map[] = {
    {&battery_conditions::discharge_over_current, b0(7), b2(7)},
    {&battery_conditions::under_temp, b0(4), b2(4)},
    {&battery_conditions::over_temp, b0(3), b2(3)},
    {&battery_conditions::under_voltage, b0(2), b2(2)},
    {&battery_conditions::over_voltage, b0(1), b2(1)},
    {&battery_conditions::system_error, b1(3), b3(3)},
    {&battery_conditions::charge_over_current, b1(0), b3(0)},
};

// 0x35A event index -> condition (null = reserved pair).
constexpr bool battery_conditions::*sma_map[16] = {
    &battery_conditions::general,           &battery_conditions::over_voltage,
    &battery_conditions::under_voltage,     &battery_conditions::over_temp,
    &battery_conditions::under_temp,        &battery_conditions::charge_over_temp,
    &battery_conditions::charge_under_temp, &battery_conditions::discharge_over_current,
    &battery_conditions::charge_over_current, &battery_conditions::contactor,
    &battery_conditions::short_circuit,     &battery_conditions::system_error,
    &battery_conditions::cell_imbalance,    nullptr,
    nullptr,                                nullptr,
};

constexpr double kelvin_offset_c = 273.15;

} // namespace

bool operator==(const battery_conditions& a, const battery_conditions& b) {
    return a.over_voltage == b.over_voltage && a.under_voltage == b.under_voltage && a.over_temp == b.over_temp &&
           a.under_temp == b.under_temp && a.discharge_over_current == b.discharge_over_current &&
           a.charge_over_current == b.charge_over_current && a.system_error == b.system_error &&
           a.general == b.general && a.charge_over_temp == b.charge_over_temp &&
           a.charge_under_temp == b.charge_under_temp && a.contactor == b.contactor &&
           a.short_circuit == b.short_circuit && a.cell_imbalance == b.cell_imbalance;
}

sma_alarms_35a sma_pairs_from_conditions(const battery_conditions& alarm, const battery_conditions& warning) {
    sma_alarms_35a p;
    for (unsigned i = 0; i < 16; ++i) {
        if (!sma_map[i])
            continue;
        p.alarm[i] = alarm.*sma_map[i] ? sma_pair::active : sma_pair::ok;
        p.warning[i] = warning.*sma_map[i] ? sma_pair::active : sma_pair::ok;
    }
    return p;
}

void sma_conditions_from_pairs(const sma_alarms_35a& p, battery_conditions& alarm, battery_conditions& warning) {
    for (unsigned i = 0; i < 16; ++i) {
        if (!sma_map[i])
            continue;
        alarm.*sma_map[i] = p.alarm[i] == sma_pair::active;
        warning.*sma_map[i] = p.warning[i] == sma_pair::active;
    }
}

// ---- sets ---------------------------------------------------------------------------------

can_message_set pylon_v12_set() {
    return {"pylon_v12",
            {{can_id::limits, 8},
             {can_id::soc, 4},
             {can_id::measurements, 6},
             {can_id::pylon_flags, 7},
             {can_id::requests, 2},
             {can_id::manufacturer, 8}},
            "PYLON   "};
}

can_message_set sma_set() {
    return {"sma",
            {{can_id::limits, 8},
             {can_id::soc, 8},
             {can_id::measurements, 8},
             {can_id::sma_alarms, 8},
             {can_id::manufacturer, 8},
             {can_id::battery_info, 8}},
            "STACKSIM"};
}

std::vector<std::uint8_t> can_allowed_dlcs(std::uint32_t id) {
    switch (id) {
    case can_id::limits: return {6, 8};
    case can_id::soc: return {4, 6, 8};
    case can_id::measurements: return {6, 8};
    case can_id::pylon_flags: return {7, 8};
    case can_id::sma_alarms: return {8};
    case can_id::requests: return {2, 8};
    case can_id::manufacturer: return {1, 2, 3, 4, 5, 6, 7, 8};
    case can_id::battery_info: return {6, 8};
    case can_id::bms_name_1:
    case can_id::bms_name_2:
    case can_id::module_counts:
    case can_id::cell_extremes:
    case can_id::min_cell_v_id:
    case can_id::max_cell_v_id:
    case can_id::min_cell_temp_id:
    case can_id::max_cell_temp_id:
    case can_id::energy: return {8};
    case can_id::installed_capacity: return {2, 8};
    default: return {};
    }
}

std::string validate(const can_message_set& set) {
    for (const can_message_spec& m : set.messages) {
        const std::vector<std::uint8_t> ok = can_allowed_dlcs(m.id);
        if (ok.empty())
            return "message set '" + set.name + "': no encoder for ID " + can_id_text(m.id);
        if (std::find(ok.begin(), ok.end(), m.dlc) == ok.end())
            return "message set '" + set.name + "': DLC " + std::to_string(m.dlc) + " not allowed for ID " +
                   can_id_text(m.id);
        if (m.id == can_id::manufacturer && set.manufacturer.size() > m.dlc)
            return "message set '" + set.name + "': manufacturer '" + set.manufacturer + "' longer than DLC " +
                   std::to_string(m.dlc);
    }
    return {};
}

// ---- encoders -----------------------------------------------------------------------------

can_frame encode_351(const limits_351& v, std::uint8_t dlc) {
    require_dlc(can_id::limits, dlc);
    can_frame f = blank(can_id::limits, dlc);
    put_u16(f, 0, raw_u16(v.cvl_v, 0.1));
    put_u16(f, 2, raw_s16(v.ccl_a, 0.1));
    put_u16(f, 4, raw_s16(v.dcl_a, 0.1));
    if (dlc >= 8)
        put_u16(f, 6, raw_u16(v.dvl_v, 0.1));
    return f;
}

can_frame encode_355(const soc_355& v, std::uint8_t dlc) {
    require_dlc(can_id::soc, dlc);
    can_frame f = blank(can_id::soc, dlc);
    put_u16(f, 0, raw_u16(v.soc_pct, 1.0));
    put_u16(f, 2, raw_u16(v.soh_pct, 1.0));
    if (dlc >= 6)
        put_u16(f, 4, raw_u16(v.soc_hires_pct, 0.01));
    return f;
}

can_frame encode_356(const measurements_356& v, std::uint8_t dlc) {
    require_dlc(can_id::measurements, dlc);
    can_frame f = blank(can_id::measurements, dlc);
    put_u16(f, 0, raw_s16(v.voltage_v, 0.01));
    put_u16(f, 2, raw_s16(v.current_a, 0.1));
    put_u16(f, 4, raw_s16(v.temp_c, 0.1));
    return f;
}

can_frame encode_359(const flags_359& v, std::uint8_t dlc) {
    require_dlc(can_id::pylon_flags, dlc);
    can_frame f = blank(can_id::pylon_flags, dlc);
    std::uint32_t bits = 0;
    for (const flag_bit& m : flags_359_map) {
        if (v.protection.*m.field)
            bits |= m.protection_mask;
        if (v.alarm.*m.field)
            bits |= m.alarm_mask;
    }
    put_u32(f, 0, bits);
    f.data[4] = v.module_count;
    f.data[5] = 'P';
    f.data[6] = 'N';
    return f;
}

can_frame encode_35a(const sma_alarms_35a& v) {
    can_frame f = blank(can_id::sma_alarms, 8);
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned shift = 2 * (i % 4);
        f.data[i / 4] |= static_cast<std::uint8_t>(static_cast<unsigned>(v.alarm[i]) << shift);
        f.data[4 + i / 4] |= static_cast<std::uint8_t>(static_cast<unsigned>(v.warning[i]) << shift);
    }
    return f;
}

can_frame encode_35c(const requests_35c& v, std::uint8_t dlc) {
    require_dlc(can_id::requests, dlc);
    can_frame f = blank(can_id::requests, dlc);
    f.data[0] = static_cast<std::uint8_t>((v.charge_enable ? 0x80 : 0) | (v.discharge_enable ? 0x40 : 0) |
                                          (v.force_charge_1 ? 0x20 : 0) | (v.force_charge_2 ? 0x10 : 0) |
                                          (v.full_charge_request ? 0x08 : 0));
    return f;
}

can_frame encode_35e(const std::string& manufacturer, std::uint8_t dlc) {
    require_dlc(can_id::manufacturer, dlc);
    if (manufacturer.size() > dlc)
        throw std::invalid_argument("0x35E: manufacturer '" + manufacturer + "' longer than DLC");
    can_frame f = blank(can_id::manufacturer, dlc);
    put_ascii(f, manufacturer, 0, 0, dlc);
    return f;
}

can_frame encode_35f(const battery_info_35f& v, std::uint8_t dlc) {
    require_dlc(can_id::battery_info, dlc);
    can_frame f = blank(can_id::battery_info, dlc);
    f.data[0] = static_cast<std::uint8_t>(v.chemistry[0]);
    f.data[1] = static_cast<std::uint8_t>(v.chemistry[1]);
    f.data[2] = v.version_major;
    f.data[3] = v.version_minor;
    put_u16(f, 4, raw_u16(v.capacity_ah, 1.0));
    return f;
}

can_frame encode_message(const can_message_spec& spec, const battery_can_state& s, const std::string& manufacturer) {
    switch (spec.id) {
    case can_id::limits: return encode_351({s.cvl_v, s.ccl_a, s.dcl_a, s.dvl_v, true}, spec.dlc);
    case can_id::soc: return encode_355({s.soc_pct, s.soh_pct, s.soc_hires_pct, true}, spec.dlc);
    case can_id::measurements: return encode_356({s.voltage_v, s.current_a, s.temp_c}, spec.dlc);
    case can_id::pylon_flags: return encode_359({s.protection, s.alarm, s.module_count, 0}, spec.dlc);
    case can_id::sma_alarms: require_dlc(spec.id, spec.dlc); return encode_35a(sma_pairs_from_conditions(s.protection, s.alarm));
    case can_id::requests:
        return encode_35c({s.charge_enable, s.discharge_enable, s.force_charge_1, s.force_charge_2, s.full_charge_request},
                          spec.dlc);
    case can_id::manufacturer: return encode_35e(manufacturer, spec.dlc);
    case can_id::battery_info:
        return encode_35f({s.chemistry, s.bms_version_major, s.bms_version_minor, s.capacity_ah}, spec.dlc);
    default: break;
    }
    require_dlc(spec.id, spec.dlc);
    can_frame f = blank(spec.id, spec.dlc);
    switch (spec.id) {
    case can_id::bms_name_1: put_ascii(f, s.bms_name, 0, 0, 8); break;
    case can_id::bms_name_2: put_ascii(f, s.bms_name, 8, 0, 8); break;
    case can_id::module_counts:
        put_u16(f, 0, s.modules_ok);
        put_u16(f, 2, s.modules_blocking_charge);
        put_u16(f, 4, s.modules_blocking_discharge);
        put_u16(f, 6, s.modules_offline);
        break;
    case can_id::cell_extremes:
        put_u16(f, 0, raw_u16(s.min_cell_v, 0.001));
        put_u16(f, 2, raw_u16(s.max_cell_v, 0.001));
        put_u16(f, 4, raw_u16(s.min_cell_temp_c + kelvin_offset_c, 1.0));
        put_u16(f, 6, raw_u16(s.max_cell_temp_c + kelvin_offset_c, 1.0));
        break;
    case can_id::min_cell_v_id: put_ascii(f, s.min_cell_v_name, 0, 0, 8); break;
    case can_id::max_cell_v_id: put_ascii(f, s.max_cell_v_name, 0, 0, 8); break;
    case can_id::min_cell_temp_id: put_ascii(f, s.min_cell_temp_name, 0, 0, 8); break;
    case can_id::max_cell_temp_id: put_ascii(f, s.max_cell_temp_name, 0, 0, 8); break;
    case can_id::energy:
        put_u32(f, 0, raw_u32(s.charged_energy_kwh, 0.1));
        put_u32(f, 4, raw_u32(s.discharged_energy_kwh, 0.1));
        break;
    case can_id::installed_capacity: put_u16(f, 0, raw_u16(s.installed_capacity_ah, 1.0)); break;
    default: break; // unreachable: require_dlc rejected unknown IDs
    }
    return f;
}

std::vector<can_frame> encode_message_set(const can_message_set& set, const battery_can_state& s) {
    const std::string err = validate(set);
    if (!err.empty())
        throw std::invalid_argument(err);
    std::vector<can_frame> frames;
    frames.reserve(set.messages.size());
    for (const can_message_spec& m : set.messages)
        frames.push_back(encode_message(m, s, set.manufacturer));
    return frames;
}

// ---- decoders -----------------------------------------------------------------------------

bool decode_351(const can_frame& f, limits_351& out) {
    if (!readable(f, can_id::limits, 6))
        return false;
    out.cvl_v = phys_u16(f, 0, 0.1);
    out.ccl_a = phys_s16(f, 2, 0.1);
    out.dcl_a = phys_s16(f, 4, 0.1);
    out.dvl_present = f.dlc >= 8;
    out.dvl_v = out.dvl_present ? phys_u16(f, 6, 0.1) : std::numeric_limits<double>::quiet_NaN();
    return true;
}

bool decode_355(const can_frame& f, soc_355& out) {
    if (!readable(f, can_id::soc, 4))
        return false;
    out.soc_pct = phys_u16(f, 0, 1.0);
    out.soh_pct = phys_u16(f, 2, 1.0);
    out.hires_present = f.dlc >= 6;
    out.soc_hires_pct = out.hires_present ? phys_u16(f, 4, 0.01) : std::numeric_limits<double>::quiet_NaN();
    return true;
}

bool decode_356(const can_frame& f, measurements_356& out) {
    if (!readable(f, can_id::measurements, 6))
        return false;
    out.voltage_v = phys_s16(f, 0, 0.01);
    out.current_a = phys_s16(f, 2, 0.1);
    out.temp_c = phys_s16(f, 4, 0.1);
    return true;
}

bool decode_359(const can_frame& f, flags_359& out) {
    if (!readable(f, can_id::pylon_flags, 5))
        return false;
    const std::uint32_t bits = get_u32(f, 0);
    std::uint32_t known = 0;
    flags_359 r;
    for (const flag_bit& m : flags_359_map) {
        r.protection.*m.field = (bits & m.protection_mask) != 0;
        r.alarm.*m.field = (bits & m.alarm_mask) != 0;
        known |= m.protection_mask | m.alarm_mask;
    }
    r.module_count = f.data[4];
    r.undefined_bits = bits & ~known;
    out = r;
    return true;
}

bool decode_35a(const can_frame& f, sma_alarms_35a& out) {
    if (!readable(f, can_id::sma_alarms, 8))
        return false;
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned shift = 2 * (i % 4);
        out.alarm[i] = static_cast<sma_pair>((f.data[i / 4] >> shift) & 3u);
        out.warning[i] = static_cast<sma_pair>((f.data[4 + i / 4] >> shift) & 3u);
    }
    return true;
}

bool decode_35c(const can_frame& f, requests_35c& out) {
    if (!readable(f, can_id::requests, 1))
        return false;
    const std::uint8_t b = f.data[0];
    out.charge_enable = (b & 0x80) != 0;
    out.discharge_enable = (b & 0x40) != 0;
    out.force_charge_1 = (b & 0x20) != 0;
    out.force_charge_2 = (b & 0x10) != 0;
    out.full_charge_request = (b & 0x08) != 0;
    return true;
}

bool decode_35e(const can_frame& f, std::string& manufacturer) {
    if (!readable(f, can_id::manufacturer, 1))
        return false;
    manufacturer = get_ascii(f, 0, f.dlc);
    return true;
}

bool decode_35f(const can_frame& f, battery_info_35f& out) {
    if (!readable(f, can_id::battery_info, 6))
        return false;
    out.chemistry = {{static_cast<char>(f.data[0]), static_cast<char>(f.data[1])}};
    out.version_major = f.data[2];
    out.version_minor = f.data[3];
    out.capacity_ah = phys_u16(f, 4, 1.0);
    return true;
}

bool decode_battery_frame(const can_frame& f, battery_can_state& s, std::string* manufacturer) {
    switch (f.id) {
    case can_id::limits: {
        limits_351 v;
        if (!decode_351(f, v))
            return false;
        s.cvl_v = v.cvl_v, s.ccl_a = v.ccl_a, s.dcl_a = v.dcl_a;
        if (v.dvl_present)
            s.dvl_v = v.dvl_v;
        return true;
    }
    case can_id::soc: {
        soc_355 v;
        if (!decode_355(f, v))
            return false;
        s.soc_pct = v.soc_pct, s.soh_pct = v.soh_pct;
        if (v.hires_present)
            s.soc_hires_pct = v.soc_hires_pct;
        return true;
    }
    case can_id::measurements: {
        measurements_356 v;
        if (!decode_356(f, v))
            return false;
        s.voltage_v = v.voltage_v, s.current_a = v.current_a, s.temp_c = v.temp_c;
        return true;
    }
    case can_id::pylon_flags: {
        flags_359 v;
        if (!decode_359(f, v))
            return false;
        for (const flag_bit& m : flags_359_map) {
            s.protection.*m.field = v.protection.*m.field;
            s.alarm.*m.field = v.alarm.*m.field;
        }
        s.module_count = v.module_count;
        return true;
    }
    case can_id::sma_alarms: {
        sma_alarms_35a v;
        if (!decode_35a(f, v))
            return false;
        sma_conditions_from_pairs(v, s.protection, s.alarm);
        return true;
    }
    case can_id::requests: {
        requests_35c v;
        if (!decode_35c(f, v))
            return false;
        s.charge_enable = v.charge_enable, s.discharge_enable = v.discharge_enable;
        s.force_charge_1 = v.force_charge_1, s.force_charge_2 = v.force_charge_2;
        s.full_charge_request = v.full_charge_request;
        return true;
    }
    case can_id::manufacturer: {
        std::string m;
        if (!decode_35e(f, m))
            return false;
        if (manufacturer)
            *manufacturer = m;
        return true;
    }
    case can_id::battery_info: {
        battery_info_35f v;
        if (!decode_35f(f, v))
            return false;
        s.chemistry = v.chemistry;
        s.bms_version_major = v.version_major, s.bms_version_minor = v.version_minor;
        s.capacity_ah = v.capacity_ah;
        return true;
    }
    default: break;
    }
    const std::vector<std::uint8_t> dlcs = can_allowed_dlcs(f.id);
    if (dlcs.empty() || !readable(f, f.id, dlcs.front()))
        return false;
    switch (f.id) {
    case can_id::bms_name_1: {
        // Characters 0-7; a second half already received stays at 8-15 (NUL padding between).
        std::string name = get_ascii(f, 0, 8);
        if (s.bms_name.size() > 8) {
            name.resize(8, '\0');
            name += s.bms_name.substr(8);
        }
        s.bms_name = name;
        break;
    }
    case can_id::bms_name_2: {
        std::string head = s.bms_name.substr(0, std::min<std::size_t>(8, s.bms_name.size()));
        head.resize(8, '\0');
        s.bms_name = head + get_ascii(f, 0, 8);
        while (!s.bms_name.empty() && s.bms_name.back() == '\0')
            s.bms_name.pop_back();
        break;
    }
    case can_id::module_counts:
        s.modules_ok = get_u16(f, 0);
        s.modules_blocking_charge = get_u16(f, 2);
        s.modules_blocking_discharge = get_u16(f, 4);
        s.modules_offline = get_u16(f, 6);
        break;
    case can_id::cell_extremes:
        s.min_cell_v = phys_u16(f, 0, 0.001);
        s.max_cell_v = phys_u16(f, 2, 0.001);
        s.min_cell_temp_c = phys_u16(f, 4, 1.0) - kelvin_offset_c;
        s.max_cell_temp_c = phys_u16(f, 6, 1.0) - kelvin_offset_c;
        break;
    case can_id::min_cell_v_id: s.min_cell_v_name = get_ascii(f, 0, 8); break;
    case can_id::max_cell_v_id: s.max_cell_v_name = get_ascii(f, 0, 8); break;
    case can_id::min_cell_temp_id: s.min_cell_temp_name = get_ascii(f, 0, 8); break;
    case can_id::max_cell_temp_id: s.max_cell_temp_name = get_ascii(f, 0, 8); break;
    case can_id::energy:
        s.charged_energy_kwh = phys_u32(f, 0, 0.1);
        s.discharged_energy_kwh = phys_u32(f, 4, 0.1);
        break;
    case can_id::installed_capacity: s.installed_capacity_ah = phys_u16(f, 0, 1.0); break;
    default: return false;
    }
    return true;
}

// ---- inverter -> battery ------------------------------------------------------------------

can_frame encode_305_pylon() { return blank(can_id::inverter_heartbeat, 8); }

can_frame encode_305_sma(const sma_305& v) {
    can_frame f = blank(can_id::inverter_heartbeat, 8);
    put_u16(f, 0, raw_u16(v.voltage_v, 0.1));
    put_u16(f, 2, raw_s16(-v.current_a, 0.1)); // SMA: negative while charging
    put_u16(f, 4, raw_s16(v.temp_c, 0.1));
    put_u16(f, 6, raw_s16(v.soc_pct, 0.1));
    return f;
}

bool decode_305_sma(const can_frame& f, sma_305& out) {
    if (!readable(f, can_id::inverter_heartbeat, 8))
        return false;
    out.voltage_v = phys_u16(f, 0, 0.1);
    out.current_a = -phys_s16(f, 2, 0.1);
    if (out.current_a == 0)
        out.current_a = 0.0; // no -0
    out.temp_c = phys_s16(f, 4, 0.1);
    out.soc_pct = phys_s16(f, 6, 0.1);
    return true;
}

bool is_heartbeat_305(const can_frame& f) { return f.id == can_id::inverter_heartbeat && !f.extended; }

can_frame encode_306(const sma_306& v) {
    can_frame f = blank(can_id::inverter_status, 8);
    put_u16(f, 0, raw_u16(v.soh_pct, 1.0));
    f.data[2] = v.charge_procedure;
    f.data[3] = v.operating_state;
    put_u16(f, 4, v.active_error);
    put_u16(f, 6, raw_u16(v.charge_voltage_setpoint_v, 0.1));
    return f;
}

bool decode_306(const can_frame& f, sma_306& out) {
    if (!readable(f, can_id::inverter_status, 8))
        return false;
    out.soh_pct = phys_u16(f, 0, 1.0);
    out.charge_procedure = f.data[2];
    out.operating_state = f.data[3];
    out.active_error = get_u16(f, 4);
    out.charge_voltage_setpoint_v = phys_u16(f, 6, 0.1);
    return true;
}

can_frame encode_307(const sma_307& v, std::uint8_t dlc) {
    if (dlc < 2 || dlc > 8)
        throw std::invalid_argument("0x307: DLC must be 2..8");
    can_frame f = blank(can_id::inverter_relays, dlc);
    put_u16(f, 0, v.relay_state);
    return f;
}

bool decode_307(const can_frame& f, sma_307& out) {
    if (!readable(f, can_id::inverter_relays, 2))
        return false;
    out.relay_state = get_u16(f, 0);
    return true;
}

} // namespace stacksim::proto
