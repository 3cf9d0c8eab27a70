/* bq76952.c -- see bq76952.h. Data-memory addresses and encodings: TRM SLUUBY2 chapter 13. */
#include "bq76952.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hal.h"

/* Data-memory addresses (TRM 13.x). */
enum {
    DM_DA_CONFIGURATION = 0x9303,   /* U1: USER_AMPS [1:0], USER_VOLTS_CV [2] */
    DM_VCELL_MODE = 0x9304,         /* U2: bit k = cell input k+1 in use */
    DM_TS1_CONFIG = 0x92FD,         /* U1 each: TS1, TS2, TS3, then HDQ 0x9300 */
    DM_TS2_CONFIG = 0x92FE,
    DM_TS3_CONFIG = 0x92FF,
    DM_HDQ_CONFIG = 0x9300,
    DM_ENABLED_PROTECTIONS_A = 0x9261,
    DM_ENABLED_PROTECTIONS_B = 0x9262,
    DM_FET_OPTIONS = 0x9308,
    DM_BALANCING_CONFIGURATION = 0x9335,
    DM_MFG_STATUS_INIT = 0x9343,    /* H2: Manufacturing Status at reset and on leaving CONFIG_UPDATE */
    DM_CUV_THRESHOLD = 0x9275,      /* I1, 50.6 mV */
    DM_CUV_DELAY = 0x9276,          /* U2, 3.3 ms x (2 + value) */
    DM_COV_THRESHOLD = 0x9278,
    DM_COV_DELAY = 0x9279,
    DM_CUV_RECOVERY_HYST = 0x927B,  /* I1, 50.6 mV */
    DM_COV_RECOVERY_HYST = 0x927C,
    DM_OCC_THRESHOLD = 0x9280,      /* I1, 2 mV */
    DM_OCC_DELAY = 0x9281,          /* U1, 3.3 ms x (2 + value) */
    DM_OCD1_THRESHOLD = 0x9282,
    DM_OCD1_DELAY = 0x9283,
    DM_OCD2_THRESHOLD = 0x9284,
    DM_OCD2_DELAY = 0x9285,
    DM_SCD_THRESHOLD = 0x9286,      /* U1, enumerated (table below) */
    DM_SCD_DELAY = 0x9287,          /* U1, (value - 1) x 15 us */
    DM_OTC_THRESHOLD = 0x929A,      /* I1 degC, then delay U1 s, recovery I1 degC */
    DM_OTD_THRESHOLD = 0x929D,
    DM_UTC_THRESHOLD = 0x92A6,
    DM_UTD_THRESHOLD = 0x92A9
};

/* DA Configuration written: USER_AMPS = 2 (10 mA), USER_VOLTS_CV = 1 (10 mV). */
#define DA_CONFIGURATION 0x06u
#define USER_A 0.01
#define USER_V 0.01
/* Thermistor pin configuration: 18k temperature model, used for cell temperature (TRM 13.3.2). */
#define TS_PIN_THERMISTOR 0x07u
/* Enabled Protections A: SCD, OCD2, OCD1, OCC, COV, CUV. B: OTD, OTC, UTD, UTC. */
#define PROTECTIONS_A 0xFCu
#define PROTECTIONS_B 0x33u
/* FET Options: SFET (series FETs), HOST_FET_EN (host commands allowed), FET_CTRL_EN (the chip
 * drives the FETs). The TRM's default, written so that the firmware states it. */
#define FET_OPTIONS 0x0Du
/* Balancing Configuration: no autonomous balancing; the host commands it (CB_ACTIVE_CELLS). */
#define BALANCING_CONFIGURATION 0x00u
/* Manufacturing Status: FET_EN (autonomous FET control; clear = FET test mode). Mfg Status Init
 * written as the TRM default 0x0040 (PF_EN) plus FET_EN, so the chip comes out of CONFIG_UPDATE
 * and any later reset in normal FET control. */
#define MFG_STATUS_FET_EN 0x0010u
#define MFG_STATUS_INIT 0x0050u

/* How many times to poll 0x3E for a subcommand's echo, or Battery Status for CFGUPDATE. */
#define SUBCOMMAND_POLLS 8

static char g_error[96];

const char* bq_last_error(void) { return g_error; }

static int fail(const char* what, unsigned detail) {
    snprintf(g_error, sizeof g_error, "%s (0x%04X)", what, detail);
    return -1;
}

int bq_direct_read(uint8_t cmd, uint8_t* data, size_t len) {
    if (hal_i2c_write_read(HAL_AFE_I2C_ADDR, &cmd, 1, data, len) != HAL_OK)
        return fail("I2C read failed, direct command", cmd);
    return 0;
}

int bq_subcommand(uint16_t sub) {
    const uint8_t w[3] = {BQ_CMD_SUBCOMMAND, (uint8_t)(sub & 0xFFu), (uint8_t)(sub >> 8)};
    if (hal_i2c_write(HAL_AFE_I2C_ADDR, w, sizeof w) != HAL_OK)
        return fail("I2C write failed, subcommand", sub);
    return 0;
}

/* Checksum of a subcommand or data-memory transfer: ~(sum of the 2 address bytes and the data). */
static uint8_t transfer_checksum(uint16_t sub, const uint8_t* data, size_t len) {
    unsigned sum = (sub & 0xFFu) + (sub >> 8);
    size_t i;
    for (i = 0; i < len; ++i)
        sum += data[i];
    return (uint8_t)(~sum & 0xFFu);
}

int bq_subcommand_read(uint16_t sub, uint8_t* data, size_t cap, size_t* len) {
    uint8_t echo[2], tail[2];
    const uint8_t cmd_sub = BQ_CMD_SUBCOMMAND, cmd_buf = BQ_CMD_TRANSFER_BUFFER, cmd_chk = BQ_CMD_CHECKSUM;
    int polls;
    size_t n;
    if (bq_subcommand(sub) != 0)
        return -1;
    /* The chip answers 0xFF 0xFF at 0x3E/0x3F until the result is in the buffer. */
    for (polls = 0; polls < SUBCOMMAND_POLLS; ++polls) {
        if (hal_i2c_write_read(HAL_AFE_I2C_ADDR, &cmd_sub, 1, echo, 2) != HAL_OK)
            return fail("I2C read failed, subcommand echo", sub);
        if (echo[0] == (sub & 0xFFu) && echo[1] == (sub >> 8))
            break;
    }
    if (polls == SUBCOMMAND_POLLS)
        return fail("subcommand not echoed", sub);
    if (hal_i2c_write_read(HAL_AFE_I2C_ADDR, &cmd_chk, 1, tail, 2) != HAL_OK)
        return fail("I2C read failed, checksum/length", sub);
    if (tail[1] < 4u || (size_t)(tail[1] - 4u) > cap || tail[1] - 4u > 32u)
        return fail("subcommand length out of range", sub);
    n = (size_t)(tail[1] - 4u);
    if (n && hal_i2c_write_read(HAL_AFE_I2C_ADDR, &cmd_buf, 1, data, n) != HAL_OK)
        return fail("I2C read failed, transfer buffer", sub);
    if (transfer_checksum(sub, data, n) != tail[0])
        return fail("subcommand checksum mismatch", sub);
    *len = n;
    return 0;
}

int bq_subcommand_write(uint16_t sub, const uint8_t* data, size_t len) {
    uint8_t w[3 + 32];
    uint8_t tail[3];
    if (len > 32u)
        return fail("subcommand data longer than 32 bytes", sub);
    /* Address and data in one transfer from 0x3E (0x3E, 0x3F, then the buffer at 0x40..). */
    w[0] = BQ_CMD_SUBCOMMAND;
    w[1] = (uint8_t)(sub & 0xFFu);
    w[2] = (uint8_t)(sub >> 8);
    if (len)
        memcpy(w + 3, data, len);
    if (hal_i2c_write(HAL_AFE_I2C_ADDR, w, 3 + len) != HAL_OK)
        return fail("I2C write failed, subcommand data", sub);
    tail[0] = BQ_CMD_CHECKSUM;
    tail[1] = transfer_checksum(sub, data, len);
    tail[2] = (uint8_t)(len + 4u);
    if (hal_i2c_write(HAL_AFE_I2C_ADDR, tail, sizeof tail) != HAL_OK)
        return fail("I2C write failed, checksum/length", sub);
    return 0;
}

int bq_dm_write(uint16_t address, const uint8_t* data, size_t len) { return bq_subcommand_write(address, data, len); }

int bq_dm_read(uint16_t address, uint8_t* data, size_t len) {
    uint8_t buf[32];
    size_t got = 0;
    if (bq_subcommand_read(address, buf, sizeof buf, &got) != 0)
        return -1;
    if (got < len)
        return fail("data-memory read shorter than asked", address);
    memcpy(data, buf, len);
    return 0;
}

static int dm_u8(uint16_t address, unsigned v) {
    const uint8_t b = (uint8_t)v;
    return bq_dm_write(address, &b, 1);
}

static int dm_u16(uint16_t address, unsigned v) {
    const uint8_t b[2] = {(uint8_t)(v & 0xFFu), (uint8_t)((v >> 8) & 0xFFu)};
    return bq_dm_write(address, b, 2);
}

/* round(x / step) clamped to [lo, hi]. */
static long steps(double x, double step, long lo, long hi) {
    double r = round(x / step);
    if (r < (double)lo)
        return lo;
    if (r > (double)hi)
        return hi;
    return (long)r;
}

/* COV/CUV/OCC/OCD delays: 3.3 ms x (2 + value). */
static unsigned delay_code(double delay_s, long max) { return (unsigned)steps(delay_s - 2.0 * 0.0033, 0.0033, 1, max); }

/* SCD Threshold: the TRM's enumeration of the comparator voltage across the shunt (mV). */
static unsigned scd_code(double volts) {
    static const double mv[16] = {10, 20, 40, 60, 80, 100, 125, 150, 175, 200, 250, 300, 350, 400, 450, 500};
    unsigned k, best = 0;
    for (k = 0; k < 16u; ++k)
        if (fabs(mv[k] - volts * 1000.0) < fabs(mv[best] - volts * 1000.0))
            best = k;
    return best;
}

/* Threshold (I1 degC), delay (U1 s), recovery (I1 degC) at three consecutive addresses. */
static int dm_temperature(uint16_t address, double t_c, double delay_s, double recovery_c) {
    int e = dm_u8(address, (unsigned)(uint8_t)(int8_t)steps(t_c, 1.0, -40, 120));
    e |= dm_u8((uint16_t)(address + 1u), (unsigned)steps(delay_s, 1.0, 0, 255));
    e |= dm_u8((uint16_t)(address + 2u), (unsigned)(uint8_t)(int8_t)steps(recovery_c, 1.0, -40, 120));
    return e;
}

static int write_protections(const bq_protection_config* c) {
    const double r = c->sense_resistor_ohm;
    int e = 0;
    e |= dm_u8(DM_COV_THRESHOLD, (unsigned)steps(c->cov_v, 0.0506, 20, 110));
    e |= dm_u16(DM_COV_DELAY, delay_code(c->cov_delay_s, 2047));
    e |= dm_u8(DM_COV_RECOVERY_HYST, (unsigned)steps(c->cov_recovery_hysteresis_v, 0.0506, 2, 20));
    e |= dm_u8(DM_CUV_THRESHOLD, (unsigned)steps(c->cuv_v, 0.0506, 20, 90));
    e |= dm_u16(DM_CUV_DELAY, delay_code(c->cuv_delay_s, 2047));
    e |= dm_u8(DM_CUV_RECOVERY_HYST, (unsigned)steps(c->cuv_recovery_hysteresis_v, 0.0506, 2, 20));
    e |= dm_u8(DM_OCC_THRESHOLD, (unsigned)steps(c->occ_a * r, 0.002, 2, 62));
    e |= dm_u8(DM_OCC_DELAY, delay_code(c->occ_delay_s, 127));
    e |= dm_u8(DM_OCD1_THRESHOLD, (unsigned)steps(c->ocd1_a * r, 0.002, 2, 100));
    e |= dm_u8(DM_OCD1_DELAY, delay_code(c->ocd1_delay_s, 127));
    e |= dm_u8(DM_OCD2_THRESHOLD, (unsigned)steps(c->ocd2_a * r, 0.002, 2, 100));
    e |= dm_u8(DM_OCD2_DELAY, delay_code(c->ocd2_delay_s, 127));
    e |= dm_u8(DM_SCD_THRESHOLD, scd_code(c->scd_a * r));
    e |= dm_u8(DM_SCD_DELAY, (unsigned)(steps(c->scd_delay_s, 15e-6, 0, 30) + 1));
    e |= dm_temperature(DM_OTC_THRESHOLD, c->otc_c, c->otc_delay_s, c->otc_recovery_c);
    e |= dm_temperature(DM_OTD_THRESHOLD, c->otd_c, c->otd_delay_s, c->otd_recovery_c);
    e |= dm_temperature(DM_UTC_THRESHOLD, c->utc_c, c->utc_delay_s, c->utc_recovery_c);
    e |= dm_temperature(DM_UTD_THRESHOLD, c->utd_c, c->utd_delay_s, c->utd_recovery_c);
    e |= dm_u8(DM_ENABLED_PROTECTIONS_A, PROTECTIONS_A);
    e |= dm_u8(DM_ENABLED_PROTECTIONS_B, PROTECTIONS_B);
    return e;
}

static int wait_cfgupdate(int wanted) {
    uint8_t st[2];
    int polls;
    for (polls = 0; polls < SUBCOMMAND_POLLS; ++polls) {
        if (bq_direct_read(BQ_CMD_BATTERY_STATUS, st, 2) != 0)
            return -1;
        if (((st[0] & BQ_BATTERY_STATUS_CFGUPDATE) != 0) == (wanted != 0))
            return 0;
    }
    return fail(wanted ? "CONFIG_UPDATE mode not entered" : "CONFIG_UPDATE mode not left", st[0]);
}

int bq_configure(const bq_protection_config* cfg) {
    uint8_t id[2], mfg[2];
    size_t n = 0;
    int e = 0;
    g_error[0] = '\0';
    if (bq_subcommand_read(BQ_SUB_DEVICE_NUMBER, id, sizeof id, &n) != 0 || n < 2u)
        return -1;
    if ((unsigned)(id[0] | (id[1] << 8)) != BQ_DEVICE_NUMBER)
        return fail("not a BQ76952: DEVICE_NUMBER", (unsigned)(id[0] | (id[1] << 8)));
    if (bq_subcommand(BQ_SUB_SET_CFGUPDATE) != 0 || wait_cfgupdate(1) != 0)
        return -1;
    e |= dm_u8(DM_DA_CONFIGURATION, DA_CONFIGURATION);
    e |= dm_u16(DM_VCELL_MODE, cfg->cells >= 16u ? 0xFFFFu : (1u << cfg->cells) - 1u);
    e |= dm_u8(DM_TS1_CONFIG, TS_PIN_THERMISTOR);
    e |= dm_u8(DM_TS2_CONFIG, TS_PIN_THERMISTOR);
    e |= dm_u8(DM_TS3_CONFIG, TS_PIN_THERMISTOR);
    e |= dm_u8(DM_HDQ_CONFIG, TS_PIN_THERMISTOR);
    e |= write_protections(cfg);
    e |= dm_u8(DM_FET_OPTIONS, FET_OPTIONS);
    e |= dm_u8(DM_BALANCING_CONFIGURATION, BALANCING_CONFIGURATION);
    e |= dm_u16(DM_MFG_STATUS_INIT, MFG_STATUS_INIT);
    if (e)
        return -1;
    if (bq_subcommand(BQ_SUB_EXIT_CFGUPDATE) != 0 || wait_cfgupdate(0) != 0)
        return -1;
    /* FET_ENABLE toggles FET_EN: send it only when the chip is still in FET test mode (a chip
     * that did not take Mfg Status Init). Without a readable Manufacturing Status, assume it is. */
    n = 0;
    if (bq_subcommand_read(BQ_SUB_MANUFACTURING_STATUS, mfg, sizeof mfg, &n) != 0 || n < 2u ||
        !((mfg[0] | (mfg[1] << 8)) & MFG_STATUS_FET_EN)) {
        if (bq_subcommand(BQ_SUB_FET_ENABLE) != 0)
            return -1;
    }
    g_error[0] = '\0';
    /* The module starts open: the firmware turns the FETs on when it closes its switch. */
    return bq_all_fets_off();
}

static int16_t le_i16(const uint8_t* p) { return (int16_t)(uint16_t)(p[0] | (p[1] << 8)); }

int bq_read_cells(unsigned n, double* cell_v) {
    uint8_t raw[32];
    unsigned k;
    if (n > 16u)
        return fail("more than 16 cells", n);
    if (bq_direct_read(BQ_CMD_CELL1_VOLTAGE, raw, 2u * n) != 0)
        return -1;
    for (k = 0; k < n; ++k)
        cell_v[k] = le_i16(raw + 2u * k) * 0.001;
    return 0;
}

int bq_read_stack(double* stack_v, double* pack_v, double* current_a) {
    uint8_t raw[8]; /* Stack, PACK, LD, CC2 */
    if (bq_direct_read(BQ_CMD_STACK_VOLTAGE, raw, sizeof raw) != 0)
        return -1;
    *stack_v = (uint16_t)le_i16(raw) * USER_V;
    *pack_v = (uint16_t)le_i16(raw + 2) * USER_V;
    *current_a = le_i16(raw + 6) * USER_A;
    return 0;
}

int bq_read_safety(bq_safety* s) {
    uint8_t raw[6];
    if (bq_direct_read(BQ_CMD_SAFETY_ALERT_A, raw, sizeof raw) != 0)
        return -1;
    s->alert_a = raw[0];
    s->status_a = raw[1];
    s->alert_b = raw[2];
    s->status_b = raw[3];
    s->alert_c = raw[4];
    s->status_c = raw[5];
    return 0;
}

int bq_read_snapshot(unsigned cells, bq_snapshot* s) {
    /* Battery Status (0x12) .. CC2 Current (0x3A/0x3B): one read of 42 bytes. */
    enum { FIRST = BQ_CMD_BATTERY_STATUS, LAST = BQ_CMD_STACK_VOLTAGE + 8 };
    uint8_t raw[LAST - FIRST];
    unsigned k;
    if (cells > 16u)
        return fail("more than 16 cells", cells);
    if (bq_read_safety(&s->safety) != 0 || bq_direct_read(FIRST, raw, sizeof raw) != 0)
        return -1;
    s->battery_status = (uint16_t)le_i16(raw);
    for (k = 0; k < cells; ++k)
        s->cell_v[k] = le_i16(raw + BQ_CMD_CELL1_VOLTAGE - FIRST + 2u * k) * 0.001;
    s->stack_v = (uint16_t)le_i16(raw + BQ_CMD_STACK_VOLTAGE - FIRST) * USER_V;
    s->pack_v = (uint16_t)le_i16(raw + BQ_CMD_STACK_VOLTAGE + 2 - FIRST) * USER_V;
    s->ld_v = (uint16_t)le_i16(raw + BQ_CMD_STACK_VOLTAGE + 4 - FIRST) * USER_V;
    s->current_a = le_i16(raw + BQ_CMD_STACK_VOLTAGE + 6 - FIRST) * USER_A;
    return 0;
}

int bq_read_temperatures(const uint8_t* cmds, unsigned n, double* temp_c) {
    uint8_t raw[2 * 16];
    unsigned k, lo = 0xFFu, hi = 0u;
    if (n == 0)
        return 0;
    for (k = 0; k < n; ++k) {
        lo = cmds[k] < lo ? cmds[k] : lo;
        hi = cmds[k] > hi ? cmds[k] : hi;
    }
    /* One burst over the range when it is short (the usual TS1..HDQ), else one read each. */
    if (hi - lo + 2u <= sizeof raw) {
        if (bq_direct_read((uint8_t)lo, raw, hi - lo + 2u) != 0)
            return -1;
        for (k = 0; k < n; ++k)
            temp_c[k] = le_i16(raw + (cmds[k] - lo)) * 0.1 - 273.15;
        return 0;
    }
    for (k = 0; k < n; ++k) {
        if (bq_direct_read(cmds[k], raw, 2) != 0)
            return -1;
        temp_c[k] = le_i16(raw) * 0.1 - 273.15;
    }
    return 0;
}


int bq_read_fet_status(uint8_t* status) { return bq_direct_read(BQ_CMD_FET_STATUS, status, 1); }

int bq_set_balancing(uint16_t mask) {
    const uint8_t b[2] = {(uint8_t)(mask & 0xFFu), (uint8_t)(mask >> 8)};
    return bq_subcommand_write(BQ_SUB_CB_ACTIVE_CELLS, b, 2);
}

int bq_all_fets_off(void) { return bq_subcommand(BQ_SUB_ALL_FETS_OFF); }
int bq_all_fets_on(void) { return bq_subcommand(BQ_SUB_ALL_FETS_ON); }
