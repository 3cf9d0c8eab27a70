/*
 * bq76952.h -- driver for the TI BQ76952 battery monitor (3-16 series cells) on I2C, from its
 * Technical Reference Manual (TI SLUUBY2). Only what this firmware uses.
 *
 * The chip at 7-bit address 0x08 is reached three ways (TRM chapter 12):
 *  - direct commands: a command byte, then little-endian data; a read auto-increments, so one
 *    write-then-read of 32 bytes from 0x14 returns the 16 cell voltages;
 *  - subcommands: write the 16-bit subcommand to 0x3E/0x3F (low byte first); a command-only
 *    subcommand acts at once; one that returns data is read back by polling 0x3E/0x3F until it
 *    echoes the subcommand, then reading the length at 0x61, the buffer at 0x40.. and checking
 *    the checksum at 0x60; one that takes data writes it to 0x40.. and then 0x60/0x61;
 *  - data memory: the same as a subcommand with data, the "subcommand" being the data-memory
 *    address (0x9180..0x9400). Writes only take in CONFIG_UPDATE mode (SET_CFGUPDATE ..
 *    EXIT_CFGUPDATE). Checksum = bitwise inverse of the 8-bit sum of the address bytes and the
 *    data bytes; length = data bytes + 4 (address, checksum and length themselves). The chip
 *    ignores a write whose checksum or length is wrong.
 *
 * Units as configured by bq_configure (DA Configuration = 0x06): cell voltages in mV, Stack /
 * PACK / LD voltages in 10 mV (USER_VOLTS_CV), CC2 current in 10 mA (USER_AMPS = 10 mA; +
 * = charging), temperatures in 0.1 K.
 */
#ifndef EXAMPLE_FW_BQ76952_H
#define EXAMPLE_FW_BQ76952_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Direct commands. */
enum {
    BQ_CMD_SAFETY_ALERT_A = 0x02, /* .. 0x07: alert A, status A, alert B, status B, alert C, status C */
    BQ_CMD_BATTERY_STATUS = 0x12,
    BQ_CMD_CELL1_VOLTAGE = 0x14,  /* .. 0x32, I2 mV */
    BQ_CMD_STACK_VOLTAGE = 0x34,  /* then PACK 0x36, LD 0x38, CC2 current 0x3A */
    BQ_CMD_SUBCOMMAND = 0x3E,
    BQ_CMD_TRANSFER_BUFFER = 0x40,
    BQ_CMD_CHECKSUM = 0x60,       /* then length 0x61 */
    BQ_CMD_ALARM_STATUS = 0x62,
    BQ_CMD_TS1_TEMPERATURE = 0x70, /* TS2 0x72, TS3 0x74, HDQ 0x76, DCHG 0x78, DDSG 0x7A; I2 0.1 K */
    BQ_CMD_FET_STATUS = 0x7F
};

/* Subcommands. */
enum {
    BQ_SUB_DEVICE_NUMBER = 0x0001,
    BQ_SUB_FW_VERSION = 0x0002,
    BQ_SUB_RESET = 0x0012,
    BQ_SUB_FET_ENABLE = 0x0022,
    BQ_SUB_MANUFACTURING_STATUS = 0x0057,
    BQ_SUB_CB_ACTIVE_CELLS = 0x0083,
    BQ_SUB_SET_CFGUPDATE = 0x0090,
    BQ_SUB_EXIT_CFGUPDATE = 0x0092,
    BQ_SUB_ALL_FETS_OFF = 0x0095,
    BQ_SUB_ALL_FETS_ON = 0x0096
};

#define BQ_DEVICE_NUMBER 0x7695u

/* Battery Status bits. */
#define BQ_BATTERY_STATUS_CFGUPDATE 0x0001u
/* FET Status bits. */
#define BQ_FET_CHG 0x01u
#define BQ_FET_PCHG 0x02u
#define BQ_FET_DSG 0x04u
#define BQ_FET_PDSG 0x08u
#define BQ_FET_ALERT_PIN 0x40u
/* Safety Status A bits. */
#define BQ_SSA_CUV 0x04u
#define BQ_SSA_COV 0x08u
#define BQ_SSA_OCC 0x10u
#define BQ_SSA_OCD1 0x20u
#define BQ_SSA_OCD2 0x40u
#define BQ_SSA_SCD 0x80u
/* Safety Status B bits. */
#define BQ_SSB_UTC 0x01u
#define BQ_SSB_UTD 0x02u
#define BQ_SSB_UTINT 0x04u
#define BQ_SSB_OTC 0x10u
#define BQ_SSB_OTD 0x20u
#define BQ_SSB_OTINT 0x40u
#define BQ_SSB_OTF 0x80u
/* Safety Status C bits. */
#define BQ_SSC_OCD3 0x80u
#define BQ_SSC_SCDL 0x40u
#define BQ_SSC_OCDL 0x20u
#define BQ_SSC_COVL 0x10u

/* The chip's own protections, in physical units; bq_configure converts them to the data-memory
 * encodings of TRM chapter 13 (rounded to the nearest step, clamped to the allowed range). */
typedef struct bq_protection_config {
    unsigned cells;                   /* cells in series (Vcell Mode) */
    double sense_resistor_ohm;        /* current thresholds are voltages across the shunt */
    double cov_v, cov_delay_s, cov_recovery_hysteresis_v;  /* COV: 50.6 mV steps, delay 3.3 ms x (2 + n) */
    double cuv_v, cuv_delay_s, cuv_recovery_hysteresis_v;  /* CUV */
    double occ_a, occ_delay_s;        /* OCC: 2 mV steps across the shunt, delay 3.3 ms x (2 + n) */
    double ocd1_a, ocd1_delay_s;      /* OCD1 */
    double ocd2_a, ocd2_delay_s;      /* OCD2 */
    double scd_a, scd_delay_s;        /* SCD: threshold from the TRM's table (10..500 mV), delay 15 us steps */
    double otc_c, otc_delay_s, otc_recovery_c; /* OTC/OTD/UTC/UTD: 1 degC, delay 1 s */
    double otd_c, otd_delay_s, otd_recovery_c;
    double utc_c, utc_delay_s, utc_recovery_c;
    double utd_c, utd_delay_s, utd_recovery_c;
} bq_protection_config;

/* Safety alerts and statuses (direct commands 0x02..0x07). */
typedef struct bq_safety {
    uint8_t alert_a, status_a, alert_b, status_b, alert_c, status_c;
} bq_safety;

/* What failed last (for the log): a short text, "" when nothing failed. */
const char* bq_last_error(void);

/* Low-level access. All return 0 on success, negative on an I2C or checksum failure. */
int bq_direct_read(uint8_t cmd, uint8_t* data, size_t len);
int bq_subcommand(uint16_t sub);
int bq_subcommand_read(uint16_t sub, uint8_t* data, size_t cap, size_t* len);
int bq_subcommand_write(uint16_t sub, const uint8_t* data, size_t len);
int bq_dm_write(uint16_t address, const uint8_t* data, size_t len);
int bq_dm_read(uint16_t address, uint8_t* data, size_t len);

/* Power-on configuration: checks DEVICE_NUMBER, enters CONFIG_UPDATE, writes the measurement
 * units, the thermistor pins, the protections, FET options, the balancing configuration and
 * Mfg Status Init (FET_EN), leaves CONFIG_UPDATE, makes sure of autonomous FET control
 * (FET_ENABLE when Manufacturing Status still says FET_EN = 0) and holds the FETs off (ALL_FETS_OFF) until the firmware closes the module.
 * The chip measures nothing in CONFIG_UPDATE: the first results after it come one measurement
 * loop (about 63 ms) later. */
int bq_configure(const bq_protection_config* cfg);

/* The whole measurement in two I2C transfers, as the chip's auto-incrementing reads allow:
 * Safety Alert/Status A/B/C (0x02..0x07), then Battery Status, the cell voltages, Stack, PACK,
 * LD and CC2 (0x12..0x3B, 42 bytes; the reserved 0x08..0x11 gap is not read). */
typedef struct bq_snapshot {
    bq_safety safety;
    uint16_t battery_status;
    double cell_v[16];
    double stack_v, pack_v, ld_v, current_a;
} bq_snapshot;
int bq_read_snapshot(unsigned cells, bq_snapshot* s);

/* Measurements one by one (the chip's latest ADC results). */
int bq_read_cells(unsigned n, double* cell_v);
/* Stack (top of the cell stack), PACK pin (the module terminal, after the FETs), CC2 current. */
int bq_read_stack(double* stack_v, double* pack_v, double* current_a);
/* Temperatures of thermistor inputs given by their direct commands (e.g. 0x70, 0x72), degC. */
int bq_read_temperatures(const uint8_t* cmds, unsigned n, double* temp_c);
int bq_read_safety(bq_safety* s);
int bq_read_fet_status(uint8_t* status);

/* Host-controlled balancing: bit k = bleed cell k+1 (CB_ACTIVE_CELLS; 0 stops). */
int bq_set_balancing(uint16_t mask);
/* All FETs off / allowed on again (the chip's protections still act). */
int bq_all_fets_off(void);
int bq_all_fets_on(void);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_BQ76952_H */
