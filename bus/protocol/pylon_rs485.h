// Pylontech-style RS485 framing (ASCII hex) and the INFO layouts of the commands the stack uses
// (protocols.md §2, [C] S2 V3.3 + real captures S18-S21).
//
// Frame: '~' VER ADR CID1 CID2 LENGTH INFO CHKSUM CR. Every field except '~' and CR is hex ASCII
// (two characters per byte, high nibble first, upper case when encoding; lower case is accepted
// when decoding). Multi-byte INFO integers are big-endian. Characters on the wire = 18 + LENID.
//
// INFO numeric fields: raw = value / resolution rounded to nearest (halves away from zero),
// saturated to the field's range (u8 0..255, u16 0..65535, s16 -32768..32767, u24 0..0xFFFFFF);
// NaN encodes as 0. Temperatures: raw = round(t_c * 10) + 2731 (0.1 K with offset 2731).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stacksim::proto {

constexpr std::uint8_t cid1_battery = 0x46;
constexpr std::size_t rs485_frame_overhead_chars = 18; // '~' + 12 header + 4 CHKSUM + CR

// Command codes (CID2 in requests).
namespace cid2 {
constexpr std::uint8_t analog = 0x42;
constexpr std::uint8_t alarm = 0x44;
constexpr std::uint8_t system_parameters = 0x47;
constexpr std::uint8_t protocol_version = 0x4F;
constexpr std::uint8_t manufacturer = 0x51;
constexpr std::uint8_t management = 0x92;
constexpr std::uint8_t serial_number = 0x93;
constexpr std::uint8_t set_management = 0x94;
constexpr std::uint8_t turn_off = 0x95;
constexpr std::uint8_t software_version = 0x96;
constexpr std::uint8_t join = 0x99;   // manufacturer-specific: the master admits a sub (below)
} // namespace cid2

// Return codes (CID2 in responses).
enum class rtn : std::uint8_t {
    normal = 0x00,
    ver_error = 0x01,
    chksum_error = 0x02,
    lchksum_error = 0x03,
    cid2_invalid = 0x04,
    format_error = 0x05,
    info_invalid = 0x06,
    adr_error = 0x90,
    internal_comm_error = 0x91,
};
const char* to_string(rtn code);
// True for the CID2 values that are return codes (a response), false for command codes (a
// request): the protocol has no direction bit, a receiver tells them apart by the value.
bool is_return_code(std::uint8_t cid2);

// ---- framing ------------------------------------------------------------------------------

// LCHKSUM nibble for a LENID (number of INFO characters, 0..4095):
// (16 - (n2 + n1 + n0) mod 16) mod 16.
std::uint8_t lchksum(std::uint16_t lenid);
// The 16-bit LENGTH field (LCHKSUM << 12 | LENID); LENID > 4095 -> std::invalid_argument.
std::uint16_t length_field(std::uint16_t lenid);
// LENGTH as its 4 hex characters: 0x012 -> "D012".
std::string lchksum_length(std::uint16_t lenid);
// CHKSUM of the characters between SOI and CHKSUM: (0x10000 - sum of ASCII codes mod 0x10000) mod 0x10000.
std::uint16_t chksum(std::string_view chars);

// Characters on the wire of a frame with `info_bytes` INFO bytes.
constexpr std::size_t rs485_frame_chars(std::size_t info_bytes) { return rs485_frame_overhead_chars + 2 * info_bytes; }

struct pylon_frame {
    std::uint8_t ver = 0x20;
    std::uint8_t adr = 0;
    std::uint8_t cid1 = cid1_battery;
    std::uint8_t cid2 = 0;             // command, or RTN in a response
    std::vector<std::uint8_t> info;    // INFO bytes
};

// The whole frame, '~' ... CR. INFO longer than 2047 bytes -> std::invalid_argument.
std::string encode_frame(std::uint8_t ver, std::uint8_t adr, std::uint8_t cid1, std::uint8_t cid2,
                         const std::vector<std::uint8_t>& info);
std::string encode_frame(const pylon_frame& f);

// Result of decoding received characters. Never throws.
// Checks, in this order (the first failure decides `rtn`):
//   '~' first, CR last, at least 18 characters, even count  -> format_error
//   CHKSUM field not hex                                     -> format_error
//   CHKSUM wrong (over the characters as received)           -> chksum_error
//   a non-hex character in VER..INFO                         -> format_error
//   LCHKSUM wrong                                            -> lchksum_error
//   LENID odd or different from the INFO characters present -> format_error
//   `expected_ver` >= 0 and VER differs (not checked for 0x4F) -> ver_error
// `adr_valid`: the ADR characters were hex, so `frame.adr` holds the address *as received*
// (unverified when rtn == chksum_error). A receiver answers with `rtn` only when the frame is
// addressed to it, and never acts on a frame with !ok.
struct rs485_decoded {
    bool ok = false;
    ::stacksim::proto::rtn rtn = ::stacksim::proto::rtn::format_error;
    std::string error;      // human-readable reason when !ok
    bool adr_valid = false;
    pylon_frame frame;      // header fields parsed so far; INFO only when ok
};
rs485_decoded decode_frame(std::string_view chars, int expected_ver = -1);
// decode_frame(chars) (no VER check) through a one-entry memo per thread: a frame on the chain
// is heard by every node, and each would decode the same characters again. The result is the
// same as decode_frame's; the reference is valid until the thread's next call.
const rs485_decoded& decode_frame_memo(std::string_view chars);

// Request helpers: INFO = the 1-byte command value where the command takes one.
std::string encode_request(std::uint8_t ver, std::uint8_t adr, std::uint8_t cid2,
                           const std::vector<std::uint8_t>& info = {});
std::string encode_response(std::uint8_t ver, std::uint8_t adr, rtn code, const std::vector<std::uint8_t>& info = {});

// ---- 0x42 analog values --------------------------------------------------------------------
// INFO = INFOFLAG, command value (ADR), battery block:
//   u8 M, M x s16 cell mV, u8 N, N x temperature (0.1 K + 2731), s16 current 0.1 A (+ = charge),
//   u16 module mV, u16 remaining mAh, u8 user item count (2 | 4), u16 total mAh, u16 cycles,
//   [u24 remaining mAh, u24 total mAh when count = 4; the u16 fields are then 0xFFFF when the
//   value exceeds 65535 mAh].
struct analog_info {
    std::uint8_t info_flag = 0;
    std::uint8_t adr = 0;                 // command value: the module's address
    std::vector<double> cell_v;
    std::vector<double> temp_c;           // BMS board, cell groups, (MOSFET)
    double current_a = 0;
    double voltage_v = 0;
    double remaining_ah = 0;
    double total_ah = 0;
    unsigned cycles = 0;
    std::uint8_t user_item_count = 0;     // encode: 0 = automatic (4 if a capacity > 65.535 Ah);
                                          // decode: the value received (2 or 4)
};
std::vector<std::uint8_t> encode_analog_info(const analog_info& a);
bool decode_analog_info(const std::vector<std::uint8_t>& info, analog_info& out);
// System-wide answer (request INFO 0xFF): INFOFLAG, module count, one block per module.
// The `adr` of each module is not on the wire (decode leaves it 0); the flag comes from `info_flag`.
std::vector<std::uint8_t> encode_system_analog_info(std::uint8_t info_flag, const std::vector<analog_info>& modules);
bool decode_system_analog_info(const std::vector<std::uint8_t>& info, std::vector<analog_info>& out);
// INFO bytes of one 0x42 answer: 2 + (1 + 2M + 1 + 2N + 2 + 2 + 2 + 1 + 2 + 2 [+ 6]).
std::size_t analog_info_bytes(std::size_t cells, std::size_t temps, unsigned user_item_count);

// ---- 0x44 alarm info -----------------------------------------------------------------------
namespace alarm_state {
constexpr std::uint8_t normal = 0x00;
constexpr std::uint8_t below_lower_limit = 0x01;
constexpr std::uint8_t above_upper_limit = 0x02;
constexpr std::uint8_t other_error = 0xF0;
} // namespace alarm_state

struct alarm_info {
    std::uint8_t info_flag = 0;
    std::uint8_t adr = 0;
    std::vector<std::uint8_t> cell_state;   // alarm_state per cell
    std::vector<std::uint8_t> temp_state;   // alarm_state per temperature sensor
    std::uint8_t charge_current_state = 0, module_voltage_state = 0, discharge_current_state = 0;
    // Status 1
    bool module_under_voltage = false;      // b7
    bool charge_over_temp = false;          // b6
    bool discharge_over_temp = false;       // b5
    bool discharge_over_current = false;    // b4
    bool charge_over_current = false;       // b2
    bool cell_under_voltage = false;        // b1
    bool module_over_voltage = false;       // b0
    // Status 2
    bool using_battery_power = false;       // b3
    bool discharge_mosfet_on = false;       // b2
    bool charge_mosfet_on = false;          // b1
    bool precharge_mosfet_on = false;       // b0
    // Status 3
    bool effective_charge_current = false;  // b7 (> 0.1 A)
    bool effective_discharge_current = false; // b6 (< -0.1 A)
    bool heater_on = false;                 // b5
    bool fully_charged = false;             // b3
    bool buzzer_on = false;                 // b0
    // Status 4/5: bit i = cell i+1 voltage error (> 4.2 V or < 1 V)
    std::uint16_t cell_error_mask = 0;
};
std::vector<std::uint8_t> encode_alarm_info(const alarm_info& a);
// Accepts one extra trailing 0x00 byte (seen on real frames, protocols.md §2.6).
bool decode_alarm_info(const std::vector<std::uint8_t>& info, alarm_info& out);
bool operator==(const alarm_info& a, const alarm_info& b);

// ---- 0x47 system parameters ----------------------------------------------------------------
// INFOFLAG + 12 x 2 bytes. Voltages u16 mV, temperatures 0.1 K + 2731, currents s16 0.1 A;
// the discharge current limit is negative on the wire and here.
struct system_parameters {
    std::uint8_t info_flag = 0;
    double cell_high_voltage_limit_v = 0, cell_low_voltage_alarm_v = 0, cell_under_voltage_protect_v = 0;
    double charge_high_temp_limit_c = 0, charge_low_temp_limit_c = 0;
    double charge_current_limit_a = 0;
    double module_high_voltage_limit_v = 0, module_low_voltage_alarm_v = 0, module_under_voltage_protect_v = 0;
    double discharge_high_temp_limit_c = 0, discharge_low_temp_limit_c = 0;
    double discharge_current_limit_a = 0;   // negative
};
std::vector<std::uint8_t> encode_system_parameters(const system_parameters& p);
bool decode_system_parameters(const std::vector<std::uint8_t>& info, system_parameters& out);

// ---- 0x92 charge/discharge management ------------------------------------------------------
// Command byte (ADR), u16 CVL mV, u16 DVL mV, s16 max charge 0.1 A, s16 max discharge 0.1 A
// (negative), status b7 charge enable, b6 discharge enable, b5 force charge I, b4 force charge II,
// b3 full-charge request.
struct management_info {
    std::uint8_t adr = 0;
    double charge_voltage_limit_v = 0, discharge_voltage_limit_v = 0;
    double max_charge_current_a = 0;
    double max_discharge_current_a = 0;     // negative on the wire and here
    bool charge_enable = false, discharge_enable = false;
    bool force_charge_1 = false, force_charge_2 = false, full_charge_request = false;
};
std::vector<std::uint8_t> encode_management_info(const management_info& m);
bool decode_management_info(const std::vector<std::uint8_t>& info, management_info& out);

// ---- 0x51 manufacturer info ----------------------------------------------------------------
// 10-byte battery name + 2-byte software version + 20-byte manufacturer name (ASCII, NUL padded;
// longer strings are cut). Decoding strips trailing NULs and blanks.
struct manufacturer_info {
    std::string battery_name;
    std::uint8_t sw_version_major = 0, sw_version_minor = 0;
    std::string manufacturer;
};
std::vector<std::uint8_t> encode_manufacturer_info(const manufacturer_info& m);
bool decode_manufacturer_info(const std::vector<std::uint8_t>& info, manufacturer_info& out);

// ---- 0x93 module serial number -------------------------------------------------------------
// Command byte (ADR) + 16-byte serial number (ASCII, NUL padded, longer strings cut; decoding
// strips trailing NULs and blanks). [C] S2 §2.4/§2.7 of protocols.md: LENID 0x22, 52 characters.
struct serial_number_info {
    std::uint8_t adr = 0;
    std::string serial;
};
constexpr std::size_t serial_number_chars = 16;
std::vector<std::uint8_t> encode_serial_number_info(const serial_number_info& s);
bool decode_serial_number_info(const std::vector<std::uint8_t>& info, serial_number_info& out);

// ---- 0x99 join (manufacturer-specific, assumed layout) -------------------------------------
// The master admits a sub at start-up: INFO = command byte (the sub's ADR), u8 1 = join /
// 0 = stay open. Decoding takes any non-zero byte as "join" and needs exactly 2 bytes.
struct join_info {
    std::uint8_t adr = 0;
    bool join = false;
};
std::vector<std::uint8_t> encode_join_info(const join_info& j);
bool decode_join_info(const std::vector<std::uint8_t>& info, join_info& out);

} // namespace stacksim::proto
