/*
 * config.h -- every number this firmware acts on, read once at power-on from the host's
 * configuration store by the names of models/params/module_4k4pro.yaml (so no value is declared
 * twice: the simulator's own BMS reads the same file). A missing parameter is logged as an error
 * (kind `config_missing`, its name in the message) and the firmware then keeps its module open.
 */
#ifndef EXAMPLE_FW_CONFIG_H
#define EXAMPLE_FW_CONFIG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FW_MAX_CELLS 16u
#define FW_MAX_NTC 4u
#define FW_MAX_MODULES 16u
#define FW_OCV_POINTS 8u

/* The protection channels, in the bit order of docs/models/bms.md (bit 12 = short circuit,
 * bit 13 = over-current lock-out). */
typedef enum {
    CH_CELL_OV, CH_CELL_UV, CH_MODULE_OV, CH_MODULE_UV, CH_CHARGE_OC, CH_DISCHARGE_OC,
    CH_CHARGE_OT, CH_CHARGE_UT, CH_DISCHARGE_OT, CH_DISCHARGE_UT, CH_IMBALANCE, CH_SENSOR, CH_COUNT
} fw_channel;
#define FW_BIT_SHORT_CIRCUIT (1u << 12)
#define FW_BIT_LOCKOUT (1u << 13)

/* One level: sets when the value has been beyond `set` for delay_s, clears when back beyond
 * `clear` for clear_delay_s. */
typedef struct fw_level {
    double set, clear, delay_s, clear_delay_s;
} fw_level;

typedef struct fw_config {
    /* module.* (from the host: where this module sits in the stack) */
    unsigned index, count, address, is_master, cells, n_ntc;
    double capacity_ah;
    double initial_soc; /* 0..1; < 0 when the host gives none (then NV or the OCV table) */
    /* afe.* */
    double sc_threshold_a, sc_delay_s, sense_resistor_ohm;
    /* bms.* */
    double measure_period_s, response_latency_s, master_timeout_s, precharge_time_s;
    int balancing_enabled;
    double balance_start_v, balance_delta_v, balance_max_discharge_a;
    double rest_current_a, rest_time_s;
    unsigned n_ocv_low, n_ocv_high;
    double ocv_low_soc[FW_OCV_POINTS], ocv_low_v[FW_OCV_POINTS];
    double ocv_high_soc[FW_OCV_POINTS], ocv_high_v[FW_OCV_POINTS];
    double full_margin_v, full_tail_current_a, full_time_s;
    fw_level warning[CH_COUNT], protection[CH_COUNT];
    double short_circuit_recover_s, ntc_min_c, ntc_max_c;
    unsigned cluster_max_protected;
    unsigned oc_lockout_trips;
    double oc_lockout_window_s, oc_lockout_timeout_s;
    double cvl_cell_v, dvl_cell_v, ccl_a, dcl_a;
    double ccl_taper_start_v, ccl_taper_end_v, dcl_taper_start_v, dcl_taper_end_v;
    double ccl_cold_start_c, ccl_cold_end_c, ccl_hot_start_c, ccl_hot_end_c;
    double dcl_cold_start_c, dcl_cold_end_c, dcl_hot_start_c, dcl_hot_end_c;
    double ccl_soc_start, ccl_soc_end, ccl_soc_floor, dcl_soc_start, dcl_soc_end, dcl_soc_floor;
    /* master.* */
    unsigned master_address, retries, lost_after_misses;
    int poll_alarms;
    double poll_period_s, response_timeout_s, join_window_v, join_rest_current_a;
    double can_period_s, heartbeat_timeout_s;
    double force_charge_1_on_soc_pct, force_charge_1_off_soc_pct;
    double force_charge_2_on_soc_pct, force_charge_2_off_soc_pct;
    double full_charge_soc_pct, full_charge_after_days;
    unsigned n_caps;
    double max_ccl_a_by_count[FW_MAX_MODULES + 1], max_dcl_a_by_count[FW_MAX_MODULES + 1];
    /* buses.* */
    double rs485_baud;
} fw_config;

/* Channel names as in the parameter file and the events ("cell_ov", ...). */
const char* fw_channel_name(fw_channel c);
/* 1 for channels whose value must stay below `set` (over-voltage, over-current, ...). */
int fw_channel_high_side(fw_channel c);

/* Reads everything; returns the number of missing or malformed parameters (each logged). */
unsigned config_load(fw_config* c);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_CONFIG_H */
