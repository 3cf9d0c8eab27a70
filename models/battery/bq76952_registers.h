// The command interface of a TI BQ76952 as its I2C controller sees it (TRM SLUUBY2B §3, §12,
// §13): direct commands, subcommands through 0x3E/0x3F + the 0x40..0x5F transfer buffer +
// checksum/length at 0x60/0x61, and the data memory (RAM settings 0x9180..0x93FF) with the
// CONFIG_UPDATE rules. SystemC-free and time-free, so it can be unit-tested and fuzzed alone; the
// SystemC module bq76952.h owns one, feeds it the ADC results and the protection state, and acts
// on what it exposes (FET permission, balancing mask, ALERT).
//
// I2C view: one write transfer = [command address, data...]: the first byte sets the command
// pointer, each further byte is written at the pointer, which then increments. One read transfer
// returns bytes from the pointer on, incrementing (block reads across registers work as on the
// chip: reading 32 bytes at 0x14 gives the 16 cell voltages). Multi-byte values are little
// endian. Bytes are computed at the moment they are read.
//
// Subcommand protocol: writing 0x3F (the upper address byte, normally together with 0x3E in one
// transfer) runs the subcommand, or for an address in 0x9180..0x93FF reads 32 bytes of data memory
// into the buffer; the response is ready at once (the model has no execution time: reading
// 0x3E/0x3F returns the address, never 0xFF). Writing 0x61 (the length, normally together with
// 0x60) commits the data written to the buffer for the subcommand or data-memory address in
// 0x3E/0x3F if and only if 1 <= length - 4 <= 32 and the checksum at 0x60 equals
// ~(0x3E + 0x3F + buffer[0 .. length - 5]) & 0xFF; otherwise the write is ignored and counted, as
// the chip ignores it. Data memory accepts writes only in CONFIG_UPDATE mode (assumption; the TRM
// requires configuration changes to be made there).
//
// Never throws on any byte sequence; everything unexpected is counted in counters().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "battery/bq76952_trm.h"

namespace stacksim::models {

// The latest results of the ADC, in physical units, as the SystemC module publishes them at the
// end of a measurement loop; the registers encode them (mV, userV, userA, 0.1 K, raw counts).
struct bq76952_measurements {
    std::array<double, 16> cell_v{};         // cell k (0-based) as measured (noise, gain, offset)
    std::array<double, 16> cell_current_a{}; // the current sampled together with cell k (DASTATUS)
    double stack_v = 0.0;                    // top of stack (VC16)
    double pack_v = 0.0;                     // PACK pin
    double ld_v = 0.0;                       // LD pin
    double current_a = 0.0;                  // CC2, + = charging
    // Temperatures in K in the order of the direct commands 0x68..0x7A: internal, CFETOFF, DFETOFF,
    // ALERT, TS1, TS2, TS3, HDQ, DCHG, DDSG; 0 = the pin is no thermistor (reads 0).
    std::array<double, 10> temp_k{};
    std::uint32_t scans = 0;                 // measurement loops completed
};

// Everything unexpected the controller did, counted (never fatal).
struct bq76952_counters {
    std::uint64_t writes = 0, reads = 0;     // transfers
    std::uint64_t bad_checksum = 0;          // 0x61 written with a wrong checksum: ignored
    std::uint64_t bad_length = 0;            // 0x61 written with a length outside 5..36: ignored
    std::uint64_t dm_write_outside_cfgupdate = 0; // data-memory write outside CONFIG_UPDATE: ignored
    std::uint64_t dm_out_of_range = 0;       // data-memory access past 0x93FF: ignored / reads 0
    std::uint64_t unknown_subcommand = 0;    // subcommand the model does not implement
    std::uint64_t data_for_readonly_subcommand = 0; // a committed buffer for a subcommand without data
    std::uint64_t unimplemented_read = 0;    // reads of reserved / unmodelled direct commands (read 0)
    std::uint64_t readonly_write = 0;        // writes to read-only direct commands: ignored
    std::uint64_t host_fet_command_ignored = 0; // ALL_FETS_* etc. with FET Options[HOST_FET_EN] = 0
};

class bq76952_registers {
public:
    // cells: series cells wired (1..16); sense_resistor_ohm: the shunt, for DASTATUS current counts.
    bq76952_registers(std::size_t cells, double sense_resistor_ohm);

    // ---- I2C side: one call per transfer ------------------------------------------------------
    void i2c_write(const std::uint8_t* data, std::size_t n);
    void i2c_read(std::uint8_t* data, std::size_t n);
    // One direct-command byte as a read returns it (no pointer change).
    std::uint8_t peek(std::uint8_t command) const;

    // ---- fed by the SystemC module ----------------------------------------------------------
    bq76952_measurements& measurements() { return m_meas; }
    const bq76952_measurements& measurements() const { return m_meas; }
    // Safety Alert / Safety Status A, B, C as the protections set them.
    void set_safety(std::uint8_t alert_a, std::uint8_t status_a, std::uint8_t alert_b, std::uint8_t status_b,
                    std::uint8_t alert_c, std::uint8_t status_c);
    // The FET drivers' actual state (FET Status, XCHG/XDSG).
    void set_fets(bool chg_on, bool dsg_on);
    // Latches Alarm Status from the raw bits, plus momentary events (ADSCAN, FULLSCAN, INITCOMP).
    void update_alarms(std::uint16_t pulses = 0);

    // ---- what the module acts on ------------------------------------------------------------
    bool cfgupdate() const { return m_cfgupdate; }
    bool fet_en() const { return (m_mfg_status & bq76952_trm::mfg_status::fet_en) != 0; }
    // Autonomous FET control allows the FET on: FET_EN, not in CONFIG_UPDATE, FET Options
    // [FET_CTRL_EN], no host ..._OFF command in force, no Safety Status bit the FET Protections
    // A/B/C settings assign to this FET.
    bool chg_allowed() const;
    bool dsg_allowed() const;
    // CB_ACTIVE_CELLS as last written (bit k = cell k + 1), masked to the cells wired.
    std::uint16_t cb_active_cells() const { return m_cb_active; }
    std::uint16_t alarm_status() const { return m_alarm_status; }
    std::uint16_t alarm_enable() const { return m_alarm_enable; }
    std::uint16_t alarm_raw_status() const;
    // ALERT Pin Config selects the alarm function and Alarm Status has a bit set.
    bool alert_asserted() const;
    std::uint16_t battery_status() const;
    std::uint8_t fet_status() const;
    std::uint16_t mfg_status() const { return m_mfg_status; }
    // Times RESET ran (the module restarts its protections when this changes).
    std::uint32_t resets() const { return m_resets; }

    // ---- data memory ------------------------------------------------------------------------
    // Little-endian value of `size` bytes (1, 2 or 4) at addr; signed types sign-extend.
    std::uint32_t dm_unsigned(std::uint16_t addr, unsigned size) const;
    std::int32_t dm_signed(std::uint16_t addr, unsigned size) const;
    // The whole RAM image, byte i at address dm_first + i.
    const std::vector<std::uint8_t>& dm_image() const { return m_dm; }
    // userV and userA of DA Configuration, in V and A per count.
    double user_volt_v() const;
    double user_amp_a() const;
    // Measurement loop time from Power Config (FASTADC, LOOP_SLOW) for `thermistors` thermistor slots.
    double loop_time_s(unsigned thermistors) const;

    const bq76952_counters& counters() const { return m_counters; }
    std::size_t cells() const { return m_cells; }

    // The checksum the chip uses over 0x3E, 0x3F and the buffer: ~(sum) & 0xFF.
    static std::uint8_t checksum(std::uint16_t address, const std::uint8_t* data, std::size_t n);

private:
    void reset();
    void load_settings(); // what the chip takes from data memory at reset and EXIT_CFGUPDATE
    void write_byte(std::uint8_t addr, std::uint8_t value);
    std::uint8_t read_byte(std::uint8_t addr) const;
    bool word_at(std::uint8_t even_addr, std::uint16_t& w) const;
    void run_subcommand();
    void commit_buffer();
    void respond(const std::uint8_t* data, std::size_t n);
    void respond_word(std::uint16_t w);
    void fill_dastatus(unsigned block);
    void fill_dastatus5();

    std::size_t m_cells;
    double m_sense_resistor_ohm;
    bq76952_measurements m_meas;
    bq76952_counters m_counters;
    std::vector<std::uint8_t> m_dm; // dm_first .. dm_end - 1

    std::uint8_t m_pointer = 0;
    std::uint16_t m_subcmd = 0;
    std::array<std::uint8_t, 32> m_buffer{};
    std::uint8_t m_checksum = 0;
    std::uint8_t m_length = 0;

    bool m_cfgupdate = false;
    bool m_por = true;
    std::uint16_t m_mfg_status = 0;
    bool m_host_chg_off = false;
    bool m_host_dsg_off = false;
    std::uint16_t m_cb_active = 0;
    std::uint16_t m_alarm_status = 0;
    std::uint16_t m_alarm_enable = 0;
    std::array<std::uint8_t, 3> m_alert{};
    std::array<std::uint8_t, 3> m_status{};
    bool m_chg_on = false;
    bool m_dsg_on = false;
    std::uint32_t m_resets = 0;
};

} // namespace stacksim::models
