/*
 * pylon_rs485.h -- Pylontech-style RS485 framing (ASCII hex) and the INFO layouts this firmware
 * sends and reads. The byte-exact reference is docs/protocols/rs485-framing.md; the simulator's
 * own codec (bus/protocol/pylon_rs485.h) decodes what this file encodes in
 * tests/firmware/test_example_fw_codecs.cpp.
 *
 * Frame: '~' VER ADR CID1 CID2 LENGTH INFO CHKSUM CR. Every field but '~' and CR is two hex
 * characters per byte, upper case, high nibble first; INFO integers are big-endian.
 *  - LENGTH = LCHKSUM << 12 | LENID, LENID = number of INFO characters, LCHKSUM =
 *    (16 - (sum of LENID's three nibbles) mod 16) mod 16.
 *  - CHKSUM = (0x10000 - (sum of the ASCII codes from VER to the end of INFO) mod 0x10000) mod 0x10000.
 *  - CID2 is the command in a request and the return code (RTN) in an answer.
 *
 * Numeric INFO fields: raw = value / resolution rounded to nearest (halves away from zero),
 * saturated to the field; NaN encodes as 0. Temperatures: raw = round(t_c * 10) + 2731 (0.1 K).
 */
#ifndef EXAMPLE_FW_PYLON_RS485_H
#define EXAMPLE_FW_PYLON_RS485_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYLON_VER 0x20u
#define PYLON_CID1_BATTERY 0x46u
/* Largest INFO handled: the master's whole-stack 0x42 answer of 16 modules (946 bytes). */
#define PYLON_MAX_INFO 1024u
#define PYLON_FRAME_OVERHEAD 18u
#define PYLON_MAX_FRAME_CHARS (PYLON_FRAME_OVERHEAD + 2u * PYLON_MAX_INFO)
#define PYLON_MAX_CELLS 32u
#define PYLON_MAX_TEMPS 8u

/* Commands (CID2 of a request). */
enum {
    PYLON_CMD_ANALOG = 0x42,
    PYLON_CMD_ALARM = 0x44,
    PYLON_CMD_SYSTEM_PARAMETERS = 0x47,
    PYLON_CMD_PROTOCOL_VERSION = 0x4F,
    PYLON_CMD_MANUFACTURER = 0x51,
    PYLON_CMD_MANAGEMENT = 0x92,
    PYLON_CMD_SERIAL_NUMBER = 0x93,
    PYLON_CMD_JOIN = 0x99 /* stacksim's manufacturer-specific join command: INFO = ADR, 1 | 0 */
};

/* Return codes (CID2 of an answer). */
enum {
    PYLON_RTN_NORMAL = 0x00,
    PYLON_RTN_VER_ERROR = 0x01,
    PYLON_RTN_CHKSUM_ERROR = 0x02,
    PYLON_RTN_LCHKSUM_ERROR = 0x03,
    PYLON_RTN_CID2_INVALID = 0x04,
    PYLON_RTN_FORMAT_ERROR = 0x05,
    PYLON_RTN_INFO_INVALID = 0x06,
    PYLON_RTN_ADR_ERROR = 0x90,
    PYLON_RTN_COMM_ERROR = 0x91
};
/* 1 when cid2 is one of the return codes above (an answer), 0 for a command (a request). */
int pylon_is_return_code(uint8_t cid2);

typedef struct pylon_frame {
    uint8_t ver, adr, cid1, cid2;
    size_t info_len;
    uint8_t info[PYLON_MAX_INFO];
} pylon_frame;

uint8_t pylon_lchksum(uint16_t lenid);
uint16_t pylon_chksum(const char* chars, size_t n);

/* The whole frame, '~' .. CR, into out (cap characters); returns the number of characters, or 0
 * when it does not fit. */
size_t pylon_encode_frame(const pylon_frame* f, char* out, size_t cap);
/* Convenience: a frame with VER 0x20, CID1 0x46. */
size_t pylon_encode(uint8_t adr, uint8_t cid2, const uint8_t* info, size_t info_len, char* out, size_t cap);

/* Decodes received characters ('~' .. CR). Checks in the order of rs485-framing.md §2 and
 * returns the RTN the receiver owes: PYLON_RTN_NORMAL (frame filled), or FORMAT_ERROR,
 * CHKSUM_ERROR, LCHKSUM_ERROR. *adr_valid = 1 when the ADR characters were hex (out->adr then
 * holds the address as received, unverified unless the result is NORMAL). */
int pylon_decode_frame(const char* chars, size_t n, pylon_frame* out, int* adr_valid);

/* ---- INFO layouts (rs485-framing.md §3) ---------------------------------------------------- */

/* 0x42 analog values, one module's block. */
typedef struct pylon_analog {
    uint8_t adr;
    unsigned n_cells, n_temps;
    double cell_v[PYLON_MAX_CELLS];
    double temp_c[PYLON_MAX_TEMPS];
    double current_a;     /* + = charge */
    double voltage_v;     /* module terminal voltage */
    double remaining_ah, total_ah;
    unsigned cycles;
} pylon_analog;

/* 0x44 alarm info. States: 0x00 normal, 0x01 below lower limit, 0x02 above upper limit. */
typedef struct pylon_alarm {
    uint8_t adr;
    unsigned n_cells, n_temps;
    uint8_t cell_state[PYLON_MAX_CELLS];
    uint8_t temp_state[PYLON_MAX_TEMPS];
    uint8_t charge_current_state, module_voltage_state, discharge_current_state;
    uint8_t status1; /* b7 module UV, b6 charge OT, b5 discharge OT, b4 discharge OC, b2 charge OC,
                        b1 cell UV, b0 module OV */
    uint8_t status2; /* b3 using battery power, b2 discharge MOSFET, b1 charge MOSFET, b0 precharge */
    uint8_t status3; /* b7 charging > 0.1 A, b6 discharging < -0.1 A, b5 heater, b3 full, b0 buzzer */
    uint16_t cell_error_mask; /* status 4/5, bit i = cell i+1, low byte first on the wire */
} pylon_alarm;

/* 0x92 charge/discharge management. */
typedef struct pylon_management {
    uint8_t adr;
    double cvl_v, dvl_v;
    double ccl_a; /* max charge current, >= 0 */
    double dcl_a; /* max discharge current as a positive magnitude (sent negative) */
    uint8_t status; /* b7 charge enable, b6 discharge enable, b5 force charge I, b4 II, b3 full charge request */
} pylon_management;

/* 0x47 system parameters (INFOFLAG + 12 fields). */
typedef struct pylon_system_parameters {
    double cell_high_v, cell_low_alarm_v, cell_under_v;
    double charge_high_c, charge_low_c, charge_current_a;
    double module_high_v, module_low_alarm_v, module_under_v;
    double discharge_high_c, discharge_low_c, discharge_current_a; /* discharge current negative */
} pylon_system_parameters;

/* INFO writers: return the INFO length in bytes, 0 when it does not fit in cap. */
size_t pylon_info_analog(const pylon_analog* a, uint8_t* info, size_t cap);
/* The whole-stack answer (request INFO 0xFF): INFOFLAG, count, one block per module. */
size_t pylon_info_system_analog(const pylon_analog* const* modules, unsigned n, uint8_t* info, size_t cap);
size_t pylon_info_alarm(const pylon_alarm* a, uint8_t* info, size_t cap);
size_t pylon_info_management(const pylon_management* m, uint8_t* info, size_t cap);
size_t pylon_info_system_parameters(const pylon_system_parameters* p, uint8_t* info, size_t cap);
/* 0x51: 10-byte name, version major/minor, 20-byte manufacturer (NUL padded, cut). */
size_t pylon_info_manufacturer(const char* name, uint8_t major, uint8_t minor, const char* manufacturer,
                               uint8_t* info, size_t cap);
/* 0x93: command byte (ADR) + 16-byte serial number. */
size_t pylon_info_serial(uint8_t adr, const char* serial, uint8_t* info, size_t cap);

/* INFO readers (the master's side): 1 when the INFO has exactly the layout. */
int pylon_read_analog(const uint8_t* info, size_t len, pylon_analog* out);
int pylon_read_management(const uint8_t* info, size_t len, pylon_management* out);
/* Accepts one extra trailing 0x00 byte, as real frames carry. */
int pylon_read_alarm(const uint8_t* info, size_t len, pylon_alarm* out);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_PYLON_RS485_H */
