#include "protocol/pylon_rs485.h"

#include "protocol/flag_bits.h"
#include "protocol/hex.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace stacksim::proto {

namespace {

constexpr char soi = '~';
constexpr char eoi = '\r';
constexpr std::size_t header_chars = 12;   // VER ADR CID1 CID2 LENGTH
constexpr std::size_t chksum_chars = 4;
constexpr std::uint16_t max_lenid = 0xFFF;
constexpr int temp_offset_raw = 2731;      // 0.1 K raw of 0 degC (protocols.md §2.5)

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

// ---- INFO layouts ---------------------------------------------------------------------------
// Each INFO layout is written down once, as the sequence of its fields; the encoder and the
// decoder both walk it (write_fields / read_fields), so width, resolution and order of a field
// cannot drift apart between the two directions.

// How a number is coded (header of pylon_rs485.h): big-endian u16 / s16 at a resolution, or a
// temperature in 0.1 K with offset 2731.
enum class coding : std::uint8_t { u16, s16, temp };

// One INFO field of struct M. Exactly one member pointer is set:
//  number   a physical value, coded as `code`;
//  numbers  u8 count, then that many values coded as `code`;
//  byte     u8 as is;       bytes   u8 count, then that many bytes;
//  word_le  u16 as is, low byte first (0x44 status 4/5);
//  text     `length` ASCII characters, NUL padded (decode strips trailing NULs and blanks);
//  bits     one status byte of flags.
template <typename M>
struct info_field {
    coding code = coding::u16;
    double resolution = 0.1;
    double M::*number = nullptr;
    std::vector<double> M::*numbers = nullptr;
    std::uint8_t M::*byte = nullptr;
    std::vector<std::uint8_t> M::*bytes = nullptr;
    std::uint16_t M::*word_le = nullptr;
    std::string M::*text = nullptr;
    std::uint8_t length = 0;
    const flag_bit<M>* bits = nullptr;
    std::size_t bit_count = 0;

    constexpr info_field(double M::*m, coding c, double res = 0.1) : code(c), resolution(res), number(m) {}
    constexpr info_field(std::vector<double> M::*m, coding c, double res = 0.1) : code(c), resolution(res), numbers(m) {}
    constexpr info_field(std::uint8_t M::*m) : byte(m) {}
    constexpr info_field(std::vector<std::uint8_t> M::*m) : bytes(m) {}
    constexpr info_field(std::uint16_t M::*m) : word_le(m) {}
    constexpr info_field(std::string M::*m, std::uint8_t n) : text(m), length(n) {}
    template <std::size_t N>
    constexpr info_field(const flag_bit<M> (&b)[N]) : bits(b), bit_count(N) {}
};

void write_number(writer& w, coding code, double v, double res) {
    switch (code) {
    case coding::u16: w.u16_phys(v, res); return;
    case coding::s16: w.s16_phys(v, res); return;
    case coding::temp: w.temp(v); return;
    }
}
double read_number(reader& r, coding code, double res) {
    switch (code) {
    case coding::u16: return r.u16() * res;
    case coding::s16: return r.s16(res);
    case coding::temp: break;
    }
    return r.temp();
}

template <typename M, std::size_t N>
void write_fields(writer& w, const M& v, const info_field<M> (&layout)[N]) {
    for (const info_field<M>& d : layout) {
        if (d.number) {
            write_number(w, d.code, v.*d.number, d.resolution);
        } else if (d.numbers) {
            w.u8(static_cast<unsigned>((v.*d.numbers).size()));
            for (double x : v.*d.numbers)
                write_number(w, d.code, x, d.resolution);
        } else if (d.byte) {
            w.u8(v.*d.byte);
        } else if (d.bytes) {
            w.u8(static_cast<unsigned>((v.*d.bytes).size()));
            for (std::uint8_t b : v.*d.bytes)
                w.u8(b);
        } else if (d.word_le) {
            w.u8((v.*d.word_le) & 0xFFu);
            w.u8((v.*d.word_le) >> 8);
        } else if (d.text) {
            w.ascii(v.*d.text, d.length);
        } else {
            std::uint32_t b = 0;
            for (std::size_t i = 0; i < d.bit_count; ++i)
                if (v.*d.bits[i].field)
                    b |= d.bits[i].mask;
            w.u8(b);
        }
    }
}

// Reads every field in order; past the end the reader turns !ok and the values are 0.
template <typename M, std::size_t N>
void read_fields(reader& r, M& v, const info_field<M> (&layout)[N]) {
    for (const info_field<M>& d : layout) {
        if (d.number) {
            v.*d.number = read_number(r, d.code, d.resolution);
        } else if (d.numbers) {
            (v.*d.numbers).resize(r.u8());
            for (double& x : v.*d.numbers)
                x = read_number(r, d.code, d.resolution);
        } else if (d.byte) {
            v.*d.byte = static_cast<std::uint8_t>(r.u8());
        } else if (d.bytes) {
            (v.*d.bytes).resize(r.u8());
            for (std::uint8_t& b : v.*d.bytes)
                b = static_cast<std::uint8_t>(r.u8());
        } else if (d.word_le) {
            const unsigned lo = r.u8();
            v.*d.word_le = static_cast<std::uint16_t>(lo | (r.u8() << 8));
        } else if (d.text) {
            v.*d.text = r.ascii(d.length);
        } else {
            const unsigned b = r.u8();
            for (std::size_t i = 0; i < d.bit_count; ++i)
                v.*d.bits[i].field = (b & d.bits[i].mask) != 0;
        }
    }
}

// INFO of exactly the layout: a fresh M on success, `out` untouched otherwise.
template <typename M, std::size_t N>
bool read_exactly(const std::vector<std::uint8_t>& info, M& out, const info_field<M> (&layout)[N]) {
    reader r(info);
    M v;
    read_fields(r, v, layout);
    if (!r.ok || r.left() != 0)
        return false;
    out = std::move(v);
    return true;
}

template <typename M, std::size_t N>
std::vector<std::uint8_t> write_all(const M& v, const info_field<M> (&layout)[N]) {
    writer w;
    write_fields(w, v, layout);
    return std::move(w.out);
}

// 0x42 battery block up to the module voltage; the capacity items follow (write_block).
constexpr info_field<analog_info> analog_head[] = {
    {&analog_info::cell_v, coding::s16, 0.001},
    {&analog_info::temp_c, coding::temp},
    {&analog_info::current_a, coding::s16, 0.1},
    {&analog_info::voltage_v, coding::u16, 0.001},
};

constexpr flag_bit<alarm_info> alarm_status_1[] = {
    {&alarm_info::module_under_voltage, 0x80}, {&alarm_info::charge_over_temp, 0x40},
    {&alarm_info::discharge_over_temp, 0x20},  {&alarm_info::discharge_over_current, 0x10},
    {&alarm_info::charge_over_current, 0x04},  {&alarm_info::cell_under_voltage, 0x02},
    {&alarm_info::module_over_voltage, 0x01},
};
constexpr flag_bit<alarm_info> alarm_status_2[] = {
    {&alarm_info::using_battery_power, 0x08}, {&alarm_info::discharge_mosfet_on, 0x04},
    {&alarm_info::charge_mosfet_on, 0x02},    {&alarm_info::precharge_mosfet_on, 0x01},
};
constexpr flag_bit<alarm_info> alarm_status_3[] = {
    {&alarm_info::effective_charge_current, 0x80}, {&alarm_info::effective_discharge_current, 0x40},
    {&alarm_info::heater_on, 0x20}, {&alarm_info::fully_charged, 0x08}, {&alarm_info::buzzer_on, 0x01},
};
constexpr info_field<alarm_info> alarm_layout[] = {
    {&alarm_info::info_flag},
    {&alarm_info::adr},
    {&alarm_info::cell_state},
    {&alarm_info::temp_state},
    {&alarm_info::charge_current_state},
    {&alarm_info::module_voltage_state},
    {&alarm_info::discharge_current_state},
    {alarm_status_1},
    {alarm_status_2},
    {alarm_status_3},
    {&alarm_info::cell_error_mask}, // status 4/5
};

constexpr info_field<system_parameters> system_parameters_layout[] = {
    {&system_parameters::info_flag},
    {&system_parameters::cell_high_voltage_limit_v, coding::u16, 0.001},
    {&system_parameters::cell_low_voltage_alarm_v, coding::u16, 0.001},
    {&system_parameters::cell_under_voltage_protect_v, coding::u16, 0.001},
    {&system_parameters::charge_high_temp_limit_c, coding::temp},
    {&system_parameters::charge_low_temp_limit_c, coding::temp},
    {&system_parameters::charge_current_limit_a, coding::s16, 0.1},
    {&system_parameters::module_high_voltage_limit_v, coding::u16, 0.001},
    {&system_parameters::module_low_voltage_alarm_v, coding::u16, 0.001},
    {&system_parameters::module_under_voltage_protect_v, coding::u16, 0.001},
    {&system_parameters::discharge_high_temp_limit_c, coding::temp},
    {&system_parameters::discharge_low_temp_limit_c, coding::temp},
    {&system_parameters::discharge_current_limit_a, coding::s16, 0.1},
};

constexpr flag_bit<management_info> management_status[] = {
    {&management_info::charge_enable, 0x80},  {&management_info::discharge_enable, 0x40},
    {&management_info::force_charge_1, 0x20}, {&management_info::force_charge_2, 0x10},
    {&management_info::full_charge_request, 0x08},
};
constexpr info_field<management_info> management_layout[] = {
    {&management_info::adr},
    {&management_info::charge_voltage_limit_v, coding::u16, 0.001},
    {&management_info::discharge_voltage_limit_v, coding::u16, 0.001},
    {&management_info::max_charge_current_a, coding::s16, 0.1},
    {&management_info::max_discharge_current_a, coding::s16, 0.1},
    {management_status},
};

constexpr info_field<serial_number_info> serial_number_layout[] = {
    {&serial_number_info::adr},
    {&serial_number_info::serial, static_cast<std::uint8_t>(serial_number_chars)},
};

constexpr info_field<manufacturer_info> manufacturer_layout[] = {
    {&manufacturer_info::battery_name, 10},
    {&manufacturer_info::sw_version_major},
    {&manufacturer_info::sw_version_minor},
    {&manufacturer_info::manufacturer, 20},
};

void write_block(writer& w, const analog_info& a) {
    if (a.cell_v.size() > 0xFF || a.temp_c.size() > 0xFF)
        throw std::invalid_argument("0x42: more than 255 cells or temperatures");
    write_fields(w, a, analog_head);
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
    read_fields(r, a, analog_head);
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

bool is_return_code(std::uint8_t cid2) {
    switch (static_cast<rtn>(cid2)) {
    case rtn::normal:
    case rtn::ver_error:
    case rtn::chksum_error:
    case rtn::lchksum_error:
    case rtn::cid2_invalid:
    case rtn::format_error:
    case rtn::info_invalid:
    case rtn::adr_error:
    case rtn::internal_comm_error: return true;
    }
    return false;
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

const rs485_decoded& decode_frame_memo(std::string_view chars) {
    thread_local std::string last_chars;
    thread_local rs485_decoded last;
    thread_local bool valid = false;
    if (!valid || chars != last_chars) {
        last = decode_frame(chars);
        last_chars.assign(chars);
        valid = true;
    }
    return last;
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
    write_fields(w, a, alarm_layout);
    return std::move(w.out);
}

bool decode_alarm_info(const std::vector<std::uint8_t>& info, alarm_info& out) {
    reader r(info);
    alarm_info a;
    read_fields(r, a, alarm_layout);
    if (!r.ok)
        return false;
    if (r.left() > 1 || (r.left() == 1 && info.back() != 0))
        return false;
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
    return write_all(p, system_parameters_layout);
}

bool decode_system_parameters(const std::vector<std::uint8_t>& info, system_parameters& out) {
    return read_exactly(info, out, system_parameters_layout);
}

// ---- 0x92 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_management_info(const management_info& m) { return write_all(m, management_layout); }

bool decode_management_info(const std::vector<std::uint8_t>& info, management_info& out) {
    return read_exactly(info, out, management_layout);
}

// ---- 0x51 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_manufacturer_info(const manufacturer_info& m) {
    return write_all(m, manufacturer_layout);
}

bool decode_manufacturer_info(const std::vector<std::uint8_t>& info, manufacturer_info& out) {
    return read_exactly(info, out, manufacturer_layout);
}

// ---- 0x93 -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_serial_number_info(const serial_number_info& s) {
    return write_all(s, serial_number_layout);
}

bool decode_serial_number_info(const std::vector<std::uint8_t>& info, serial_number_info& out) {
    return read_exactly(info, out, serial_number_layout);
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
