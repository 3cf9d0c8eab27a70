#include "protocol/pylon_can.h"

#include "protocol/flag_bits.h"
#include "units/units.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::proto {

namespace {

// value / resolution, rounded to nearest (halves away from zero), saturated to [lo, hi];
// NaN -> `invalid`.
template <typename T>
T to_raw(double value, double resolution, double lo, double hi, T invalid) {
    if (std::isnan(value))
        return invalid;
    const double r = std::round(value / resolution);
    return static_cast<T>(static_cast<std::int64_t>(std::clamp(r, lo, hi)));
}

// ---- field layouts ------------------------------------------------------------------------
// Each message's payload is written down once, as a table of fields; its encoder and its decoder
// both walk that table (put_fields / get_fields), so offset, width, resolution, offset and the
// invalid code of a field cannot drift apart between the two directions.

enum class wire : std::uint8_t { u8, u16, s16, u32 }; // little-endian integers

constexpr unsigned width(wire w) { return w == wire::u8 ? 1u : w == wire::u32 ? 4u : 2u; }

// One field of message struct M. Exactly one of `number`, `byte`, `word` is set:
//  - number: a physical value; raw = (value, negated if `negate`, + offset) / resolution, rounded
//    and saturated, NaN <-> the type's invalid code (see pylon_can.h); decode is the inverse;
//  - byte / word: an integer copied as is.
// A field that does not fit the frame's DLC is not encoded; decoding makes it NaN and clears
// `present` (when given), otherwise sets `present`.
template <typename M>
struct field {
    std::uint8_t at = 0; // first byte
    wire type = wire::u16;
    double M::*number = nullptr;
    double resolution = 1.0;
    double offset = 0.0;
    bool negate = false;
    std::uint8_t M::*byte = nullptr;
    std::uint16_t M::*word = nullptr;
    bool M::*present = nullptr;

    constexpr field(double M::*m, std::uint8_t a, wire t, double res) : at(a), type(t), number(m), resolution(res) {}
    constexpr field(std::uint8_t M::*m, std::uint8_t a) : at(a), type(wire::u8), byte(m) {}
    constexpr field(std::uint16_t M::*m, std::uint8_t a) : at(a), type(wire::u16), word(m) {}
    // Sent as value + o (degC sent in K).
    constexpr field plus(double o) const { return with(&field::offset, o); }
    // Sent with its sign flipped (SMA 0x305 current: negative while charging).
    constexpr field negated() const { return with(&field::negate, true); }
    // A tail field that only some DLCs carry; `p` tells the decoder's caller.
    constexpr field optional(bool M::*p) const { return with(&field::present, p); }

    constexpr bool fits(unsigned dlc) const { return at + width(type) <= dlc; }

private:
    template <typename T, typename V>
    constexpr field with(T field::*member, V v) const {
        field d = *this;
        d.*member = v;
        return d;
    }
};

// A message: its ID, the fewest bytes a decoder accepts, and its fields.
template <typename M>
struct message_layout {
    std::uint32_t id;
    std::uint8_t min_dlc;
    const field<M>* fields;
    std::size_t count;
    template <std::size_t N>
    constexpr message_layout(std::uint32_t i, std::uint8_t min, const field<M> (&f)[N])
        : id(i), min_dlc(min), fields(f), count(N) {}
    const field<M>* begin() const { return fields; }
    const field<M>* end() const { return fields + count; }
};

std::uint32_t invalid_code(wire w) {
    switch (w) {
    case wire::u8: return 0xFFu;
    case wire::u16: return 0xFFFFu;
    case wire::s16: return 0x8000u;
    case wire::u32: break;
    }
    return 0xFFFFFFFFu;
}

// Encoding rule of pylon_can.h: finite values saturate below the invalid code.
std::uint32_t raw_of(double value, wire w, double res) {
    switch (w) {
    case wire::u8: return to_raw<std::uint8_t>(value, res, 0, 0xFE, 0xFF);
    case wire::u16: return to_raw<std::uint16_t>(value, res, 0, 0xFFFE, 0xFFFF);
    case wire::s16:
        return static_cast<std::uint16_t>(
            to_raw<std::int16_t>(value, res, -0x7FFF, 0x7FFF, static_cast<std::int16_t>(-0x8000)));
    case wire::u32: break;
    }
    return to_raw<std::uint32_t>(value, res, 0, 0xFFFFFFFEu, 0xFFFFFFFFu);
}

void put_le(can_frame& f, unsigned at, unsigned bytes, std::uint32_t raw) {
    for (unsigned i = 0; i < bytes; ++i)
        f.data[at + i] = static_cast<std::uint8_t>(raw >> (8 * i));
}
std::uint32_t get_le(const can_frame& f, unsigned at, unsigned bytes) {
    std::uint32_t raw = 0;
    for (unsigned i = bytes; i-- > 0;)
        raw = (raw << 8) | f.data[at + i];
    return raw;
}

template <typename M>
void put_fields(can_frame& f, const message_layout<M>& layout, const M& v) {
    for (const field<M>& d : layout) {
        if (!d.fits(f.dlc))
            continue;
        std::uint32_t raw = 0;
        if (d.number) {
            const double x = d.negate ? -(v.*d.number) : v.*d.number;
            raw = raw_of(x + d.offset, d.type, d.resolution);
        } else if (d.byte) {
            raw = v.*d.byte;
        } else {
            raw = v.*d.word;
        }
        put_le(f, d.at, width(d.type), raw);
    }
}

template <typename M>
void get_fields(const can_frame& f, const message_layout<M>& layout, M& out) {
    for (const field<M>& d : layout) {
        const bool here = d.fits(f.dlc);
        if (d.present)
            out.*d.present = here;
        const std::uint32_t raw = here ? get_le(f, d.at, width(d.type)) : 0;
        if (d.number) {
            double x = std::numeric_limits<double>::quiet_NaN();
            if (here) {
                if (raw != invalid_code(d.type))
                    x = d.type == wire::s16 ? static_cast<std::int16_t>(raw) * d.resolution : raw * d.resolution;
                x -= d.offset;
                if (d.negate)
                    x = -x;
                if (x == 0)
                    x = 0.0; // no -0
            }
            out.*d.number = x;
        } else if (d.byte) {
            out.*d.byte = static_cast<std::uint8_t>(raw);
        } else {
            out.*d.word = static_cast<std::uint16_t>(raw);
        }
    }
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

struct condition_bit {
    bool battery_conditions::*field;
    std::uint32_t protection_mask;
    std::uint32_t alarm_mask;
};
constexpr condition_bit flags_359_map[] = {
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

// ---- the messages' layouts (pylon_can.h) ---------------------------------------------------

constexpr field<limits_351> limits_fields[] = {
    {&limits_351::cvl_v, 0, wire::u16, 0.1},
    {&limits_351::ccl_a, 2, wire::s16, 0.1},
    {&limits_351::dcl_a, 4, wire::s16, 0.1},
    field<limits_351>{&limits_351::dvl_v, 6, wire::u16, 0.1}.optional(&limits_351::dvl_present),
};
constexpr message_layout<limits_351> limits_layout{can_id::limits, 6, limits_fields};

constexpr field<soc_355> soc_fields[] = {
    {&soc_355::soc_pct, 0, wire::u16, 1.0},
    {&soc_355::soh_pct, 2, wire::u16, 1.0},
    field<soc_355>{&soc_355::soc_hires_pct, 4, wire::u16, 0.01}.optional(&soc_355::hires_present),
};
constexpr message_layout<soc_355> soc_layout{can_id::soc, 4, soc_fields};

constexpr field<measurements_356> measurements_fields[] = {
    {&measurements_356::voltage_v, 0, wire::s16, 0.01},
    {&measurements_356::current_a, 2, wire::s16, 0.1},
    {&measurements_356::temp_c, 4, wire::s16, 0.1},
};
constexpr message_layout<measurements_356> measurements_layout{can_id::measurements, 6, measurements_fields};

// Bytes 0-3: the condition bits (flags_359_map); bytes 5-6: "PN".
constexpr field<flags_359> flags_fields[] = {{&flags_359::module_count, 4}};
constexpr message_layout<flags_359> flags_layout{can_id::pylon_flags, 5, flags_fields};

constexpr flag_bit<requests_35c> request_bits[] = {
    {&requests_35c::charge_enable, 0x80},  {&requests_35c::discharge_enable, 0x40},
    {&requests_35c::force_charge_1, 0x20}, {&requests_35c::force_charge_2, 0x10},
    {&requests_35c::full_charge_request, 0x08},
};

// Bytes 0-1: the chemistry letters.
constexpr field<battery_info_35f> battery_info_fields[] = {
    {&battery_info_35f::version_major, 2},
    {&battery_info_35f::version_minor, 3},
    {&battery_info_35f::capacity_ah, 4, wire::u16, 1.0},
};
constexpr message_layout<battery_info_35f> battery_info_layout{can_id::battery_info, 6, battery_info_fields};

// Victron extras, straight from/to the battery state (minimum DLC: can_allowed_dlcs).
constexpr field<battery_can_state> module_counts_fields[] = {
    {&battery_can_state::modules_ok, 0},
    {&battery_can_state::modules_blocking_charge, 2},
    {&battery_can_state::modules_blocking_discharge, 4},
    {&battery_can_state::modules_offline, 6},
};
constexpr message_layout<battery_can_state> module_counts_layout{can_id::module_counts, 8, module_counts_fields};

constexpr field<battery_can_state> cell_extremes_fields[] = {
    {&battery_can_state::min_cell_v, 0, wire::u16, 0.001},
    {&battery_can_state::max_cell_v, 2, wire::u16, 0.001},
    field<battery_can_state>{&battery_can_state::min_cell_temp_c, 4, wire::u16, 1.0}.plus(units::zero_celsius_k),
    field<battery_can_state>{&battery_can_state::max_cell_temp_c, 6, wire::u16, 1.0}.plus(units::zero_celsius_k),
};
constexpr message_layout<battery_can_state> cell_extremes_layout{can_id::cell_extremes, 8, cell_extremes_fields};

constexpr field<battery_can_state> energy_fields[] = {
    {&battery_can_state::charged_energy_kwh, 0, wire::u32, 0.1},
    {&battery_can_state::discharged_energy_kwh, 4, wire::u32, 0.1},
};
constexpr message_layout<battery_can_state> energy_layout{can_id::energy, 8, energy_fields};

constexpr field<battery_can_state> installed_capacity_fields[] = {
    {&battery_can_state::installed_capacity_ah, 0, wire::u16, 1.0},
};
constexpr message_layout<battery_can_state> installed_capacity_layout{can_id::installed_capacity, 2,
                                                                      installed_capacity_fields};

constexpr field<sma_305> sma_305_fields[] = {
    {&sma_305::voltage_v, 0, wire::u16, 0.1},
    field<sma_305>{&sma_305::current_a, 2, wire::s16, 0.1}.negated(), // SMA: negative while charging
    {&sma_305::temp_c, 4, wire::s16, 0.1},
    {&sma_305::soc_pct, 6, wire::s16, 0.1},
};
constexpr message_layout<sma_305> sma_305_layout{can_id::inverter_heartbeat, 8, sma_305_fields};

constexpr field<sma_306> sma_306_fields[] = {
    {&sma_306::soh_pct, 0, wire::u16, 1.0},
    {&sma_306::charge_procedure, 2},
    {&sma_306::operating_state, 3},
    {&sma_306::active_error, 4},
    {&sma_306::charge_voltage_setpoint_v, 6, wire::u16, 0.1},
};
constexpr message_layout<sma_306> sma_306_layout{can_id::inverter_status, 8, sma_306_fields};

constexpr field<sma_307> sma_307_fields[] = {{&sma_307::relay_state, 0}};
constexpr message_layout<sma_307> sma_307_layout{can_id::inverter_relays, 2, sma_307_fields};

// A frame of the layout's ID and `dlc` bytes, with every field that fits.
template <typename M>
can_frame encode_layout(const message_layout<M>& layout, const M& v, std::uint8_t dlc) {
    can_frame f = blank(layout.id, dlc);
    put_fields(f, layout, v);
    return f;
}

// The layout's fields from a frame the decoder may read; false (and `out` untouched) otherwise.
template <typename M>
bool decode_layout(const message_layout<M>& layout, const can_frame& f, M& out) {
    if (!readable(f, layout.id, layout.min_dlc))
        return false;
    get_fields(f, layout, out);
    return true;
}

} // namespace

bool operator==(const battery_conditions& a, const battery_conditions& b) {
    // sma_map names every member: 0x35A carries all the conditions.
    for (bool battery_conditions::*c : sma_map)
        if (c && a.*c != b.*c)
            return false;
    return true;
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
    return encode_layout(limits_layout, v, dlc);
}

can_frame encode_355(const soc_355& v, std::uint8_t dlc) {
    require_dlc(can_id::soc, dlc);
    return encode_layout(soc_layout, v, dlc);
}

can_frame encode_356(const measurements_356& v, std::uint8_t dlc) {
    require_dlc(can_id::measurements, dlc);
    return encode_layout(measurements_layout, v, dlc);
}

can_frame encode_359(const flags_359& v, std::uint8_t dlc) {
    require_dlc(can_id::pylon_flags, dlc);
    can_frame f = encode_layout(flags_layout, v, dlc);
    std::uint32_t bits = 0;
    for (const condition_bit& m : flags_359_map) {
        if (v.protection.*m.field)
            bits |= m.protection_mask;
        if (v.alarm.*m.field)
            bits |= m.alarm_mask;
    }
    put_le(f, 0, 4, bits);
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
    f.data[0] = static_cast<std::uint8_t>(pack_flags(v, request_bits));
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
    can_frame f = encode_layout(battery_info_layout, v, dlc);
    f.data[0] = static_cast<std::uint8_t>(v.chemistry[0]);
    f.data[1] = static_cast<std::uint8_t>(v.chemistry[1]);
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
    case can_id::module_counts: put_fields(f, module_counts_layout, s); break;
    case can_id::cell_extremes: put_fields(f, cell_extremes_layout, s); break;
    case can_id::min_cell_v_id: put_ascii(f, s.min_cell_v_name, 0, 0, 8); break;
    case can_id::max_cell_v_id: put_ascii(f, s.max_cell_v_name, 0, 0, 8); break;
    case can_id::min_cell_temp_id: put_ascii(f, s.min_cell_temp_name, 0, 0, 8); break;
    case can_id::max_cell_temp_id: put_ascii(f, s.max_cell_temp_name, 0, 0, 8); break;
    case can_id::energy: put_fields(f, energy_layout, s); break;
    case can_id::installed_capacity: put_fields(f, installed_capacity_layout, s); break;
    default: break; // unreachable: require_dlc rejected unknown IDs
    }
    return f;
}

std::vector<can_frame> encode_message_set(const can_message_set& set, const battery_can_state& s) {
    const perf::scope perf_scope(perf::layer::can);
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

bool decode_351(const can_frame& f, limits_351& out) { return decode_layout(limits_layout, f, out); }

bool decode_355(const can_frame& f, soc_355& out) { return decode_layout(soc_layout, f, out); }

bool decode_356(const can_frame& f, measurements_356& out) { return decode_layout(measurements_layout, f, out); }

bool decode_359(const can_frame& f, flags_359& out) {
    flags_359 r;
    if (!decode_layout(flags_layout, f, r))
        return false;
    const std::uint32_t bits = get_le(f, 0, 4);
    std::uint32_t known = 0;
    for (const condition_bit& m : flags_359_map) {
        r.protection.*m.field = (bits & m.protection_mask) != 0;
        r.alarm.*m.field = (bits & m.alarm_mask) != 0;
        known |= m.protection_mask | m.alarm_mask;
    }
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
    unpack_flags(f.data[0], out, request_bits);
    return true;
}

bool decode_35e(const can_frame& f, std::string& manufacturer) {
    if (!readable(f, can_id::manufacturer, 1))
        return false;
    manufacturer = get_ascii(f, 0, f.dlc);
    return true;
}

bool decode_35f(const can_frame& f, battery_info_35f& out) {
    if (!decode_layout(battery_info_layout, f, out))
        return false;
    out.chemistry = {{static_cast<char>(f.data[0]), static_cast<char>(f.data[1])}};
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
        for (const condition_bit& m : flags_359_map) {
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
    case can_id::module_counts: get_fields(f, module_counts_layout, s); break;
    case can_id::cell_extremes: get_fields(f, cell_extremes_layout, s); break;
    case can_id::min_cell_v_id: s.min_cell_v_name = get_ascii(f, 0, 8); break;
    case can_id::max_cell_v_id: s.max_cell_v_name = get_ascii(f, 0, 8); break;
    case can_id::min_cell_temp_id: s.min_cell_temp_name = get_ascii(f, 0, 8); break;
    case can_id::max_cell_temp_id: s.max_cell_temp_name = get_ascii(f, 0, 8); break;
    case can_id::energy: get_fields(f, energy_layout, s); break;
    case can_id::installed_capacity: get_fields(f, installed_capacity_layout, s); break;
    default: return false;
    }
    return true;
}

// ---- inverter -> battery ------------------------------------------------------------------

can_frame encode_305_pylon() { return blank(can_id::inverter_heartbeat, 8); }

can_frame encode_305_sma(const sma_305& v) { return encode_layout(sma_305_layout, v, 8); }

bool decode_305_sma(const can_frame& f, sma_305& out) { return decode_layout(sma_305_layout, f, out); }

bool is_heartbeat_305(const can_frame& f) { return f.id == can_id::inverter_heartbeat && !f.extended; }

can_frame encode_306(const sma_306& v) { return encode_layout(sma_306_layout, v, 8); }

bool decode_306(const can_frame& f, sma_306& out) { return decode_layout(sma_306_layout, f, out); }

can_frame encode_307(const sma_307& v, std::uint8_t dlc) {
    if (dlc < 2 || dlc > 8)
        throw std::invalid_argument("0x307: DLC must be 2..8");
    return encode_layout(sma_307_layout, v, dlc);
}

bool decode_307(const can_frame& f, sma_307& out) { return decode_layout(sma_307_layout, f, out); }

} // namespace stacksim::proto
