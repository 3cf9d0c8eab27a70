#include "protocol/pylon_rs485.h"

#include "protocol/hex.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace stacksim::proto {

namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";
constexpr char soi = '~';
constexpr char eoi = '\r';
constexpr std::size_t header_chars = 12;   // VER ADR CID1 CID2 LENGTH
constexpr std::size_t chksum_chars = 4;
constexpr std::uint16_t max_lenid = 0xFFF;
constexpr int temp_offset_raw = 2731;      // 0.1 K raw of 0 degC (protocols.md §2.5)

void append_hex(std::string& s, unsigned v, unsigned digits) {
    for (unsigned i = digits; i-- > 0;)
        s.push_back(hex_digits[(v >> (4 * i)) & 0xFu]);
}

// Hex value of chars [at, at + n), or -1 if any is not hex.
long hex_field(std::string_view s, std::size_t at, std::size_t n) {
    long v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const int d = hex_value(s[at + i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

double nan_to_zero(double v) { return std::isnan(v) ? 0.0 : v; }

std::int64_t scaled(double value, double resolution, double lo, double hi) {
    return static_cast<std::int64_t>(std::clamp(std::round(nan_to_zero(value) / resolution), lo, hi));
}

// Big-endian INFO writer.
struct writer {
    std::vector<std::uint8_t> out;
    void u8(unsigned v) { out.push_back(static_cast<std::uint8_t>(v)); }
    void u16(unsigned v) {
        u8((v >> 8) & 0xFF);
        u8(v & 0xFF);
    }
    void u24(unsigned v) {
        u8((v >> 16) & 0xFF);
        u16(v & 0xFFFF);
    }
    void u16_phys(double v, double res) { u16(static_cast<unsigned>(scaled(v, res, 0, 0xFFFF))); }
    void s16_phys(double v, double res) {
        u16(static_cast<unsigned>(static_cast<std::uint16_t>(static_cast<std::int16_t>(scaled(v, res, -0x8000, 0x7FFF)))));
    }
    // Saturated to the u16 field itself (-273.1 .. 6280.4 degC), so every raw value a decoder
    // produces encodes back to the same raw value.
    void temp(double t_c) {
        u16(static_cast<unsigned>(scaled(t_c, 0.1, -temp_offset_raw, 0xFFFF - temp_offset_raw) + temp_offset_raw));
    }
    void ascii(const std::string& s, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i)
            u8(i < s.size() ? static_cast<unsigned char>(s[i]) : 0);
    }
};

// Big-endian INFO reader; `ok` turns false on reading past the end.
struct reader {
    const std::vector<std::uint8_t>& in;
    std::size_t pos = 0;
    bool ok = true;
    explicit reader(const std::vector<std::uint8_t>& i) : in(i) {}
    unsigned u8() {
        if (pos >= in.size()) {
            ok = false;
            return 0;
        }
        return in[pos++];
    }
    unsigned u16() {
        const unsigned hi = u8();
        return (hi << 8) | u8();
    }
    unsigned u24() {
        const unsigned hi = u8();
        return (hi << 16) | u16();
    }
    double s16(double res) { return static_cast<std::int16_t>(static_cast<std::uint16_t>(u16())) * res; }
    double temp() { return (static_cast<int>(u16()) - temp_offset_raw) * 0.1; }
    std::string ascii(std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i)
            s.push_back(static_cast<char>(u8()));
        while (!s.empty() && (s.back() == '\0' || s.back() == ' '))
            s.pop_back();
        return s;
    }
    std::size_t left() const { return in.size() - pos; }
};

rs485_decoded failed(rs485_decoded d, rtn code, std::string why) {
    d.ok = false;
    d.rtn = code;
    d.error = std::move(why);
    d.frame.info.clear();
    return d;
}

void write_block(writer& w, const analog_info& a) {
    if (a.cell_v.size() > 0xFF || a.temp_c.size() > 0xFF)
        throw std::invalid_argument("0x42: more than 255 cells or temperatures");
    w.u8(static_cast<unsigned>(a.cell_v.size()));
    for (double v : a.cell_v)
        w.s16_phys(v, 0.001);
    w.u8(static_cast<unsigned>(a.temp_c.size()));
    for (double t : a.temp_c)
        w.temp(t);
    w.s16_phys(a.current_a, 0.1);
    w.u16_phys(a.voltage_v, 0.001);
    const std::int64_t rem_mah = scaled(a.remaining_ah, 0.001, 0, 0xFFFFFF);
    const std::int64_t tot_mah = scaled(a.total_ah, 0.001, 0, 0xFFFFFF);
    unsigned count = a.user_item_count;
    if (count == 0)
        count = (rem_mah > 0xFFFF || tot_mah > 0xFFFF) ? 4 : 2;
    if (count != 2 && count != 4)
        throw std::invalid_argument("0x42: user-defined item count must be 2 or 4");
    w.u16(static_cast<unsigned>(std::min<std::int64_t>(rem_mah, 0xFFFF)));
    w.u8(count);
    w.u16(static_cast<unsigned>(std::min<std::int64_t>(tot_mah, 0xFFFF)));
    w.u16(std::min(a.cycles, 0xFFFFu));
    if (count == 4) {
        w.u24(static_cast<unsigned>(rem_mah));
        w.u24(static_cast<unsigned>(tot_mah));
    }
}

bool read_block(reader& r, analog_info& a) {
    const unsigned m = r.u8();
    a.cell_v.resize(m);
    for (unsigned i = 0; i < m; ++i)
        a.cell_v[i] = r.s16(0.001);
    const unsigned n = r.u8();
    a.temp_c.resize(n);
    for (unsigned i = 0; i < n; ++i)
        a.temp_c[i] = r.temp();
    a.current_a = r.s16(0.1);
    a.voltage_v = r.u16() * 0.001;
    const unsigned rem16 = r.u16();
    const unsigned count = r.u8();
    const unsigned tot16 = r.u16();
    a.cycles = r.u16();
    a.user_item_count = static_cast<std::uint8_t>(count);
    if (count == 4) {
        a.remaining_ah = r.u24() * 0.001;
        a.total_ah = r.u24() * 0.001;
    } else if (count == 2) {
        a.remaining_ah = rem16 * 0.001;
        a.total_ah = tot16 * 0.001;
    } else {
        return false;
    }
    return r.ok;
}

std::uint8_t bit(bool b, unsigned n) { return static_cast<std::uint8_t>(b ? (1u << n) : 0u); }

} // namespace

const char* to_string(rtn code) {
    switch (code) {
    case rtn::normal: return "normal";
    case rtn::ver_error: return "VER error";
    case rtn::chksum_error: return "CHKSUM error";
    case rtn::lchksum_error: return "LCHKSUM error";
    case rtn::cid2_invalid: return "CID2 invalid";
    case rtn::format_error: return "command format error";
    case rtn::info_invalid: return "invalid INFO data";
    case rtn::adr_error: return "ADR error";
    case rtn::internal_comm_error: return "master/slave communication error";
    }
    return "unknown RTN";
}

std::uint8_t lchksum(std::uint16_t lenid) {
    if (lenid > max_lenid)
        throw std::invalid_argument("LENID exceeds 12 bits");
    const unsigned sum = ((lenid >> 8) & 0xF) + ((lenid >> 4) & 0xF) + (lenid & 0xF);
    return static_cast<std::uint8_t>((16 - sum % 16) % 16);
}

std::uint16_t length_field(std::uint16_t lenid) {
    return static_cast<std::uint16_t>((lchksum(lenid) << 12) | lenid);
}

std::string lchksum_length(std::uint16_t lenid) {
    std::string s;
    append_hex(s, length_field(lenid), 4);
    return s;
}

std::uint16_t chksum(std::string_view chars) {
    std::uint32_t sum = 0;
    for (char c : chars)
        sum += static_cast<unsigned char>(c);
    return static_cast<std::uint16_t>((0x10000u - (sum & 0xFFFFu)) & 0xFFFFu);
}

std::string encode_frame(std::uint8_t ver, std::uint8_t adr, std::uint8_t cid1, std::uint8_t cid2,
                         const std::vector<std::uint8_t>& info) {
    if (info.size() * 2 > max_lenid)
        throw std::invalid_argument("RS485 INFO longer than 2047 bytes");
    std::string s;
    s.reserve(rs485_frame_chars(info.size()));
    s.push_back(soi);
    append_hex(s, ver, 2);
    append_hex(s, adr, 2);
    append_hex(s, cid1, 2);
    append_hex(s, cid2, 2);
    s += lchksum_length(static_cast<std::uint16_t>(info.size() * 2));
    for (std::uint8_t b : info)
        append_hex(s, b, 2);
    append_hex(s, chksum(std::string_view(s).substr(1)), 4);
    s.push_back(eoi);
    return s;
}

std::string encode_frame(const pylon_frame& f) { return encode_frame(f.ver, f.adr, f.cid1, f.cid2, f.info); }

std::string encode_request(std::uint8_t ver, std::uint8_t adr, std::uint8_t cid2_code,
                           const std::vector<std::uint8_t>& info) {
    return encode_frame(ver, adr, cid1_battery, cid2_code, info);
}

std::string encode_response(std::uint8_t ver, std::uint8_t adr, rtn code, const std::vector<std::uint8_t>& info) {
    return encode_frame(ver, adr, cid1_battery, static_cast<std::uint8_t>(code), info);
}

rs485_decoded decode_frame(std::string_view chars, int expected_ver) {
    rs485_decoded d;
    if (chars.empty() || chars.front() != soi)
        return failed(d, rtn::format_error, "expected SOI '~' first");
    if (chars.back() != eoi)
        return failed(d, rtn::format_error, "expected EOI CR last");
    if (chars.size() < rs485_frame_overhead_chars)
        return failed(d, rtn::format_error, "frame shorter than 18 characters");
    const std::string_view body = chars.substr(1, chars.size() - 2);
    if (body.size() % 2 != 0)
        return failed(d, rtn::format_error, "odd number of hex characters");
    // Best-effort header, for the address of an error answer.
    const long adr = hex_field(body, 2, 2);
    if (adr >= 0) {
        d.adr_valid = true;
        d.frame.adr = static_cast<std::uint8_t>(adr);
    }
    const long ver = hex_field(body, 0, 2), c1 = hex_field(body, 4, 2), c2 = hex_field(body, 6, 2);
    if (ver >= 0)
        d.frame.ver = static_cast<std::uint8_t>(ver);
    if (c1 >= 0)
        d.frame.cid1 = static_cast<std::uint8_t>(c1);
    if (c2 >= 0)
        d.frame.cid2 = static_cast<std::uint8_t>(c2);

    const std::size_t sum_at = body.size() - chksum_chars;
    const long sent = hex_field(body, sum_at, chksum_chars);
    if (sent < 0)
        return failed(d, rtn::format_error, "CHKSUM field is not hex");
    const std::uint16_t want = chksum(body.substr(0, sum_at));
    if (static_cast<std::uint16_t>(sent) != want)
        return failed(d, rtn::chksum_error, "CHKSUM mismatch");
    for (std::size_t i = 0; i < sum_at; ++i)
        if (hex_value(body[i]) < 0)
            return failed(d, rtn::format_error, "non-hex character at position " + std::to_string(i + 1));
    const long length = hex_field(body, 8, 4);
    const std::uint16_t lenid = static_cast<std::uint16_t>(length & 0xFFF);
    if (static_cast<std::uint8_t>((length >> 12) & 0xF) != lchksum(lenid))
        return failed(d, rtn::lchksum_error, "LCHKSUM mismatch");
    const std::size_t info_chars = sum_at - header_chars;
    if (lenid % 2 != 0 || lenid != info_chars)
        return failed(d, rtn::format_error,
                      "LENID " + std::to_string(lenid) + " but " + std::to_string(info_chars) + " INFO characters");
    if (expected_ver >= 0 && d.frame.cid2 != cid2::protocol_version && d.frame.ver != expected_ver)
        return failed(d, rtn::ver_error, "unexpected VER");
    d.frame.info.resize(info_chars / 2);
    for (std::size_t i = 0; i < d.frame.info.size(); ++i)
        d.frame.info[i] = static_cast<std::uint8_t>(hex_field(body, header_chars + 2 * i, 2));
    d.ok = true;
    d.rtn = rtn::normal;
    return d;
}

// ---- 0x42 -----------------------------------------------------------------------------------

std::size_t analog_info_bytes(std::size_t cells, std::size_t temps, unsigned user_item_count) {
    return 2 + 1 + 2 * cells + 1 + 2 * temps + 2 + 2 + 2 + 1 + 2 + 2 + (user_item_count == 4 ? 6 : 0);
}

std::vector<std::uint8_t> encode_analog_info(const analog_info& a) {
    writer w;
    w.out.reserve(analog_info_bytes(a.cell_v.size(), a.temp_c.size(), 4));
    w.u8(a.info_flag);
    w.u8(a.adr);
    write_block(w, a);
    return std::move(w.out);
}

bool decode_analog_info(const std::vector<std::uint8_t>& info, analog_info& out) {
    reader r(info);
    analog_info a;
    a.info_flag = static_cast<std::uint8_t>(r.u8());
    a.adr = static_cast<std::uint8_t>(r.u8());
    if (!read_block(r, a) || r.left() != 0)
        return false;
    out = std::move(a);
    return true;
}

std::vector<std::uint8_t> encode_system_analog_info(std::uint8_t info_flag, const std::vector<analog_info>& modules) {
    if (modules.size() > 0xFF)
        throw std::invalid_argument("0x42: more than 255 modules");
    writer w;
    w.u8(info_flag);
    w.u8(static_cast<unsigned>(modules.size()));
    for (const analog_info& m : modules)
        write_block(w, m);
    return std::move(w.out);
}

bool decode_system_analog_info(const std::vector<std::uint8_t>& info, std::vector<analog_info>& out) {
    reader r(info);
    const std::uint8_t flag = static_cast<std::uint8_t>(r.u8());
    const unsigned n = r.u8();
    std::vector<analog_info> mods(n);
    for (analog_info& m : mods) {
        m.info_flag = flag;
        if (!read_block(r, m))
            return false;
    }
    if (!r.ok || r.left() != 0)
        return false;
    out = std::move(mods);
    return true;
}

// ---- 0x44 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_alarm_info(const alarm_info& a) {
    if (a.cell_state.size() > 0xFF || a.temp_state.size() > 0xFF)
        throw std::invalid_argument("0x44: more than 255 cells or temperatures");
    writer w;
    w.out.reserve(2 + 1 + a.cell_state.size() + 1 + a.temp_state.size() + 3 + 5);
    w.u8(a.info_flag);
    w.u8(a.adr);
    w.u8(static_cast<unsigned>(a.cell_state.size()));
    for (std::uint8_t s : a.cell_state)
        w.u8(s);
    w.u8(static_cast<unsigned>(a.temp_state.size()));
    for (std::uint8_t s : a.temp_state)
        w.u8(s);
    w.u8(a.charge_current_state);
    w.u8(a.module_voltage_state);
    w.u8(a.discharge_current_state);
    w.u8(bit(a.module_under_voltage, 7) | bit(a.charge_over_temp, 6) | bit(a.discharge_over_temp, 5) |
         bit(a.discharge_over_current, 4) | bit(a.charge_over_current, 2) | bit(a.cell_under_voltage, 1) |
         bit(a.module_over_voltage, 0));
    w.u8(bit(a.using_battery_power, 3) | bit(a.discharge_mosfet_on, 2) | bit(a.charge_mosfet_on, 1) |
         bit(a.precharge_mosfet_on, 0));
    w.u8(bit(a.effective_charge_current, 7) | bit(a.effective_discharge_current, 6) | bit(a.heater_on, 5) |
         bit(a.fully_charged, 3) | bit(a.buzzer_on, 0));
    w.u8(a.cell_error_mask & 0xFF);
    w.u8(a.cell_error_mask >> 8);
    return std::move(w.out);
}

bool decode_alarm_info(const std::vector<std::uint8_t>& info, alarm_info& out) {
    reader r(info);
    alarm_info a;
    a.info_flag = static_cast<std::uint8_t>(r.u8());
    a.adr = static_cast<std::uint8_t>(r.u8());
    a.cell_state.resize(r.u8());
    for (auto& s : a.cell_state)
        s = static_cast<std::uint8_t>(r.u8());
    a.temp_state.resize(r.u8());
    for (auto& s : a.temp_state)
        s = static_cast<std::uint8_t>(r.u8());
    a.charge_current_state = static_cast<std::uint8_t>(r.u8());
    a.module_voltage_state = static_cast<std::uint8_t>(r.u8());
    a.discharge_current_state = static_cast<std::uint8_t>(r.u8());
    const unsigned s1 = r.u8(), s2 = r.u8(), s3 = r.u8(), s4 = r.u8(), s5 = r.u8();
    if (!r.ok)
        return false;
    if (r.left() > 1 || (r.left() == 1 && info.back() != 0))
        return false;
    a.module_under_voltage = s1 & 0x80, a.charge_over_temp = s1 & 0x40, a.discharge_over_temp = s1 & 0x20;
    a.discharge_over_current = s1 & 0x10, a.charge_over_current = s1 & 0x04, a.cell_under_voltage = s1 & 0x02;
    a.module_over_voltage = s1 & 0x01;
    a.using_battery_power = s2 & 0x08, a.discharge_mosfet_on = s2 & 0x04, a.charge_mosfet_on = s2 & 0x02;
    a.precharge_mosfet_on = s2 & 0x01;
    a.effective_charge_current = s3 & 0x80, a.effective_discharge_current = s3 & 0x40, a.heater_on = s3 & 0x20;
    a.fully_charged = s3 & 0x08, a.buzzer_on = s3 & 0x01;
    a.cell_error_mask = static_cast<std::uint16_t>(s4 | (s5 << 8));
    out = std::move(a);
    return true;
}

bool operator==(const alarm_info& a, const alarm_info& b) {
    return a.info_flag == b.info_flag && a.adr == b.adr && a.cell_state == b.cell_state &&
           a.temp_state == b.temp_state && a.charge_current_state == b.charge_current_state &&
           a.module_voltage_state == b.module_voltage_state && a.discharge_current_state == b.discharge_current_state &&
           a.module_under_voltage == b.module_under_voltage && a.charge_over_temp == b.charge_over_temp &&
           a.discharge_over_temp == b.discharge_over_temp && a.discharge_over_current == b.discharge_over_current &&
           a.charge_over_current == b.charge_over_current && a.cell_under_voltage == b.cell_under_voltage &&
           a.module_over_voltage == b.module_over_voltage && a.using_battery_power == b.using_battery_power &&
           a.discharge_mosfet_on == b.discharge_mosfet_on && a.charge_mosfet_on == b.charge_mosfet_on &&
           a.precharge_mosfet_on == b.precharge_mosfet_on && a.effective_charge_current == b.effective_charge_current &&
           a.effective_discharge_current == b.effective_discharge_current && a.heater_on == b.heater_on &&
           a.fully_charged == b.fully_charged && a.buzzer_on == b.buzzer_on && a.cell_error_mask == b.cell_error_mask;
}

// ---- 0x47 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_system_parameters(const system_parameters& p) {
    writer w;
    w.u8(p.info_flag);
    w.u16_phys(p.cell_high_voltage_limit_v, 0.001);
    w.u16_phys(p.cell_low_voltage_alarm_v, 0.001);
    w.u16_phys(p.cell_under_voltage_protect_v, 0.001);
    w.temp(p.charge_high_temp_limit_c);
    w.temp(p.charge_low_temp_limit_c);
    w.s16_phys(p.charge_current_limit_a, 0.1);
    w.u16_phys(p.module_high_voltage_limit_v, 0.001);
    w.u16_phys(p.module_low_voltage_alarm_v, 0.001);
    w.u16_phys(p.module_under_voltage_protect_v, 0.001);
    w.temp(p.discharge_high_temp_limit_c);
    w.temp(p.discharge_low_temp_limit_c);
    w.s16_phys(p.discharge_current_limit_a, 0.1);
    return std::move(w.out);
}

bool decode_system_parameters(const std::vector<std::uint8_t>& info, system_parameters& out) {
    reader r(info);
    system_parameters p;
    p.info_flag = static_cast<std::uint8_t>(r.u8());
    p.cell_high_voltage_limit_v = r.u16() * 0.001;
    p.cell_low_voltage_alarm_v = r.u16() * 0.001;
    p.cell_under_voltage_protect_v = r.u16() * 0.001;
    p.charge_high_temp_limit_c = r.temp();
    p.charge_low_temp_limit_c = r.temp();
    p.charge_current_limit_a = r.s16(0.1);
    p.module_high_voltage_limit_v = r.u16() * 0.001;
    p.module_low_voltage_alarm_v = r.u16() * 0.001;
    p.module_under_voltage_protect_v = r.u16() * 0.001;
    p.discharge_high_temp_limit_c = r.temp();
    p.discharge_low_temp_limit_c = r.temp();
    p.discharge_current_limit_a = r.s16(0.1);
    if (!r.ok || r.left() != 0)
        return false;
    out = p;
    return true;
}

// ---- 0x92 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_management_info(const management_info& m) {
    writer w;
    w.u8(m.adr);
    w.u16_phys(m.charge_voltage_limit_v, 0.001);
    w.u16_phys(m.discharge_voltage_limit_v, 0.001);
    w.s16_phys(m.max_charge_current_a, 0.1);
    w.s16_phys(m.max_discharge_current_a, 0.1);
    w.u8(bit(m.charge_enable, 7) | bit(m.discharge_enable, 6) | bit(m.force_charge_1, 5) | bit(m.force_charge_2, 4) |
         bit(m.full_charge_request, 3));
    return std::move(w.out);
}

bool decode_management_info(const std::vector<std::uint8_t>& info, management_info& out) {
    reader r(info);
    management_info m;
    m.adr = static_cast<std::uint8_t>(r.u8());
    m.charge_voltage_limit_v = r.u16() * 0.001;
    m.discharge_voltage_limit_v = r.u16() * 0.001;
    m.max_charge_current_a = r.s16(0.1);
    m.max_discharge_current_a = r.s16(0.1);
    const unsigned st = r.u8();
    if (!r.ok || r.left() != 0)
        return false;
    m.charge_enable = st & 0x80, m.discharge_enable = st & 0x40, m.force_charge_1 = st & 0x20;
    m.force_charge_2 = st & 0x10, m.full_charge_request = st & 0x08;
    out = m;
    return true;
}

// ---- 0x51 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_manufacturer_info(const manufacturer_info& m) {
    writer w;
    w.ascii(m.battery_name, 10);
    w.u8(m.sw_version_major);
    w.u8(m.sw_version_minor);
    w.ascii(m.manufacturer, 20);
    return std::move(w.out);
}

bool decode_manufacturer_info(const std::vector<std::uint8_t>& info, manufacturer_info& out) {
    reader r(info);
    manufacturer_info m;
    m.battery_name = r.ascii(10);
    m.sw_version_major = static_cast<std::uint8_t>(r.u8());
    m.sw_version_minor = static_cast<std::uint8_t>(r.u8());
    m.manufacturer = r.ascii(20);
    if (!r.ok || r.left() != 0)
        return false;
    out = m;
    return true;
}

// ---- 0x99 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_join_info(const join_info& j) { return {j.adr, j.join ? std::uint8_t{1} : std::uint8_t{0}}; }

bool decode_join_info(const std::vector<std::uint8_t>& info, join_info& out) {
    if (info.size() != 2)
        return false;
    out.adr = info[0];
    out.join = info[1] != 0;
    return true;
}

} // namespace stacksim::proto
