// Constants of the TI BQ76952 taken from its Technical Reference Manual (TI SLUUBY2B, May 2022,
// "TRM" below) and its datasheet (TI SLUSE13B): command codes, data-memory addresses, reset
// defaults, bit positions and units. Facts only, as named constants; the model that uses them is
// bq76952_registers.h (the chip's command interface) and bq76952.h (timing, protections).
// Where the model assumes something the TRM leaves open, docs/models/bq76952.md says so.
#pragma once

#include <array>
#include <cstdint>

namespace stacksim::models::bq76952_trm {

// ---- I2C (datasheet, "I2C Communications Subsystem") ----------------------------------
constexpr std::uint8_t i2c_address = 0x08;   // 7-bit; 0x10 write / 0x11 read as 8-bit values
constexpr double i2c_max_scl_hz = 400e3;      // standard and fast mode only (no fast mode plus)

// ---- Direct commands (TRM §12.1, table "Direct Commands Summary") ----------------------------
namespace cmd {
constexpr std::uint8_t control_status = 0x00;   // H2
constexpr std::uint8_t safety_alert_a = 0x02;   // H1, bits as safety_a below
constexpr std::uint8_t safety_status_a = 0x03;
constexpr std::uint8_t safety_alert_b = 0x04;   // H1, bits as safety_b
constexpr std::uint8_t safety_status_b = 0x05;
constexpr std::uint8_t safety_alert_c = 0x06;   // H1, bits as safety_c
constexpr std::uint8_t safety_status_c = 0x07;
constexpr std::uint8_t pf_alert_a = 0x0A;       // 0x0A..0x11: permanent-fail alert/status A..D
constexpr std::uint8_t pf_status_d = 0x11;
constexpr std::uint8_t battery_status = 0x12;   // H2, bits in battery_status below
constexpr std::uint8_t cell1_voltage = 0x14;    // I2 mV; cell k (1..16) at 0x14 + 2 (k - 1)
constexpr std::uint8_t cell16_voltage = 0x32;
constexpr std::uint8_t stack_voltage = 0x34;    // I2 userV (top of stack, VC16)
constexpr std::uint8_t pack_pin_voltage = 0x36; // I2 userV
constexpr std::uint8_t ld_pin_voltage = 0x38;   // I2 userV
constexpr std::uint8_t cc2_current = 0x3A;      // I2 userA, + = charge
constexpr std::uint8_t subcmd_lower = 0x3E;     // subcommand / data-memory address, little endian
constexpr std::uint8_t subcmd_upper = 0x3F;
constexpr std::uint8_t transfer_buffer = 0x40;  // 0x40..0x5F: 32-byte transfer buffer
constexpr std::uint8_t transfer_buffer_end = 0x5F;
constexpr std::uint8_t transfer_checksum = 0x60; // ~(sum of 0x3E, 0x3F and the buffer data) & 0xFF
constexpr std::uint8_t transfer_length = 0x61;   // buffer data + 4
constexpr std::uint8_t alarm_status = 0x62;     // H2, latched; write 1 to clear
constexpr std::uint8_t alarm_raw_status = 0x64; // H2
constexpr std::uint8_t alarm_enable = 0x66;     // H2, R/W mask of what Alarm Status latches
constexpr std::uint8_t int_temperature = 0x68;  // I2 0.1 K; 0x68..0x7A: internal, CFETOFF, DFETOFF,
constexpr std::uint8_t ts1_temperature = 0x70;  //   ALERT, TS1, TS2, TS3, HDQ, DCHG, DDSG
constexpr std::uint8_t ddsg_temperature = 0x7A;
constexpr std::uint8_t fet_status = 0x7F;       // H1, bits in fet_status below
} // namespace cmd

// ---- Subcommands (TRM §12.2, table "Subcommands Summary") -----------------------------------
namespace subcmd {
constexpr std::uint16_t device_number = 0x0001;  // U2, little endian
constexpr std::uint16_t fw_version = 0x0002;     // 6 bytes: device number, FW version, build (each big endian)
constexpr std::uint16_t reset = 0x0012;
constexpr std::uint16_t fet_enable = 0x0022;     // toggles Manufacturing Status[FET_EN]
constexpr std::uint16_t mfg_status = 0x0057;     // H2 Manufacturing Status
constexpr std::uint16_t dastatus1 = 0x0071;      // 0x0071..0x0074: cell voltage + current counts
constexpr std::uint16_t dastatus4 = 0x0074;
constexpr std::uint16_t dastatus5 = 0x0075;
constexpr std::uint16_t cb_active_cells = 0x0083; // H2 R/W: host-controlled balancing mask
constexpr std::uint16_t set_cfgupdate = 0x0090;
constexpr std::uint16_t exit_cfgupdate = 0x0092;
constexpr std::uint16_t dsg_pdsg_off = 0x0093;
constexpr std::uint16_t chg_pchg_off = 0x0094;
constexpr std::uint16_t all_fets_off = 0x0095;
constexpr std::uint16_t all_fets_on = 0x0096;
} // namespace subcmd

constexpr std::uint16_t device_number_value = 0x7695; // BQ76952 (the BQ76942 reports 0x7694, SLUAA11B §2.1)

// ---- Bits -------------------------------------------------------------------------------------
namespace safety_a { // TRM §12.1 Safety Alert A / Safety Status A
constexpr std::uint8_t cuv = 1u << 2, cov = 1u << 3, occ = 1u << 4, ocd1 = 1u << 5, ocd2 = 1u << 6, scd = 1u << 7;
}
namespace safety_b { // Safety Alert B / Safety Status B
constexpr std::uint8_t utc = 1u << 0, utd = 1u << 1, utint = 1u << 2, otc = 1u << 4, otd = 1u << 5, otint = 1u << 6,
                       otf = 1u << 7;
}
namespace battery_status { // TRM §12.1 Battery Status
constexpr std::uint16_t cfgupdate = 1u << 0, pchg_mode = 1u << 1, sleep_en = 1u << 2, por = 1u << 3, wd = 1u << 4,
                        cow_chk = 1u << 5, otpw = 1u << 6, otpb = 1u << 7, sec_fullaccess = 1u << 8, fuse = 1u << 10,
                        ss = 1u << 11, pf = 1u << 12, sd_cmd = 1u << 13, sleep = 1u << 15;
}
namespace alarm { // TRM §6 "Alarm" / Alarm Raw Status, Alarm Status, Alarm Enable
constexpr std::uint16_t wake = 1u << 0, adscan = 1u << 1, cb = 1u << 2, fuse = 1u << 3, shutv = 1u << 4, xdsg = 1u << 5,
                        xchg = 1u << 6, fullscan = 1u << 7, initcomp = 1u << 9, initstart = 1u << 10,
                        msk_pfalert = 1u << 11, msk_sfalert = 1u << 12, pf = 1u << 13, ssa = 1u << 14, ssbc = 1u << 15;
}
namespace fet_status { // TRM §12.1 FET Status
constexpr std::uint8_t chg_fet = 1u << 0, pchg_fet = 1u << 1, dsg_fet = 1u << 2, pdsg_fet = 1u << 3, dchg_pin = 1u << 4,
                       ddsg_pin = 1u << 5, alrt_pin = 1u << 6;
}
namespace mfg_status { // Manufacturing Status / Settings:Manufacturing:Mfg Status Init
constexpr std::uint16_t pchg_test = 1u << 0, chg_test = 1u << 1, dsg_test = 1u << 2, fet_en = 1u << 4, pdsg_test = 1u << 5,
                        pf_en = 1u << 6, otpw_en = 1u << 7;
}
namespace fet_options { // Settings:FET:FET Options (TRM §13.3, "Settings")
constexpr std::uint8_t sfet = 1u << 0, sleepchg = 1u << 1, host_fet_en = 1u << 2, fet_ctrl_en = 1u << 3, pdsg_en = 1u << 4,
                       fet_init_off = 1u << 5;
}
namespace da_config { // Settings:Configuration:DA Configuration
constexpr std::uint8_t user_amps_mask = 0x03; // 0: 0.1 mA, 1: 1 mA, 2: 10 mA, 3: 100 mA
constexpr std::uint8_t user_volts_cv = 1u << 2; // 1: userV = 10 mV (centivolt), 0: 1 mV
}
namespace power_config { // Settings:Configuration:Power Config
constexpr std::uint16_t loop_slow_shift = 2, loop_slow_mask = 0x3u << 2, fastadc = 1u << 6;
}
namespace alert_pin { // Settings:Configuration:ALERT Pin Config: PIN_FXN1:0 = 0b10 selects the alarm output
constexpr std::uint8_t pin_fxn_mask = 0x03, pin_fxn_alert = 0x02;
}

// ---- Data memory (TRM §13, "Data Memory Summary"); RAM image 0x9180..0x93FF ------------------
constexpr std::uint16_t dm_first = 0x9180;
constexpr std::uint16_t dm_end = 0x9400; // one past the last address
namespace dm {
constexpr std::uint16_t power_config = 0x9234;      // H2, default 0x2982
constexpr std::uint16_t enabled_protections_a = 0x9261; // H1, default 0x88 (SCD, COV)
constexpr std::uint16_t enabled_protections_b = 0x9262; // H1, default 0x00
constexpr std::uint16_t enabled_protections_c = 0x9263; // H1, default 0x00
constexpr std::uint16_t chg_fet_protections_a = 0x9265; // H1, default 0x98 (SCD, OCC, COV)
constexpr std::uint16_t chg_fet_protections_b = 0x9266; // H1, default 0xD5
constexpr std::uint16_t chg_fet_protections_c = 0x9267; // H1, default 0x56
constexpr std::uint16_t dsg_fet_protections_a = 0x9269; // H1, default 0xE4 (SCD, OCD2, OCD1, CUV)
constexpr std::uint16_t dsg_fet_protections_b = 0x926A; // H1, default 0xE6
constexpr std::uint16_t dsg_fet_protections_c = 0x926B; // H1, default 0xE2
constexpr std::uint16_t default_alarm_mask = 0x926D;    // H2, default 0xF800 -> Alarm Enable
constexpr std::uint16_t sf_alert_mask_a = 0x926F;       // H1, default 0xFC
constexpr std::uint16_t sf_alert_mask_b = 0x9270;       // H1, default 0xF7
constexpr std::uint16_t sf_alert_mask_c = 0x9271;       // H1, default 0xF4
constexpr std::uint16_t cuv_threshold = 0x9275;         // U1, 50.6 mV units, default 50 (2.53 V)
constexpr std::uint16_t cuv_delay = 0x9276;             // U2, delay 3.3 ms x (2 + value), default 74
constexpr std::uint16_t cov_threshold = 0x9278;         // U1, 50.6 mV units, default 86 (4.35 V)
constexpr std::uint16_t cov_delay = 0x9279;             // U2, 3.3 ms x (2 + value), default 74
constexpr std::uint16_t cuv_recovery_hysteresis = 0x927B; // U1, 50.6 mV units, default 2
constexpr std::uint16_t cov_recovery_hysteresis = 0x927C; // U1, 50.6 mV units, default 2
constexpr std::uint16_t occ_threshold = 0x9280;         // U1, 2 mV units across the shunt, default 2
constexpr std::uint16_t occ_delay = 0x9281;             // U1, 3.3 ms x (2 + value), default 4
constexpr std::uint16_t ocd1_threshold = 0x9282;        // U1, 2 mV units, default 4
constexpr std::uint16_t ocd1_delay = 0x9283;            // U1, 3.3 ms x (2 + value), default 1
constexpr std::uint16_t ocd2_threshold = 0x9284;        // U1, 2 mV units, default 3
constexpr std::uint16_t ocd2_delay = 0x9285;            // U1, 3.3 ms x (2 + value), default 7
constexpr std::uint16_t scd_threshold = 0x9286;         // U1, index into scd_threshold_mv, default 0
constexpr std::uint16_t scd_delay = 0x9287;             // U1, 15 us x (value - 1), 1 = fastest, default 2
constexpr std::uint16_t occ_recovery_threshold = 0x9288; // I2 mA, default -200
constexpr std::uint16_t ocd_recovery_threshold = 0x928D; // I2 mA, default 200
constexpr std::uint16_t scd_recovery_time = 0x9294;     // U1 s, default 5
constexpr std::uint16_t otc_threshold = 0x929A;         // I1 degC, default 55
constexpr std::uint16_t otc_delay = 0x929B;             // U1 s, default 2
constexpr std::uint16_t otc_recovery = 0x929C;          // I1 degC, default 50
constexpr std::uint16_t otd_threshold = 0x929D;         // I1 degC, default 60
constexpr std::uint16_t otd_delay = 0x929E;             // U1 s, default 2
constexpr std::uint16_t otd_recovery = 0x929F;          // I1 degC, default 55
constexpr std::uint16_t utc_threshold = 0x92A6;         // I1 degC, default 0
constexpr std::uint16_t utc_delay = 0x92A7;             // U1 s, default 2
constexpr std::uint16_t utc_recovery = 0x92A8;          // I1 degC, default 5
constexpr std::uint16_t utd_threshold = 0x92A9;         // I1 degC, default 0
constexpr std::uint16_t utd_delay = 0x92AA;             // U1 s, default 2
constexpr std::uint16_t utd_recovery = 0x92AB;          // I1 degC, default 5
constexpr std::uint16_t recovery_time = 0x92AF;         // U1 s, default 3
constexpr std::uint16_t alert_pin_config = 0x92FC;      // H1, default 0x00 (pin not the alarm output)
constexpr std::uint16_t da_configuration = 0x9303;      // H1, default 0x05 (1 mA, 10 mV)
constexpr std::uint16_t vcell_mode = 0x9304;            // H2, default 0x0000 (all 16 cells)
constexpr std::uint16_t fet_options = 0x9308;           // H1, default 0x0D
constexpr std::uint16_t balancing_configuration = 0x9335; // H1, default 0x00
constexpr std::uint16_t cb_min_cell_temp = 0x9336;      // I1 degC, default -20
constexpr std::uint16_t cb_max_cell_temp = 0x9337;      // I1 degC, default 60
constexpr std::uint16_t cb_max_internal_temp = 0x9338;  // I1 degC, default 70
constexpr std::uint16_t cb_interval = 0x9339;           // U1 s, default 20
constexpr std::uint16_t cb_max_cells = 0x933A;          // U1, default 1
constexpr std::uint16_t cb_chg_min_cell_v = 0x933B;     // I2 mV, default 3900
constexpr std::uint16_t cb_chg_min_delta = 0x933D;      // U1 mV, default 40
constexpr std::uint16_t cb_chg_stop_delta = 0x933E;     // U1 mV, default 20
constexpr std::uint16_t cb_rlx_min_cell_v = 0x933F;     // I2 mV, default 3900
constexpr std::uint16_t cb_rlx_min_delta = 0x9341;      // U1 mV, default 40
constexpr std::uint16_t cb_rlx_stop_delta = 0x9342;     // U1 mV, default 20
constexpr std::uint16_t mfg_status_init = 0x9343;       // H2, default 0x0040 (FET_EN clear: FET test mode)
} // namespace dm

// One data-memory setting the model knows: address, size in bytes (1 or 2), reset default.
struct dm_entry {
    std::uint16_t address;
    std::uint8_t size;
    std::int32_t default_value; // as the signed or unsigned value; stored little endian
};

// The settings of the TRM's data-memory table the model reads (all others read 0 and are stored
// as written but have no effect).
inline constexpr dm_entry dm_defaults[] = {
    {dm::power_config, 2, 0x2982},
    {dm::enabled_protections_a, 1, 0x88},
    {dm::enabled_protections_b, 1, 0x00},
    {dm::enabled_protections_c, 1, 0x00},
    {dm::chg_fet_protections_a, 1, 0x98},
    {dm::chg_fet_protections_b, 1, 0xD5},
    {dm::chg_fet_protections_c, 1, 0x56},
    {dm::dsg_fet_protections_a, 1, 0xE4},
    {dm::dsg_fet_protections_b, 1, 0xE6},
    {dm::dsg_fet_protections_c, 1, 0xE2},
    {dm::default_alarm_mask, 2, 0xF800},
    {dm::sf_alert_mask_a, 1, 0xFC},
    {dm::sf_alert_mask_b, 1, 0xF7},
    {dm::sf_alert_mask_c, 1, 0xF4},
    {dm::cuv_threshold, 1, 50},
    {dm::cuv_delay, 2, 74},
    {dm::cov_threshold, 1, 86},
    {dm::cov_delay, 2, 74},
    {dm::cuv_recovery_hysteresis, 1, 2},
    {dm::cov_recovery_hysteresis, 1, 2},
    {dm::occ_threshold, 1, 2},
    {dm::occ_delay, 1, 4},
    {dm::ocd1_threshold, 1, 4},
    {dm::ocd1_delay, 1, 1},
    {dm::ocd2_threshold, 1, 3},
    {dm::ocd2_delay, 1, 7},
    {dm::scd_threshold, 1, 0},
    {dm::scd_delay, 1, 2},
    {dm::occ_recovery_threshold, 2, -200},
    {dm::ocd_recovery_threshold, 2, 200},
    {dm::scd_recovery_time, 1, 5},
    {dm::otc_threshold, 1, 55},
    {dm::otc_delay, 1, 2},
    {dm::otc_recovery, 1, 50},
    {dm::otd_threshold, 1, 60},
    {dm::otd_delay, 1, 2},
    {dm::otd_recovery, 1, 55},
    {dm::utc_threshold, 1, 0},
    {dm::utc_delay, 1, 2},
    {dm::utc_recovery, 1, 5},
    {dm::utd_threshold, 1, 0},
    {dm::utd_delay, 1, 2},
    {dm::utd_recovery, 1, 5},
    {dm::recovery_time, 1, 3},
    {dm::alert_pin_config, 1, 0x00},
    {dm::da_configuration, 1, 0x05},
    {dm::vcell_mode, 2, 0x0000},
    {dm::fet_options, 1, 0x0D},
    {dm::balancing_configuration, 1, 0x00},
    {dm::cb_min_cell_temp, 1, -20},
    {dm::cb_max_cell_temp, 1, 60},
    {dm::cb_max_internal_temp, 1, 70},
    {dm::cb_interval, 1, 20},
    {dm::cb_max_cells, 1, 1},
    {dm::cb_chg_min_cell_v, 2, 3900},
    {dm::cb_chg_min_delta, 1, 40},
    {dm::cb_chg_stop_delta, 1, 20},
    {dm::cb_rlx_min_cell_v, 2, 3900},
    {dm::cb_rlx_min_delta, 1, 40},
    {dm::cb_rlx_stop_delta, 1, 20},
    {dm::mfg_status_init, 2, 0x0040},
};

// ---- Units and encodings ---------------------------------------------------------------------
constexpr double cell_threshold_step_v = 0.0506;  // COV/CUV threshold and hysteresis LSB (§5.2.4/5)
constexpr double protection_delay_step_s = 3.3e-3; // COV/CUV/OCC/OCD delay: step x (2 + value)
constexpr double current_threshold_step_v = 2e-3; // OCC/OCD threshold LSB across the shunt
constexpr double scd_delay_step_s = 15e-6;         // SCD delay: 15 us x (value - 1); 1 = fastest
// SCD threshold across the shunt by Protections:SCD:Threshold 0..15 (TRM §5.2.6).
constexpr std::array<double, 16> scd_threshold_v{0.010, 0.020, 0.040, 0.060, 0.080, 0.100, 0.125, 0.150,
                                                 0.175, 0.200, 0.250, 0.300, 0.350, 0.400, 0.450, 0.500};
// DASTATUS raw counts (TRM §4.5): 24-bit, sign-extended to 32 bits.
constexpr double cell_count_v = 5.0 * 1.212 / 8388608.0;    // 5 x VREF1 / 2^23 = 0.722 uV
constexpr double current_count_v = 1.24 / (5.0 * 8388608.0); // VREF2 / (5 x 2^23) = 29.56 nV
// Measurement loop (datasheet, "Voltage Measurement Schedule"; TRM §4.1.1): every cell once per loop
// plus one VC16/PACK/LD slot, one internal-temperature/VREF/VSS slot and up to 3 thermistor slots;
// 3 ms per slot (1.5 ms with Power Config[FASTADC]); LOOP_SLOW multiplies the loop by 1, 2, 4, 8.
constexpr double adc_slot_s = 3e-3;
constexpr unsigned loop_fixed_slots = 18; // 16 cells + 2
constexpr unsigned loops_per_fullscan = 3;
constexpr double zero_celsius_k = 273.15;

} // namespace stacksim::models::bq76952_trm
