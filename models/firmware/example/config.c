/* config.c -- see config.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"

static const char* const channel_names[CH_COUNT] = {
    "cell_ov",   "cell_uv",   "module_ov",    "module_uv",    "charge_oc", "discharge_oc",
    "charge_ot", "charge_ut", "discharge_ot", "discharge_ut", "imbalance", "sensor"};

const char* fw_channel_name(fw_channel c) { return channel_names[c]; }

int fw_channel_high_side(fw_channel c) {
    return !(c == CH_CELL_UV || c == CH_MODULE_UV || c == CH_CHARGE_UT || c == CH_DISCHARGE_UT);
}

static unsigned g_missing;

static void report_missing(const char* key, const char* why) {
    char msg[320];
    if (snprintf(msg, sizeof msg, "{\"parameter\":\"%s\",\"reason\":\"%s\"}", key, why) >= (int)sizeof msg)
        msg[0] = '\0';
    hal_log(HAL_LOG_ERROR, NULL, "config_missing", msg);
    ++g_missing;
}

/* Up to `cap` numbers from text such as "[0, 100, 189]", "3.65" or "1 2 3"; returns the count. */
static unsigned parse_numbers(const char* text, double* out, unsigned cap) {
    unsigned n = 0;
    const char* p = text;
    while (*p && n < cap) {
        char* end;
        double v;
        while (*p == '[' || *p == ']' || *p == ',' || *p == ' ' || *p == '\t')
            ++p;
        if (!*p)
            break;
        v = strtod(p, &end);
        if (end == p)
            return 0; /* not a number */
        out[n++] = v;
        p = end;
    }
    return n;
}

/* An optional number: 1 when present and numeric. */
static int number_opt(const char* key, double* out) {
    const char* t = hal_config_text(key);
    return t && parse_numbers(t, out, 1) == 1;
}

static double number(const char* key) {
    double v = 0.0;
    if (!number_opt(key, &v))
        report_missing(key, hal_config_text(key) ? "not a number" : "not given by the host");
    return v;
}

static unsigned whole(const char* key) { return (unsigned)(number(key) + 0.5); }

/* A list: the key's text as a list, else key.0, key.1, ... one by one. */
static unsigned list(const char* key, double* out, unsigned cap, int required) {
    const char* t = hal_config_text(key);
    unsigned n = 0;
    if (t)
        n = parse_numbers(t, out, cap);
    if (n == 0) {
        char k[160];
        while (n < cap) {
            if (snprintf(k, sizeof k, "%s.%u", key, n) >= (int)sizeof k)
                break;
            if (!number_opt(k, &out[n]))
                break;
            ++n;
        }
    }
    if (n == 0 && required)
        report_missing(key, "no list given by the host");
    return n;
}

/* A protection level [set, clear, delay_s, clear_delay_s]: key.set, key.clear, ... or the list. */
static fw_level level(const char* channel, const char* which) {
    static const char* const parts[4] = {"set", "clear", "delay_s", "clear_delay_s"};
    char key[160], k[180];
    double v[4] = {0, 0, 0, 0};
    unsigned i, found = 0;
    fw_level l;
    snprintf(key, sizeof key, "bms.protection.%s.%s", channel, which);
    for (i = 0; i < 4u; ++i) {
        snprintf(k, sizeof k, "%s.%s", key, parts[i]);
        found += (unsigned)number_opt(k, &v[i]);
    }
    if (found != 4u && list(key, v, 4, 0) != 4u)
        report_missing(key, "expected [set, clear, delay_s, clear_delay_s]");
    l.set = v[0];
    l.clear = v[1];
    l.delay_s = v[2];
    l.clear_delay_s = v[3];
    return l;
}

/* One end of the OCV table: key.soc and key.value (the same number of points). */
static unsigned ocv_end(const char* key, double* soc, double* volts) {
    char k[160];
    unsigned n_soc, n_v;
    snprintf(k, sizeof k, "%s.soc", key);
    n_soc = list(k, soc, FW_OCV_POINTS, 0);
    snprintf(k, sizeof k, "%s.value", key);
    n_v = list(k, volts, FW_OCV_POINTS, 0);
    if (n_v == 0)
        n_v = list(key, volts, FW_OCV_POINTS, 0);
    if (n_soc == 0 || n_soc != n_v) {
        char msg[200];
        snprintf(msg, sizeof msg, "{\"parameter\":\"%s\",\"effect\":\"no rest-OCV recalibration at this end\"}", key);
        hal_log(HAL_LOG_WARN, NULL, "config_partial", msg);
        return 0;
    }
    return n_v;
}

unsigned config_load(fw_config* c) {
    unsigned ch;
    double caps[FW_MAX_MODULES + 1];
    unsigned n;
    memset(c, 0, sizeof *c);
    g_missing = 0;

    c->index = whole("module.index");
    c->count = whole("module.count");
    c->address = whole("module.address");
    c->is_master = whole("module.master") != 0;
    c->cells = whole("module.cells");
    c->capacity_ah = number("module.capacity_ah");
    if (c->cells == 0 || c->cells > FW_MAX_CELLS) {
        report_missing("module.cells", "this firmware handles 1 to 16 cells");
        c->cells = c->cells ? FW_MAX_CELLS : 1u;
    }
    if (c->count > FW_MAX_MODULES)
        report_missing("module.count", "this firmware handles 1 to 16 modules");
    /* The SoC the module starts with, when the host knows it (else NV or the OCV table). */
    c->initial_soc = -1.0;
    {
        double pct;
        if (number_opt("module.bms_soc_pct", &pct))
            c->initial_soc = pct / 100.0;
    }
    {
        const unsigned per_ntc = whole("afe.cells_per_ntc");
        c->n_ntc = per_ntc ? (c->cells + per_ntc - 1u) / per_ntc : 1u;
        if (c->n_ntc > FW_MAX_NTC)
            c->n_ntc = FW_MAX_NTC;
    }
    c->sc_threshold_a = number("afe.sc_threshold_a");
    c->sc_delay_s = number("afe.sc_delay_s");
    /* The shunt is the board's; the BQ76952's current thresholds are voltages across it. */
    c->sense_resistor_ohm = number("bq76952.sense_resistor_ohm");

    c->measure_period_s = number("bms.measure_period_s");
    c->response_latency_s = number("bms.response_latency_s");
    c->master_timeout_s = number("bms.master_timeout_s");
    c->precharge_time_s = number("bms.precharge_time_s");
    c->balancing_enabled = number("bms.balancing.enabled") != 0.0;
    c->balance_start_v = number("bms.balancing.start_v");
    c->balance_delta_v = number("bms.balancing.delta_v");
    c->balance_max_discharge_a = number("bms.balancing.max_discharge_a");
    c->rest_current_a = number("bms.soc.rest_current_a");
    c->rest_time_s = number("bms.soc.rest_time_s");
    c->n_ocv_low = ocv_end("bms.soc.ocv_low", c->ocv_low_soc, c->ocv_low_v);
    c->n_ocv_high = ocv_end("bms.soc.ocv_high", c->ocv_high_soc, c->ocv_high_v);
    c->full_margin_v = number("bms.soc.full_margin_v");
    c->full_tail_current_a = number("bms.soc.full_tail_current_a");
    c->full_time_s = number("bms.soc.full_time_s");
    for (ch = 0; ch < CH_COUNT; ++ch) {
        c->warning[ch] = level(channel_names[ch], "warning");
        c->protection[ch] = level(channel_names[ch], "protection");
    }
    c->short_circuit_recover_s = number("bms.protection.short_circuit_recover_s");
    c->ntc_min_c = number("bms.protection.ntc_min_c");
    c->ntc_max_c = number("bms.protection.ntc_max_c");
    c->cluster_max_protected = whole("bms.protection.cluster_max_protected");
    c->oc_lockout_trips = whole("bms.protection.oc_lockout_trips");
    c->oc_lockout_window_s = number("bms.protection.oc_lockout_window_s");
    c->oc_lockout_timeout_s = number("bms.protection.oc_lockout_timeout_s");

    c->cvl_cell_v = number("bms.limits.cvl_cell_v");
    c->dvl_cell_v = number("bms.limits.dvl_cell_v");
    c->ccl_a = number("bms.limits.ccl_a");
    c->dcl_a = number("bms.limits.dcl_a");
    c->ccl_taper_start_v = number("bms.limits.ccl_taper_start_v");
    c->ccl_taper_end_v = number("bms.limits.ccl_taper_end_v");
    c->dcl_taper_start_v = number("bms.limits.dcl_taper_start_v");
    c->dcl_taper_end_v = number("bms.limits.dcl_taper_end_v");
    c->ccl_cold_start_c = number("bms.limits.ccl_cold_start_c");
    c->ccl_cold_end_c = number("bms.limits.ccl_cold_end_c");
    c->ccl_hot_start_c = number("bms.limits.ccl_hot_start_c");
    c->ccl_hot_end_c = number("bms.limits.ccl_hot_end_c");
    c->dcl_cold_start_c = number("bms.limits.dcl_cold_start_c");
    c->dcl_cold_end_c = number("bms.limits.dcl_cold_end_c");
    c->dcl_hot_start_c = number("bms.limits.dcl_hot_start_c");
    c->dcl_hot_end_c = number("bms.limits.dcl_hot_end_c");
    c->ccl_soc_start = number("bms.limits.ccl_soc_start");
    c->ccl_soc_end = number("bms.limits.ccl_soc_end");
    c->ccl_soc_floor = number("bms.limits.ccl_soc_floor");
    c->dcl_soc_start = number("bms.limits.dcl_soc_start");
    c->dcl_soc_end = number("bms.limits.dcl_soc_end");
    c->dcl_soc_floor = number("bms.limits.dcl_soc_floor");

    c->master_address = whole("master.master_address");
    c->rs485_baud = number("buses.rs485_baud");
    if (c->is_master) {
        c->poll_period_s = number("master.poll_period_s");
        c->response_timeout_s = number("master.response_timeout_s");
        c->retries = whole("master.retries");
        c->lost_after_misses = whole("master.lost_after_misses");
        c->poll_alarms = number("master.poll_alarms") != 0.0;
        c->join_window_v = number("master.join_window_v");
        c->join_rest_current_a = number("master.join_rest_current_a");
        c->can_period_s = number("master.can_period_s");
        c->heartbeat_timeout_s = number("master.heartbeat_timeout_s");
        c->force_charge_1_on_soc_pct = number("master.force_charge_1_on_soc_pct");
        c->force_charge_1_off_soc_pct = number("master.force_charge_1_off_soc_pct");
        c->force_charge_2_on_soc_pct = number("master.force_charge_2_on_soc_pct");
        c->force_charge_2_off_soc_pct = number("master.force_charge_2_off_soc_pct");
        c->full_charge_soc_pct = number("master.full_charge_soc_pct");
        c->full_charge_after_days = number("master.full_charge_after_days");
        n = list("master.max_ccl_a_by_count", caps, FW_MAX_MODULES + 1, 1);
        memcpy(c->max_ccl_a_by_count, caps, sizeof caps);
        c->n_caps = n;
        n = list("master.max_dcl_a_by_count", caps, FW_MAX_MODULES + 1, 1);
        memcpy(c->max_dcl_a_by_count, caps, sizeof caps);
        if (n < c->n_caps)
            c->n_caps = n;
        if (c->n_caps <= c->count)
            report_missing("master.max_dcl_a_by_count", "the table does not cover the stack's module count");
    }
    return g_missing;
}
