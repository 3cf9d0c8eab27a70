/*
 * pylon_can.h -- the Pylontech LV CAN V1.2 set the master sends to the inverter every
 * can_period_s, in this order: 0x351/8, 0x355/4, 0x356/6, 0x359/7, 0x35C/2, 0x35E/8
 * (docs/protocols/can-messages.md; the simulator's codec bus/protocol/pylon_can.h decodes them
 * in tests/firmware/test_example_fw_codecs.cpp).
 *
 * Little-endian fields. Numeric rule: raw = value / resolution rounded to nearest (halves away
 * from zero), saturated to 0..0xFFFE (u16) or -0x7FFF..0x7FFF (s16); NaN encodes as 0xFFFF /
 * 0x8000 ("not available").
 *   0x351  u16 CVL 0.1 V, s16 CCL 0.1 A, s16 DCL 0.1 A (positive magnitude), u16 DVL 0.1 V
 *   0x355  u16 SoC 1 %, u16 SoH 1 %
 *   0x356  s16 voltage 0.01 V, s16 current 0.1 A (+ = charging), s16 temperature 0.1 degC
 *   0x359  protection 1/2, alarm 1/2 (pylon_can_conditions), u8 module count, 'P' 'N'
 *   0x35C  b7 charge enable, b6 discharge enable, b5 force charge I, b4 II, b3 full charge request
 *   0x35E  "PYLON   "
 */
#ifndef EXAMPLE_FW_PYLON_CAN_H
#define EXAMPLE_FW_PYLON_CAN_H

#include <stdint.h>

#include "hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Conditions at one level, as 0x359 has bits for them. */
typedef struct pylon_can_conditions {
    int over_voltage;           /* byte 0/2 b1: cell or module over-voltage */
    int under_voltage;          /* b2 */
    int over_temp;              /* b3 */
    int under_temp;             /* b4 */
    int discharge_over_current; /* b7 */
    int charge_over_current;    /* byte 1/3 b0 */
    int system_error;           /* byte 1/3 b3 */
} pylon_can_conditions;

/* What the master says about the stack. */
typedef struct pylon_can_state {
    double cvl_v, ccl_a, dcl_a, dvl_v;
    double soc_pct, soh_pct;
    double voltage_v, current_a, temp_c;
    pylon_can_conditions protection, alarm;
    uint8_t module_count;
    int charge_enable, discharge_enable, force_charge_1, force_charge_2, full_charge_request;
} pylon_can_state;

#define PYLON_CAN_SET_SIZE 6u

/* The six frames of the set, in sending order. */
void pylon_can_encode_set(const pylon_can_state* s, hal_can_frame out[PYLON_CAN_SET_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_PYLON_CAN_H */
