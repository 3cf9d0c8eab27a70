/*
 * bms.h -- the module BMS: what every module runs, the master included.
 *
 * Power-on (bms_start): configure the BQ76952 (its own protections as a wider hardware backstop
 * behind the firmware's, docs/firmware-example.md), restore the SoC from NV.
 *
 * Every measure_period_s (bms_measure), in this order:
 *   1. read the AFE: 16 cell voltages (one burst from 0x14), Stack/PACK/LD/CC2 (one burst from
 *      0x34), the NTCs (TS1, TS2, TS3, HDQ), Safety Status A/B/C;
 *   2. coulomb counting (rectangle rule, + = charging), full-charge and rest-OCV recalibration;
 *   3. protections: each channel of docs/models/bms.md with its warning and protection level
 *      (set after delay_s beyond `set`, clear after clear_delay_s back beyond `clear`); a trip of
 *      the chip's own protection (Safety Status) sets the matching channel at once; the short
 *      circuit is the chip's SCD; the over-current lock-out;
 *   4. a sub's master supervision: no request from the master for master_timeout_s -> master_lost;
 *   5. limits: CVL/DVL per cell x cells; CCL/DCL x voltage, temperature and SoC tapers; 0 when
 *      isolated, not joined or the master is lost; CCL 0 under a charge-temperature protection;
 *   6. passive balancing through CB_ACTIVE_CELLS;
 *   7. the switch: closed <=> no isolating protection, master not lost, joined; closing goes
 *      through the precharge path for precharge_time_s;
 *   8. publish the module's state.
 *
 * RS485 (bms_answer): the module answers requests to its own address (0x42, 0x44, 0x47, 0x4F,
 * 0x51, 0x92, 0x93 and, on a sub, the master's join 0x99), with what its last measurement knew.
 */
#ifndef EXAMPLE_FW_BMS_H
#define EXAMPLE_FW_BMS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pylon_rs485.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the module knows of itself after its last measurement (the master aggregates it). */
typedef struct bms_report {
    int measured;             /* 0 until the first measurement */
    double cell_v[FW_MAX_CELLS];
    double temp_c[FW_MAX_NTC];
    double stack_v;           /* sum of the cells: the module's own voltage */
    double pack_v;            /* terminal voltage (PACK pin, after the switch) */
    double current_a;         /* + = charging */
    double soc, soh;          /* 0..1 */
    double remaining_ah;
    unsigned cycles;
    double cvl_v, dvl_v, ccl_a, dcl_a;
    int charge_enable, discharge_enable;
    uint32_t protection_bits, warning_bits;
    int isolated;             /* an isolating protection is active */
    int switch_closed;
    int joined, master_lost;
} bms_report;

/* Power-on: 0 when the AFE is configured and the parameters are complete. */
int bms_start(const fw_config* cfg);
void bms_measure(void);
/* Power-off: keep the SoC in NV, open the switch. */
void bms_stop(void);
const bms_report* bms_own(void);

/* The answer to a valid request addressed to this module: fills *rtn and the INFO, returns the
 * INFO length. Returns -1 when no answer is due (an answer frame carrying our address). */
int bms_answer(const pylon_frame* request, uint8_t* rtn, uint8_t* info, size_t cap);

/* The RUN button was released after press_s (2 s <= press < 5 s clears an over-current lock-out). */
void bms_run_button(double press_s);

/* 0x42 block of this module's last measurement (the master also sends it for itself). */
void bms_analog_block(pylon_analog* a);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_BMS_H */
