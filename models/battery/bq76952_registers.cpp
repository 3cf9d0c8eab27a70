#include "battery/bq76952_registers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace stacksim::models {

namespace trm = bq76952_trm;

namespace {

constexpr std::size_t dm_size = trm::dm_end - trm::dm_first;

std::int16_t clamp_i16(double v) {
    if (!std::isfinite(v))
        return 0;
    return static_cast<std::int16_t>(std::clamp(std::round(v), -32768.0, 32767.0));
}

// A 24-bit ADC result, sign-extended to 32 bits (TRM §4.5).
std::int32_t clamp_i24(double v) {
    if (!std::isfinite(v))
        return 0;
    return static_cast<std::int32_t>(std::clamp(std::round(v), -8388608.0, 8388607.0));
}

void put_u16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v & 0xFF);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}

void put_i32(std::uint8_t* p, std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    for (unsigned i = 0; i < 4; ++i)
        p[i] = static_cast<std::uint8_t>(u >> (8 * i));
}

} // namespace

bq76952_registers::bq76952_registers(std::size_t cells, double sense_resistor_ohm)
    : m_cells(cells), m_sense_resistor_ohm(sense_resistor_ohm), m_dm(dm_size, 0) {
    if (cells == 0 || cells > 16)
        throw std::invalid_argument("bq76952: 1 to 16 cells, not " + std::to_string(cells));
    if (!(sense_resistor_ohm > 0.0) || !std::isfinite(sense_resistor_ohm))
        throw std::invalid_argument("bq76952: the sense resistor must be positive");
    reset();
    m_resets = 0;
}

std::uint8_t bq76952_registers::checksum(std::uint16_t address, const std::uint8_t* data, std::size_t n) {
    unsigned sum = (address & 0xFFu) + (address >> 8);
    for (std::size_t i = 0; i < n; ++i)
        sum += data[i];
    return static_cast<std::uint8_t>(~sum & 0xFFu);
}

// RESET (and power-on): data memory back to its defaults, the command interface idle, normal
// mode, FET control state from Mfg Status Init and FET Options.
void bq76952_registers::reset() {
    std::fill(m_dm.begin(), m_dm.end(), std::uint8_t{0});
    for (const trm::dm_entry& e : trm::dm_defaults) {
        const auto u = static_cast<std::uint32_t>(e.default_value);
        for (unsigned i = 0; i < e.size; ++i)
            m_dm[e.address - trm::dm_first + i] = static_cast<std::uint8_t>(u >> (8 * i));
    }
    m_pointer = 0;
    m_subcmd = 0;
    m_buffer.fill(0);
    m_checksum = 0;
    m_length = 0;
    m_cfgupdate = false;
    m_por = true;
    m_cb_active = 0;
    m_alarm_status = 0;
    m_alert.fill(0);
    m_status.fill(0);
    load_settings();
    ++m_resets;
}

void bq76952_registers::load_settings() {
    m_mfg_status = static_cast<std::uint16_t>(dm_unsigned(trm::dm::mfg_status_init, 2));
    m_alarm_enable = static_cast<std::uint16_t>(dm_unsigned(trm::dm::default_alarm_mask, 2));
    const bool init_off = dm_unsigned(trm::dm::fet_options, 1) & trm::fet_options::fet_init_off;
    m_host_chg_off = m_host_dsg_off = init_off;
}

std::uint32_t bq76952_registers::dm_unsigned(std::uint16_t addr, unsigned size) const {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; ++i) {
        const unsigned a = addr + i;
        if (a >= trm::dm_first && a < trm::dm_end)
            v |= static_cast<std::uint32_t>(m_dm[a - trm::dm_first]) << (8 * i);
    }
    return v;
}

std::int32_t bq76952_registers::dm_signed(std::uint16_t addr, unsigned size) const {
    const std::uint32_t u = dm_unsigned(addr, size);
    if (size == 1)
        return static_cast<std::int8_t>(u & 0xFF);
    if (size == 2)
        return static_cast<std::int16_t>(u & 0xFFFF);
    return static_cast<std::int32_t>(u);
}

double bq76952_registers::user_volt_v() const {
    return (dm_unsigned(trm::dm::da_configuration, 1) & trm::da_config::user_volts_cv) ? 0.01 : 0.001;
}

double bq76952_registers::user_amp_a() const {
    static constexpr double amps[] = {1e-4, 1e-3, 1e-2, 1e-1};
    return amps[dm_unsigned(trm::dm::da_configuration, 1) & trm::da_config::user_amps_mask];
}

double bq76952_registers::loop_time_s(unsigned thermistors) const {
    const auto pc = dm_unsigned(trm::dm::power_config, 2);
    const double slot_s = (pc & trm::power_config::fastadc) ? trm::adc_slot_s / 2 : trm::adc_slot_s;
    const unsigned slots = trm::loop_fixed_slots + std::min(thermistors, 3u);
    const unsigned slow = (pc & trm::power_config::loop_slow_mask) >> trm::power_config::loop_slow_shift;
    return slot_s * slots * static_cast<double>(1u << slow);
}

void bq76952_registers::set_safety(std::uint8_t alert_a, std::uint8_t status_a, std::uint8_t alert_b,
                                   std::uint8_t status_b, std::uint8_t alert_c, std::uint8_t status_c) {
    m_alert = {alert_a, alert_b, alert_c};
    m_status = {status_a, status_b, status_c};
}

void bq76952_registers::set_fets(bool chg_on, bool dsg_on) {
    m_chg_on = chg_on;
    m_dsg_on = dsg_on;
}

bool bq76952_registers::chg_allowed() const {
    if (!fet_en() || m_cfgupdate || m_host_chg_off)
        return false;
    if (!(dm_unsigned(trm::dm::fet_options, 1) & trm::fet_options::fet_ctrl_en))
        return false;
    return !((m_status[0] & dm_unsigned(trm::dm::chg_fet_protections_a, 1)) ||
             (m_status[1] & dm_unsigned(trm::dm::chg_fet_protections_b, 1)) ||
             (m_status[2] & dm_unsigned(trm::dm::chg_fet_protections_c, 1)));
}

bool bq76952_registers::dsg_allowed() const {
    if (!fet_en() || m_cfgupdate || m_host_dsg_off)
        return false;
    if (!(dm_unsigned(trm::dm::fet_options, 1) & trm::fet_options::fet_ctrl_en))
        return false;
    return !((m_status[0] & dm_unsigned(trm::dm::dsg_fet_protections_a, 1)) ||
             (m_status[1] & dm_unsigned(trm::dm::dsg_fet_protections_b, 1)) ||
             (m_status[2] & dm_unsigned(trm::dm::dsg_fet_protections_c, 1)));
}

std::uint16_t bq76952_registers::alarm_raw_status() const {
    std::uint16_t r = 0;
    if (m_status[1] || m_status[2])
        r |= trm::alarm::ssbc;
    if (m_status[0])
        r |= trm::alarm::ssa;
    if ((m_alert[0] & dm_unsigned(trm::dm::sf_alert_mask_a, 1)) || (m_alert[1] & dm_unsigned(trm::dm::sf_alert_mask_b, 1)) ||
        (m_alert[2] & dm_unsigned(trm::dm::sf_alert_mask_c, 1)))
        r |= trm::alarm::msk_sfalert;
    if (!m_chg_on)
        r |= trm::alarm::xchg;
    if (!m_dsg_on)
        r |= trm::alarm::xdsg;
    if (m_cb_active)
        r |= trm::alarm::cb;
    return r;
}

void bq76952_registers::update_alarms(std::uint16_t pulses) {
    m_alarm_status |= static_cast<std::uint16_t>((alarm_raw_status() | pulses) & m_alarm_enable);
}

bool bq76952_registers::alert_asserted() const {
    const auto pin = dm_unsigned(trm::dm::alert_pin_config, 1);
    return (pin & trm::alert_pin::pin_fxn_mask) == trm::alert_pin::pin_fxn_alert && m_alarm_status != 0;
}

std::uint16_t bq76952_registers::battery_status() const {
    std::uint16_t b = trm::battery_status::sec_fullaccess; // SEC1:0 = 1, FULLACCESS (never sealed here)
    if (m_cfgupdate)
        b |= trm::battery_status::cfgupdate;
    if (m_por)
        b |= trm::battery_status::por;
    if (dm_unsigned(trm::dm::power_config, 2) & (1u << 8)) // Power Config[SLEEP]: sleep allowed
        b |= trm::battery_status::sleep_en;
    if (m_status[0] || m_status[1] || m_status[2])
        b |= trm::battery_status::ss;
    return b;
}

std::uint8_t bq76952_registers::fet_status() const {
    std::uint8_t f = 0;
    if (m_chg_on)
        f |= trm::fet_status::chg_fet;
    if (m_dsg_on)
        f |= trm::fet_status::dsg_fet;
    if (alert_asserted())
        f |= trm::fet_status::alrt_pin;
    return f;
}

// ---------------------------------------------------------------- direct commands

bool bq76952_registers::word_at(std::uint8_t a, std::uint16_t& w) const {
    namespace c = trm::cmd;
    if (a >= c::cell1_voltage && a <= c::cell16_voltage) {
        const std::size_t k = (a - c::cell1_voltage) / 2u;
        w = k < m_cells ? static_cast<std::uint16_t>(clamp_i16(m_meas.cell_v[k] * 1000.0)) : 0;
        return true;
    }
    if (a >= c::int_temperature && a <= c::ddsg_temperature) {
        w = static_cast<std::uint16_t>(clamp_i16(m_meas.temp_k[(a - c::int_temperature) / 2u] * 10.0));
        return true;
    }
    switch (a) {
    case c::control_status: w = 0; return true; // not in DEEPSLEEP, load detect off
    case c::battery_status: w = battery_status(); return true;
    case c::stack_voltage: w = static_cast<std::uint16_t>(clamp_i16(m_meas.stack_v / user_volt_v())); return true;
    case c::pack_pin_voltage: w = static_cast<std::uint16_t>(clamp_i16(m_meas.pack_v / user_volt_v())); return true;
    case c::ld_pin_voltage: w = static_cast<std::uint16_t>(clamp_i16(m_meas.ld_v / user_volt_v())); return true;
    case c::cc2_current: w = static_cast<std::uint16_t>(clamp_i16(m_meas.current_a / user_amp_a())); return true;
    case c::subcmd_lower: w = m_subcmd; return true;
    case c::alarm_status: w = m_alarm_status; return true;
    case c::alarm_raw_status: w = alarm_raw_status(); return true;
    case c::alarm_enable: w = m_alarm_enable; return true;
    default: return false;
    }
}

std::uint8_t bq76952_registers::read_byte(std::uint8_t a) const {
    namespace c = trm::cmd;
    if (a >= c::transfer_buffer && a <= c::transfer_buffer_end)
        return m_buffer[a - c::transfer_buffer];
    switch (a) {
    case c::safety_alert_a: return m_alert[0];
    case c::safety_status_a: return m_status[0];
    case c::safety_alert_b: return m_alert[1];
    case c::safety_status_b: return m_status[1];
    case c::safety_alert_c: return m_alert[2];
    case c::safety_status_c: return m_status[2];
    case c::transfer_checksum: return m_checksum;
    case c::transfer_length: return m_length;
    case c::fet_status: return fet_status();
    default: break;
    }
    if (a >= c::pf_alert_a && a <= c::pf_status_d)
        return 0; // permanent-fail checks are not modelled: nothing ever fails permanently
    std::uint16_t w = 0;
    if (word_at(static_cast<std::uint8_t>(a & ~1u), w))
        return static_cast<std::uint8_t>((a & 1u) ? w >> 8 : w & 0xFF);
    return 0;
}

std::uint8_t bq76952_registers::peek(std::uint8_t command) const { return read_byte(command); }

void bq76952_registers::i2c_read(std::uint8_t* data, std::size_t n) {
    ++m_counters.reads;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t a = m_pointer;
        std::uint16_t w = 0;
        const bool known = (a >= trm::cmd::transfer_buffer && a <= trm::cmd::transfer_length) ||
                           (a >= trm::cmd::safety_alert_a && a <= trm::cmd::safety_status_c) ||
                           (a >= trm::cmd::pf_alert_a && a <= trm::cmd::pf_status_d) || a == trm::cmd::fet_status ||
                           word_at(static_cast<std::uint8_t>(a & ~1u), w);
        if (!known)
            ++m_counters.unimplemented_read;
        data[i] = read_byte(a);
        m_pointer = static_cast<std::uint8_t>(a + 1);
    }
}

void bq76952_registers::i2c_write(const std::uint8_t* data, std::size_t n) {
    ++m_counters.writes;
    if (n == 0)
        return;
    m_pointer = data[0];
    for (std::size_t i = 1; i < n; ++i) {
        write_byte(m_pointer, data[i]);
        m_pointer = static_cast<std::uint8_t>(m_pointer + 1);
    }
}

void bq76952_registers::write_byte(std::uint8_t a, std::uint8_t v) {
    namespace c = trm::cmd;
    if (a >= c::transfer_buffer && a <= c::transfer_buffer_end) {
        m_buffer[a - c::transfer_buffer] = v;
        return;
    }
    switch (a) {
    case c::subcmd_lower: m_subcmd = static_cast<std::uint16_t>((m_subcmd & 0xFF00u) | v); return;
    case c::subcmd_upper:
        m_subcmd = static_cast<std::uint16_t>((m_subcmd & 0x00FFu) | (v << 8));
        run_subcommand();
        return;
    case c::transfer_checksum: m_checksum = v; return;
    case c::transfer_length:
        m_length = v;
        commit_buffer();
        return;
    case c::alarm_status: m_alarm_status = static_cast<std::uint16_t>(m_alarm_status & ~v); return; // W1C
    case c::alarm_status + 1: m_alarm_status = static_cast<std::uint16_t>(m_alarm_status & ~(v << 8)); return;
    case c::alarm_enable: m_alarm_enable = static_cast<std::uint16_t>((m_alarm_enable & 0xFF00u) | v); return;
    case c::alarm_enable + 1:
        m_alarm_enable = static_cast<std::uint16_t>((m_alarm_enable & 0x00FFu) | (v << 8));
        return;
    default: ++m_counters.readonly_write; return;
    }
}

// ---------------------------------------------------------------- subcommands

void bq76952_registers::respond(const std::uint8_t* data, std::size_t n) {
    n = std::min<std::size_t>(n, m_buffer.size());
    for (std::size_t i = 0; i < n; ++i)
        m_buffer[i] = data[i];
    m_length = static_cast<std::uint8_t>(n + 4);
    m_checksum = checksum(m_subcmd, m_buffer.data(), n);
}

void bq76952_registers::respond_word(std::uint16_t w) {
    std::uint8_t b[2];
    put_u16(b, w);
    respond(b, 2);
}

// DASTATUS1..4 (TRM §4.5): per cell of the block, the 32-bit voltage counts then the 32-bit
// counts of the current sampled with it.
void bq76952_registers::fill_dastatus(unsigned block) {
    std::uint8_t b[32] = {};
    for (unsigned j = 0; j < 4; ++j) {
        const std::size_t k = 4 * block + j;
        if (k >= m_cells)
            continue;
        put_i32(b + 8 * j, clamp_i24(m_meas.cell_v[k] / trm::cell_count_v));
        put_i32(b + 8 * j + 4, clamp_i24(m_meas.cell_current_a[k] * m_sense_resistor_ohm / trm::current_count_v));
    }
    respond(b, sizeof b);
}

// DASTATUS5 (TRM §4.6), the fields the model has: bytes 4-5 max cell mV, 6-7 min cell mV, 8-9 sum
// of the cells in userV, 10-11 and 18-19 mean cell temperature, 14-15 max and 16-17 min cell
// temperature (0.1 K, over TS1..HDQ), 20-21 CC3 and 22-23 CC1 current in userA (both the CC2 value:
// the model's current is constant within a loop), 24-27 CC2 and 28-31 CC3 counts. VREG18, VSS and
// the FET temperature (bytes 0-3, 12-13) read 0 (not modelled).
void bq76952_registers::fill_dastatus5() {
    std::uint8_t b[32] = {};
    double vmax = -1e9, vmin = 1e9, vsum = 0.0;
    for (std::size_t k = 0; k < m_cells; ++k) {
        vmax = std::max(vmax, m_meas.cell_v[k]);
        vmin = std::min(vmin, m_meas.cell_v[k]);
        vsum += m_meas.cell_v[k];
    }
    double tmax = 0.0, tmin = 0.0, tsum = 0.0;
    unsigned nt = 0;
    for (unsigned i = 4; i < 8; ++i) { // TS1, TS2, TS3, HDQ
        const double t = m_meas.temp_k[i];
        if (t <= 0.0)
            continue;
        tmax = nt ? std::max(tmax, t) : t;
        tmin = nt ? std::min(tmin, t) : t;
        tsum += t;
        ++nt;
    }
    const double tavg = nt ? tsum / nt : 0.0;
    put_u16(b + 4, static_cast<std::uint16_t>(clamp_i16(vmax * 1000.0)));
    put_u16(b + 6, static_cast<std::uint16_t>(clamp_i16(vmin * 1000.0)));
    put_u16(b + 8, static_cast<std::uint16_t>(clamp_i16(vsum / user_volt_v())));
    put_u16(b + 10, static_cast<std::uint16_t>(clamp_i16(tavg * 10.0)));
    put_u16(b + 14, static_cast<std::uint16_t>(clamp_i16(tmax * 10.0)));
    put_u16(b + 16, static_cast<std::uint16_t>(clamp_i16(tmin * 10.0)));
    put_u16(b + 18, static_cast<std::uint16_t>(clamp_i16(tavg * 10.0)));
    const auto i_user = static_cast<std::uint16_t>(clamp_i16(m_meas.current_a / user_amp_a()));
    put_u16(b + 20, i_user);
    put_u16(b + 22, i_user);
    const std::int32_t counts = clamp_i24(m_meas.current_a * m_sense_resistor_ohm / trm::current_count_v);
    put_i32(b + 24, counts);
    put_i32(b + 28, counts);
    respond(b, sizeof b);
}

void bq76952_registers::run_subcommand() {
    namespace s = trm::subcmd;
    const std::uint16_t sc = m_subcmd;
    if (sc >= trm::dm_first && sc < trm::dm_end) { // data-memory read: a 32-byte block from sc on
        std::uint8_t b[32] = {};
        for (unsigned i = 0; i < 32; ++i)
            if (sc + i < trm::dm_end)
                b[i] = m_dm[sc + i - trm::dm_first];
        respond(b, sizeof b);
        return;
    }
    const bool host_fet = dm_unsigned(trm::dm::fet_options, 1) & trm::fet_options::host_fet_en;
    switch (sc) {
    case s::device_number: respond_word(trm::device_number_value); return;
    case s::fw_version: {
        // Device number, firmware version, build (each big endian, TRM §12.2). The version and
        // build of a given silicon are not in the TRM; the model reports 1.00 build 0036.
        const std::uint8_t b[6] = {0x76, 0x95, 0x01, 0x00, 0x00, 0x36};
        respond(b, sizeof b);
        return;
    }
    case s::reset: reset(); return;
    case s::fet_enable:
        m_mfg_status ^= trm::mfg_status::fet_en;
        respond(m_buffer.data(), 0);
        return;
    case s::mfg_status: respond_word(m_mfg_status); return;
    case s::dastatus1:
    case s::dastatus1 + 1:
    case s::dastatus1 + 2:
    case s::dastatus4: fill_dastatus(sc - s::dastatus1); return;
    case s::dastatus5: fill_dastatus5(); return;
    case s::cb_active_cells: respond_word(m_cb_active); return; // a read; a write commits via 0x61
    case s::set_cfgupdate:
        m_cfgupdate = true;
        respond(m_buffer.data(), 0);
        return;
    case s::exit_cfgupdate:
        if (m_cfgupdate) {
            m_cfgupdate = false;
            m_por = false;
            load_settings();
        }
        respond(m_buffer.data(), 0);
        return;
    case s::dsg_pdsg_off:
    case s::chg_pchg_off:
    case s::all_fets_off:
    case s::all_fets_on:
        if (!host_fet) {
            ++m_counters.host_fet_command_ignored;
        } else if (sc == s::all_fets_on) {
            m_host_chg_off = m_host_dsg_off = false;
        } else {
            m_host_chg_off = m_host_chg_off || sc != s::dsg_pdsg_off;
            m_host_dsg_off = m_host_dsg_off || sc != s::chg_pchg_off;
        }
        respond(m_buffer.data(), 0);
        return;
    default:
        ++m_counters.unknown_subcommand;
        respond(m_buffer.data(), 0);
        return;
    }
}

// 0x61 written: the buffer holds data for the subcommand or data-memory address in 0x3E/0x3F.
void bq76952_registers::commit_buffer() {
    if (m_length < 5 || m_length > 36) {
        ++m_counters.bad_length;
        return;
    }
    const std::size_t n = m_length - 4u;
    if (checksum(m_subcmd, m_buffer.data(), n) != m_checksum) {
        ++m_counters.bad_checksum;
        return;
    }
    const std::uint16_t sc = m_subcmd;
    if (sc >= trm::dm_first && sc < trm::dm_end) {
        if (!m_cfgupdate) {
            ++m_counters.dm_write_outside_cfgupdate;
            return;
        }
        if (sc + n > trm::dm_end) {
            ++m_counters.dm_out_of_range;
            return;
        }
        std::copy(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(n), m_dm.begin() + (sc - trm::dm_first));
        return;
    }
    if (sc == trm::subcmd::cb_active_cells && n == 2) {
        const std::uint16_t wired = static_cast<std::uint16_t>((1u << m_cells) - 1u);
        m_cb_active = static_cast<std::uint16_t>((m_buffer[0] | (m_buffer[1] << 8)) & wired);
        return;
    }
    ++m_counters.data_for_readonly_subcommand;
}

} // namespace stacksim::models
