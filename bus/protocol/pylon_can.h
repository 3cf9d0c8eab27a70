// Battery <-> inverter CAN payloads of the low-voltage "Pylontech CAN" family (protocols.md §1):
// the Pylontech V1.2 set (0x351 0x355 0x356 0x359 0x35C 0x35E) and the SMA/Victron set
// (0x351 0x355 0x356 0x35A 0x35E 0x35F, optional 0x370-0x379), plus the inverter's 0x305/0x306/0x307.
//
// All multi-byte fields are little-endian. The layout of a message follows from its ID and DLC
// (e.g. 0x351 with DLC 8 carries DVL, DLC 6 does not; 0x355 with DLC >= 6 carries the
// high-resolution SoC). Sign convention of the project: positive current charges the battery.
//
// Encoding rule (every numeric field): raw = value / resolution rounded to nearest (halves away
// from zero), then saturated to the field's range. The all-ones codes 0xFFFF (u16) / 0x8000 (s16)
// / 0xFF (u8) are reserved for "invalid / not available" (SMA S3 §5.1): a NaN encodes to them and
// they decode to NaN, and finite values saturate to 0..0xFFFE / -0x7FFF..0x7FFF / 0..0xFE.
//
// Encoders take the DLC where the protocol varies and throw std::invalid_argument for a DLC the
// message does not allow (a configuration error). Decoders never throw: they return false for a
// frame with another ID, an extended ID, a remote frame or a DLC too short for the message, and
// leave `out` unchanged then.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/can_frame.h"

namespace stacksim::proto {

// ---- message IDs --------------------------------------------------------------------------
namespace can_id {
constexpr std::uint32_t limits = 0x351;
constexpr std::uint32_t soc = 0x355;
constexpr std::uint32_t measurements = 0x356;
constexpr std::uint32_t pylon_flags = 0x359;
constexpr std::uint32_t sma_alarms = 0x35A;
constexpr std::uint32_t requests = 0x35C;
constexpr std::uint32_t manufacturer = 0x35E;
constexpr std::uint32_t battery_info = 0x35F;
constexpr std::uint32_t bms_name_1 = 0x370;
constexpr std::uint32_t bms_name_2 = 0x371;
constexpr std::uint32_t module_counts = 0x372;
constexpr std::uint32_t cell_extremes = 0x373;
constexpr std::uint32_t min_cell_v_id = 0x374;
constexpr std::uint32_t max_cell_v_id = 0x375;
constexpr std::uint32_t min_cell_temp_id = 0x376;
constexpr std::uint32_t max_cell_temp_id = 0x377;
constexpr std::uint32_t energy = 0x378;
constexpr std::uint32_t installed_capacity = 0x379;
constexpr std::uint32_t inverter_heartbeat = 0x305;
constexpr std::uint32_t inverter_status = 0x306;
constexpr std::uint32_t inverter_relays = 0x307;
} // namespace can_id

// ---- per-message values -------------------------------------------------------------------

// 0x351: u16 CVL 0.1 V, s16 CCL 0.1 A, s16 DCL 0.1 A (positive magnitude), [u16 DVL 0.1 V].
struct limits_351 {
    double cvl_v = 0, ccl_a = 0, dcl_a = 0, dvl_v = 0;
    bool dvl_present = true;  // decode: DLC >= 8 (dvl_v is NaN otherwise)
};

// 0x355: u16 SoC 1 %, u16 SoH 1 %, [u16 SoC 0.01 %].
struct soc_355 {
    double soc_pct = 0, soh_pct = 0, soc_hires_pct = 0;
    bool hires_present = false;  // decode: DLC >= 6 (soc_hires_pct is NaN otherwise)
};

// 0x356: s16 voltage 0.01 V, s16 current 0.1 A (+ = charging), s16 temperature 0.1 degC.
struct measurements_356 {
    double voltage_v = 0, current_a = 0, temp_c = 0;
};

// The conditions a BMS reports, at one level (protection = alarm level, or warning level).
// Mapped to Pylontech 0x359 (protection bytes 0-1 / alarm bytes 2-3) and to SMA 0x35A
// (alarm bytes 0-3 / warning bytes 4-7). Fields marked "SMA only" are not in 0x359.
struct battery_conditions {
    bool over_voltage = false;           // 0x359 b1 cell/module over-voltage | 0x35A battery high voltage
    bool under_voltage = false;          // 0x359 b2                         | battery low voltage
    bool over_temp = false;              // 0x359 b3 cell over-temperature   | battery high temperature
    bool under_temp = false;             // 0x359 b4 cell under-temperature  | battery low temperature
    bool discharge_over_current = false; // 0x359 b7                         | battery high (discharge) current
    bool charge_over_current = false;    // 0x359 byte 1/3 b0                | battery high charge current
    bool system_error = false;           // 0x359 byte 1 b3 "system error" (protection) / byte 3 b3
                                         // "internal communication fail" (alarm) | BMS internal
    bool general = false;                // SMA only: general
    bool charge_over_temp = false;       // SMA only: high temperature while charging
    bool charge_under_temp = false;      // SMA only: low temperature while charging
    bool contactor = false;              // SMA only: contactor
    bool short_circuit = false;          // SMA only: short circuit
    bool cell_imbalance = false;         // SMA only: cell imbalance
};
bool operator==(const battery_conditions& a, const battery_conditions& b);
inline bool operator!=(const battery_conditions& a, const battery_conditions& b) { return !(a == b); }

// 0x359 (Pylontech): protection 1/2, alarm 1/2, module count, "PN".
struct flags_359 {
    battery_conditions protection;  // only the 0x359 fields are used
    battery_conditions alarm;
    std::uint8_t module_count = 1;
    std::uint32_t undefined_bits = 0; // decode: bits set outside the bit map (bytes 0-3 as a LE u32)
};

// 0x35C: request flags, byte 0 b7..b3.
struct requests_35c {
    bool charge_enable = false, discharge_enable = false;
    bool force_charge_1 = false, force_charge_2 = false, full_charge_request = false;
};

// 0x35A (SMA/Victron): 2-bit pairs, 16 events per level. Pair codes:
enum class sma_pair : std::uint8_t { not_supported = 0, active = 1, ok = 2, invalid = 3 };
// Event index i -> byte i / 4 (+4 for warnings), bits 2*(i % 4) .. +1.
enum class sma_event : std::uint8_t {
    general = 0, high_voltage, low_voltage, high_temp,
    low_temp, high_temp_charge, low_temp_charge, high_discharge_current,
    high_charge_current, contactor, short_circuit, bms_internal,
    cell_imbalance, reserved_14, reserved_15, generator
};
struct sma_alarms_35a {
    std::array<sma_pair, 16> alarm;    // bytes 0-3
    std::array<sma_pair, 16> warning;  // bytes 4-7
    sma_alarms_35a() { alarm.fill(sma_pair::ok); warning.fill(sma_pair::ok); }
};
// conditions -> pairs: each event "active" (01) when its condition is set, else "ok" (10); the
// reserved/generator pairs are "ok" too, so an all-clear frame is eight 0xAA bytes.
sma_alarms_35a sma_pairs_from_conditions(const battery_conditions& alarm, const battery_conditions& warning);
// pairs -> conditions (a condition is set when its pair is "active").
void sma_conditions_from_pairs(const sma_alarms_35a& p, battery_conditions& alarm, battery_conditions& warning);

// 0x35F (SMA): 2 ASCII chemistry letters, BMS version major/minor, u16 capacity 1 Ah.
struct battery_info_35f {
    std::array<char, 2> chemistry{{'L', 'F'}};
    std::uint8_t version_major = 0, version_minor = 0;
    double capacity_ah = 0;
};

// The whole battery side, in physical units: what the master BMS wants to say.
struct battery_can_state {
    // 0x351
    double cvl_v = 0, ccl_a = 0, dcl_a = 0, dvl_v = 0;
    // 0x355
    double soc_pct = 0, soh_pct = 0, soc_hires_pct = 0;
    // 0x356
    double voltage_v = 0, current_a = 0, temp_c = 0;
    // 0x359 (Pylontech) / 0x35A (SMA)
    battery_conditions protection, alarm;
    std::uint8_t module_count = 1;
    // 0x35C
    bool charge_enable = false, discharge_enable = false;
    bool force_charge_1 = false, force_charge_2 = false, full_charge_request = false;
    // 0x35F
    std::array<char, 2> chemistry{{'L', 'F'}};
    std::uint8_t bms_version_major = 0, bms_version_minor = 0;
    double capacity_ah = 0;
    // Victron extras 0x370-0x379
    std::string bms_name;                 // 0x370/0x371: 16 ASCII chars (8 each, NUL padded)
    std::uint16_t modules_ok = 0, modules_blocking_charge = 0, modules_blocking_discharge = 0,
                  modules_offline = 0;    // 0x372
    double min_cell_v = 0, max_cell_v = 0;          // 0x373, u16 1 mV
    double min_cell_temp_c = 0, max_cell_temp_c = 0;// 0x373, u16 1 K (temp_k = temp_c + 273.15)
    std::string min_cell_v_name, max_cell_v_name, min_cell_temp_name, max_cell_temp_name; // 0x374-0x377, 8 ASCII
    double charged_energy_kwh = 0, discharged_energy_kwh = 0;  // 0x378, u32 0.1 kWh
    double installed_capacity_ah = 0;                          // 0x379, u16 1 Ah
};

// ---- message sets -------------------------------------------------------------------------
struct can_message_spec {
    std::uint32_t id = 0;
    std::uint8_t dlc = 8;
};
struct can_message_set {
    std::string name;
    std::vector<can_message_spec> messages;  // in sending order
    std::string manufacturer;                // 0x35E payload (ASCII, NUL padded to its DLC)
};
// Pylontech LV CAN V1.2 as real batteries send it (protocols.md §1.3, S1/S17): 0x351/8 (with
// DVL), 0x355/4, 0x356/6, 0x359/7, 0x35C/2, 0x35E/8 "PYLON   ".
can_message_set pylon_v12_set();
// SMA Sunny Island / Victron (S3, S13, S33): 0x351/8, 0x355/8 (hi-res SoC), 0x356/8, 0x35A/8,
// 0x35E/8, 0x35F/8; manufacturer "STACKSIM" (assumed: WeCo's own string is not public).
can_message_set sma_set();

// Allowed DLCs of a message: empty for an ID this library does not encode.
std::vector<std::uint8_t> can_allowed_dlcs(std::uint32_t id);
// "" when every message has a known ID, an allowed DLC and the manufacturer fits its DLC;
// otherwise what is wrong.
std::string validate(const can_message_set& set);

// ---- battery -> inverter encoders ---------------------------------------------------------
can_frame encode_351(const limits_351& v, std::uint8_t dlc = 8);           // DLC 6 or 8
can_frame encode_355(const soc_355& v, std::uint8_t dlc = 4);              // DLC 4, 6 or 8
can_frame encode_356(const measurements_356& v, std::uint8_t dlc = 6);     // DLC 6 or 8
can_frame encode_359(const flags_359& v, std::uint8_t dlc = 7);            // DLC 7 or 8
can_frame encode_35a(const sma_alarms_35a& v);                             // DLC 8
can_frame encode_35c(const requests_35c& v, std::uint8_t dlc = 2);         // DLC 2 or 8
can_frame encode_35e(const std::string& manufacturer, std::uint8_t dlc = 8); // DLC 1..8, >= size
can_frame encode_35f(const battery_info_35f& v, std::uint8_t dlc = 8);     // DLC 6 or 8
// One message of the set, from the state; throws std::invalid_argument for an unknown ID or DLC.
can_frame encode_message(const can_message_spec& spec, const battery_can_state& s, const std::string& manufacturer);
// Every message of the set, in order (throws as validate() would complain).
std::vector<can_frame> encode_message_set(const can_message_set& set, const battery_can_state& s);

// ---- battery -> inverter decoders ---------------------------------------------------------
bool decode_351(const can_frame& f, limits_351& out);
bool decode_355(const can_frame& f, soc_355& out);
bool decode_356(const can_frame& f, measurements_356& out);
bool decode_359(const can_frame& f, flags_359& out);
bool decode_35a(const can_frame& f, sma_alarms_35a& out);
bool decode_35c(const can_frame& f, requests_35c& out);
bool decode_35e(const can_frame& f, std::string& manufacturer); // trailing NULs removed
bool decode_35f(const can_frame& f, battery_info_35f& out);
// Any battery->inverter message of this library: updates the fields of `s` it carries
// (0x35E -> `manufacturer` when not null). False for other IDs or a bad frame.
bool decode_battery_frame(const can_frame& f, battery_can_state& s, std::string* manufacturer = nullptr);

// ---- inverter -> battery ------------------------------------------------------------------
// Pylontech/Deye/Luxpower/Victron heartbeat: 0x305, 8 zero bytes.
can_frame encode_305_pylon();
// SMA Sunny Island 0x305: u16 voltage 0.1 V, s16 current 0.1 A *negative while charging* on the
// wire, s16 temperature 0.1 degC, s16 SoC 0.1 %. Here current_a follows the project convention
// (+ = charging); the codec negates it.
struct sma_305 {
    double voltage_v = 0, current_a = 0, temp_c = 0, soc_pct = 0;
};
can_frame encode_305_sma(const sma_305& v);
bool decode_305_sma(const can_frame& f, sma_305& out);
// Any 0x305 (11-bit) counts as a heartbeat (protocols.md §1.4).
bool is_heartbeat_305(const can_frame& f);

// SMA 0x306: u16 SoH 1 %, u8 charging procedure, u8 operating state, u16 active error number,
// u16 charge-voltage set point 0.1 V.
struct sma_306 {
    double soh_pct = 0;
    std::uint8_t charge_procedure = 0, operating_state = 0;
    std::uint16_t active_error = 0;
    double charge_voltage_setpoint_v = 0;
};
can_frame encode_306(const sma_306& v);
bool decode_306(const can_frame& f, sma_306& out);

// SMA 0x307: u16 relay state (bit coded); DLC 2..8, the rest zero (Victron sends fixed bytes).
struct sma_307 {
    std::uint16_t relay_state = 0;
};
can_frame encode_307(const sma_307& v, std::uint8_t dlc = 8);
bool decode_307(const can_frame& f, sma_307& out);

} // namespace stacksim::proto
