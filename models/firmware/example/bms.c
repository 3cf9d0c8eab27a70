/* bms.c -- see bms.h. */
#include "bms.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bq76952.h"
#include "hal.h"
#include "master.h"

#define NS_PER_S 1e9
#define CHARGE_ONLY_MASK ((1u << CH_CHARGE_OT) | (1u << CH_CHARGE_UT))
#define OC_MASK ((1u << CH_CHARGE_OC) | (1u << CH_DISCHARGE_OC) | FW_BIT_SHORT_CIRCUIT)
#define MAX_OC_TRIPS 16u
/* NV layout: magic, SoC in Ah, SoH. Written at power-off and every NV_SAVE_PERIOD_S. */
#define NV_MAGIC 0x53534F43u /* "SSOC" */
#define NV_SAVE_PERIOD_S 600.0

/* The NTC inputs, in the order of the 0x42 temperatures (cells 1-4, 5-8, 9-12, 13-16). */
static const uint8_t ntc_commands[FW_MAX_NTC] = {0x70, 0x72, 0x74, 0x76}; /* TS1, TS2, TS3, HDQ */

typedef struct nv_record {
    uint32_t magic;
    double soc_ah, soh;
    uint32_t check; /* magic ^ the bytes' sum, a torn write does not pass */
} nv_record;

static const fw_config* g_cfg;
static bms_report g_r;
static int g_ok;               /* parameters complete and AFE configured */
static uint64_t g_last_ns;     /* time of the last measurement */
static double g_soc_ah;
static double g_throughput_ah;
static double g_rest_s, g_full_s;
static int g_rest_done, g_full_done;
static double g_prot_timer_s[CH_COUNT][2];
static double g_sc_time_s;
static int g_switch_state, g_precharging;
static uint64_t g_precharge_since_ns;
static uint64_t g_last_master_ns;
static uint16_t g_balance_mask;
static double g_nv_saved_s;
static int g_locked_out;
static uint32_t g_lockout_cause;
static double g_lockout_since_s;
static double g_oc_trips_s[MAX_OC_TRIPS];
static unsigned g_n_oc_trips;
static const char* g_reset_request;

static double now_s(void) { return (double)hal_now_ns() / NS_PER_S; }

/* Linear taper from 1 at `start` to 0 at `end` (either order). */
static double taper(double x, double start, double end) {
    double f;
    if (start == end)
        return x < start ? 1.0 : 0.0;
    f = (end - x) / (end - start);
    return f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
}

static double floor_taper(double x, double start, double end, double floor) {
    return floor + (1.0 - floor) * taper(x, start, end);
}

/* Piecewise-linear y(x) through the points, clamped at the ends (x ascending). */
static double interp(const double* xs, const double* ys, unsigned n, double x) {
    unsigned i;
    if (n == 0)
        return 0.0;
    if (x <= xs[0])
        return ys[0];
    for (i = 1; i < n; ++i)
        if (x <= xs[i])
            return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    return ys[n - 1];
}

static void cell_extremes(double* vmin, double* vmax) {
    unsigned k;
    *vmin = *vmax = g_r.cell_v[0];
    for (k = 1; k < g_cfg->cells; ++k) {
        *vmin = g_r.cell_v[k] < *vmin ? g_r.cell_v[k] : *vmin;
        *vmax = g_r.cell_v[k] > *vmax ? g_r.cell_v[k] : *vmax;
    }
}

static void temp_extremes(double* tmin, double* tmax) {
    unsigned s;
    *tmin = *tmax = g_r.temp_c[0];
    for (s = 1; s < g_cfg->n_ntc; ++s) {
        *tmin = g_r.temp_c[s] < *tmin ? g_r.temp_c[s] : *tmin;
        *tmax = g_r.temp_c[s] > *tmax ? g_r.temp_c[s] : *tmax;
    }
}

/* ---- NV ------------------------------------------------------------------------------------ */

static uint32_t nv_check(const nv_record* r) {
    const unsigned char* p = (const unsigned char*)r;
    uint32_t sum = 0;
    size_t i;
    for (i = 0; i < offsetof(nv_record, check); ++i)
        sum = sum * 31u + p[i];
    return sum ^ NV_MAGIC;
}

static int nv_load(double* soc_ah, double* soh) {
    nv_record r;
    if (hal_nv_size() < sizeof r || hal_nv_read(0, &r, sizeof r) != HAL_OK)
        return 0;
    if (r.magic != NV_MAGIC || r.check != nv_check(&r) || !(r.soc_ah >= 0.0) || !(r.soh > 0.0))
        return 0;
    *soc_ah = r.soc_ah;
    *soh = r.soh;
    return 1;
}

static void nv_save(void) {
    nv_record r;
    if (hal_nv_size() < sizeof r)
        return;
    memset(&r, 0, sizeof r);
    r.magic = NV_MAGIC;
    r.soc_ah = g_soc_ah;
    r.soh = g_r.soh;
    r.check = nv_check(&r);
    if (hal_nv_write(0, &r, sizeof r) != HAL_OK)
        hal_log(HAL_LOG_WARN, NULL, "nv_error", "{\"reason\":\"could not write the SoC record\"}");
}

/* ---- switch -------------------------------------------------------------------------------- */

static void log_switch(int closed, const char* reason) {
    char msg[160];
    if (reason)
        snprintf(msg, sizeof msg, "{\"closed\":%s,\"protection\":%u,\"reason\":\"%s\"}", closed ? "true" : "false",
                 (unsigned)g_r.protection_bits, reason);
    else
        snprintf(msg, sizeof msg, "{\"closed\":%s,\"protection\":%u}", closed ? "true" : "false",
                 (unsigned)g_r.protection_bits);
    hal_log(HAL_LOG_INFO, NULL, "switch", msg);
}

/* Closing goes through the precharge path for precharge_time_s; opening is immediate. */
static void drive_switch(int closed) {
    const uint64_t now = hal_now_ns();
    if (closed && !g_switch_state && g_cfg->precharge_time_s > 0.0) {
        if (!g_precharging) { /* (the pin's changes are in the host's events: no log of our own) */
            g_precharging = 1;
            g_precharge_since_ns = now;
            hal_pin_write(HAL_PIN_PRECHARGE, 1);
            return;
        }
        if ((double)(now - g_precharge_since_ns) / NS_PER_S < g_cfg->precharge_time_s - 1e-9)
            return;
    }
    if (closed == g_switch_state) {
        if (!closed && g_precharging) { /* a close request withdrawn while precharging */
            g_precharging = 0;
            hal_pin_write(HAL_PIN_PRECHARGE, 0);
        }
        return;
    }
    g_switch_state = closed;
    g_precharging = 0;
    /* The path is the contactor in series with the BQ76952's CHG/DSG FETs: both follow. */
    if (closed) {
        bq_all_fets_on();
        hal_pin_write(HAL_PIN_CONTACTOR, 1);
    } else {
        hal_pin_write(HAL_PIN_CONTACTOR, 0);
        bq_all_fets_off();
    }
    hal_pin_write(HAL_PIN_PRECHARGE, 0);
    log_switch(closed, closed ? NULL
                       : g_r.isolated      ? "protection"
                       : g_r.master_lost   ? "master_lost"
                                           : "not_joined");
}

/* ---- SoC ----------------------------------------------------------------------------------- */

static void set_soc(double soc, const char* reason) {
    char msg[160];
    const double before = g_r.soc;
    g_soc_ah = soc * g_cfg->capacity_ah;
    g_r.soc = soc;
    g_r.remaining_ah = g_soc_ah;
    snprintf(msg, sizeof msg, "{\"reason\":\"%s\",\"from\":%.6g,\"to\":%.6g}", reason, before, soc);
    hal_log(HAL_LOG_INFO, NULL, "soc_recalibrated", msg);
}

/* The first SoC: NV, else what the host says, else the OCV table (on the flat LFP plateau
 * between its ends a straight line: a rough guess that the first full charge corrects). */
static void initial_soc(void) {
    double soh = 1.0, mean = 0.0;
    unsigned k;
    const fw_config* c = g_cfg;
    g_r.soh = 1.0;
    if (nv_load(&g_soc_ah, &soh)) {
        g_r.soh = soh;
        if (g_soc_ah > c->capacity_ah)
            g_soc_ah = c->capacity_ah;
        return;
    }
    if (c->initial_soc >= 0.0) {
        g_soc_ah = c->initial_soc * c->capacity_ah;
        return;
    }
    for (k = 0; k < c->cells; ++k)
        mean += g_r.cell_v[k];
    mean /= c->cells;
    if (c->n_ocv_low && mean <= c->ocv_low_v[c->n_ocv_low - 1])
        g_soc_ah = interp(c->ocv_low_v, c->ocv_low_soc, c->n_ocv_low, mean) * c->capacity_ah;
    else if (c->n_ocv_high && mean >= c->ocv_high_v[0])
        g_soc_ah = interp(c->ocv_high_v, c->ocv_high_soc, c->n_ocv_high, mean) * c->capacity_ah;
    else if (c->n_ocv_low && c->n_ocv_high) {
        const double xs[2] = {c->ocv_low_v[c->n_ocv_low - 1], c->ocv_high_v[0]};
        const double ys[2] = {c->ocv_low_soc[c->n_ocv_low - 1], c->ocv_high_soc[0]};
        g_soc_ah = interp(xs, ys, 2, mean) * c->capacity_ah;
    } else {
        g_soc_ah = 0.5 * c->capacity_ah;
    }
}

static void count_coulombs(double dt_s) {
    const fw_config* c = g_cfg;
    const double dq_ah = g_r.current_a * dt_s / 3600.0;
    double vmin, vmax;
    g_soc_ah += dq_ah;
    g_soc_ah = g_soc_ah < 0.0 ? 0.0 : (g_soc_ah > c->capacity_ah ? c->capacity_ah : g_soc_ah);
    g_throughput_ah += fabs(dq_ah);
    g_r.soc = g_soc_ah / c->capacity_ah;
    g_r.remaining_ah = g_soc_ah;
    g_r.cycles = (unsigned)(g_throughput_ah / (2.0 * c->capacity_ah));

    /* Rest: the mean cell voltage at the ends of the plateau, once per rest period. */
    if (fabs(g_r.current_a) < c->rest_current_a) {
        g_rest_s += dt_s;
    } else {
        g_rest_s = 0.0;
        g_rest_done = 0;
    }
    if (!g_rest_done && g_rest_s >= c->rest_time_s - 1e-9) {
        double mean = 0.0;
        unsigned k;
        g_rest_done = 1;
        for (k = 0; k < c->cells; ++k)
            mean += g_r.cell_v[k];
        mean /= c->cells;
        if (c->n_ocv_low && mean <= c->ocv_low_v[c->n_ocv_low - 1])
            set_soc(interp(c->ocv_low_v, c->ocv_low_soc, c->n_ocv_low, mean), "rest_ocv_low");
        else if (c->n_ocv_high && mean >= c->ocv_high_v[0])
            set_soc(interp(c->ocv_high_v, c->ocv_high_soc, c->n_ocv_high, mean), "rest_ocv_high");
    }
    /* Full charge: at the CVL with the current tailing off for full_time_s. */
    cell_extremes(&vmin, &vmax);
    if (g_r.current_a > 0.0 && g_r.current_a <= c->full_tail_current_a && vmax >= c->cvl_cell_v - c->full_margin_v)
        g_full_s += dt_s;
    else
        g_full_s = 0.0;
    if (g_r.current_a < -c->rest_current_a)
        g_full_done = 0;
    if (!g_full_done && g_full_s >= c->full_time_s - 1e-9) {
        g_full_done = 1;
        set_soc(1.0, "full_charge");
    }
}

/* ---- protections --------------------------------------------------------------------------- */

static void update_level(fw_channel ch, int warning, double value, double dt_s, int forced) {
    const fw_level* lv = warning ? &g_cfg->warning[ch] : &g_cfg->protection[ch];
    uint32_t* bits = warning ? &g_r.warning_bits : &g_r.protection_bits;
    double* timer = &g_prot_timer_s[ch][warning ? 0 : 1];
    const uint32_t f = 1u << ch;
    const int high = fw_channel_high_side(ch);
    if (*bits & f) {
        const int back = !forced && (high ? value <= lv->clear : value >= lv->clear);
        *timer = back ? *timer + dt_s : 0.0;
        if (back && *timer >= lv->clear_delay_s - 1e-9) {
            *bits &= ~f;
            *timer = 0.0;
        }
    } else {
        const int beyond = high ? value >= lv->set : value <= lv->set;
        *timer = beyond ? *timer + dt_s : 0.0;
        if (forced || (beyond && *timer >= lv->delay_s - 1e-9)) {
            *bits |= f;
            *timer = 0.0;
        }
    }
}

/* The chip's own protections that have tripped, as channel bits (Safety Status A/B/C). */
static uint32_t afe_tripped(const bq_safety* s) {
    uint32_t b = 0;
    if (s->status_a & BQ_SSA_COV)
        b |= 1u << CH_CELL_OV;
    if (s->status_a & BQ_SSA_CUV)
        b |= 1u << CH_CELL_UV;
    if (s->status_a & BQ_SSA_OCC)
        b |= 1u << CH_CHARGE_OC;
    if ((s->status_a & (BQ_SSA_OCD1 | BQ_SSA_OCD2)) || (s->status_c & BQ_SSC_OCD3))
        b |= 1u << CH_DISCHARGE_OC;
    if (s->status_b & BQ_SSB_OTC)
        b |= 1u << CH_CHARGE_OT;
    if (s->status_b & BQ_SSB_UTC)
        b |= 1u << CH_CHARGE_UT;
    if (s->status_b & BQ_SSB_OTD)
        b |= 1u << CH_DISCHARGE_OT;
    if (s->status_b & BQ_SSB_UTD)
        b |= 1u << CH_DISCHARGE_UT;
    return b;
}

static void report_changes(const char* kind, uint32_t before, uint32_t now, const double* value, double sc_a) {
    unsigned ch;
    double vmin, vmax;
    cell_extremes(&vmin, &vmax);
    for (ch = 0; ch <= CH_COUNT; ++ch) {
        const uint32_t f = ch < CH_COUNT ? (1u << ch) : FW_BIT_SHORT_CIRCUIT;
        if ((before ^ now) & f) {
            char msg[320];
            snprintf(msg, sizeof msg,
                     "{\"channel\":\"%s\",\"state\":\"%s\",\"value\":%.6g,\"active\":%u,\"cell_max_v\":%.4f,"
                     "\"cell_min_v\":%.4f,\"current_a\":%.3f}",
                     ch < CH_COUNT ? fw_channel_name((fw_channel)ch) : "short_circuit", (now & f) ? "trip" : "recover",
                     ch < CH_COUNT ? value[ch] : sc_a, (unsigned)now, vmax, vmin, g_r.current_a);
            hal_log(HAL_LOG_WARN, NULL, kind, msg);
        }
    }
}

/* Over-current lock-out, clearing: RUN button, power cycle (volatile), or the timeout. */
static void clear_lockout_if_due(void) {
    const char* why = g_reset_request;
    const double t = now_s();
    char msg[200];
    g_reset_request = NULL;
    if (!g_locked_out)
        return;
    if (!why && g_cfg->oc_lockout_timeout_s > 0.0 && t - g_lockout_since_s >= g_cfg->oc_lockout_timeout_s - 1e-9)
        why = "timeout";
    if (!why)
        return;
    g_locked_out = 0;
    g_r.protection_bits &= ~(FW_BIT_LOCKOUT | g_lockout_cause);
    g_prot_timer_s[CH_CHARGE_OC][1] = g_prot_timer_s[CH_DISCHARGE_OC][1] = 0.0;
    snprintf(msg, sizeof msg, "{\"state\":\"cleared\",\"reason\":\"%s\",\"locked_s\":%.3f}", why, t - g_lockout_since_s);
    hal_log(HAL_LOG_INFO, NULL, "lockout", msg);
    g_lockout_cause = 0;
    g_n_oc_trips = 0;
}

/* Over-current lock-out, setting: oc_lockout_trips trips within oc_lockout_window_s. */
static void lock_out_if_due(uint32_t prot_before) {
    const uint32_t new_trips = g_r.protection_bits & ~prot_before & OC_MASK;
    const double t = now_s();
    unsigned i, kept = 0;
    char msg[200];
    if (!new_trips || g_locked_out)
        return;
    for (i = 0; i < g_n_oc_trips; ++i)
        if (t - g_oc_trips_s[i] <= g_cfg->oc_lockout_window_s + 1e-9)
            g_oc_trips_s[kept++] = g_oc_trips_s[i];
    g_n_oc_trips = kept;
    if (g_n_oc_trips < MAX_OC_TRIPS)
        g_oc_trips_s[g_n_oc_trips++] = t;
    if (g_cfg->oc_lockout_trips == 0 || g_n_oc_trips < g_cfg->oc_lockout_trips)
        return;
    g_locked_out = 1;
    g_lockout_since_s = t;
    g_lockout_cause = g_r.protection_bits & OC_MASK;
    g_r.protection_bits |= FW_BIT_LOCKOUT;
    snprintf(msg, sizeof msg, "{\"state\":\"set\",\"reason\":\"%u over-current trips within %g s\",\"trips\":%u,\"window_s\":%g}",
             g_n_oc_trips, g_cfg->oc_lockout_window_s, g_n_oc_trips, g_cfg->oc_lockout_window_s);
    hal_log(HAL_LOG_WARN, NULL, "lockout", msg);
}

static void protect(double dt_s, const bq_safety* safety) {
    const fw_config* c = g_cfg;
    const uint32_t prot_before = g_r.protection_bits, warn_before = g_r.warning_bits;
    const uint32_t afe = afe_tripped(safety);
    double value[CH_COUNT];
    double vmin, vmax, tmin_ok = 1e9, tmax_ok = -1e9;
    unsigned s, ch, faults = 0;
    cell_extremes(&vmin, &vmax);
    clear_lockout_if_due();
    /* An implausible NTC is a sensor fault and left out of the temperature channels. */
    for (s = 0; s < c->n_ntc; ++s) {
        const double t = g_r.temp_c[s];
        if (t < c->ntc_min_c || t > c->ntc_max_c) {
            ++faults;
            continue;
        }
        tmin_ok = t < tmin_ok ? t : tmin_ok;
        tmax_ok = t > tmax_ok ? t : tmax_ok;
    }
    if (tmax_ok < tmin_ok)
        temp_extremes(&tmin_ok, &tmax_ok);
    value[CH_CELL_OV] = vmax;
    value[CH_CELL_UV] = vmin;
    value[CH_MODULE_OV] = value[CH_MODULE_UV] = g_r.stack_v; /* the cells' sum, not the terminal */
    value[CH_CHARGE_OC] = g_r.current_a;
    value[CH_DISCHARGE_OC] = -g_r.current_a;
    value[CH_CHARGE_OT] = value[CH_DISCHARGE_OT] = tmax_ok;
    value[CH_CHARGE_UT] = value[CH_DISCHARGE_UT] = tmin_ok;
    value[CH_IMBALANCE] = vmax - vmin;
    value[CH_SENSOR] = (double)faults;
    for (ch = 0; ch < CH_COUNT; ++ch) {
        const int forced = (afe >> ch) & 1u;
        update_level((fw_channel)ch, 1, value[ch], dt_s, 0);
        /* A lock-out holds the over-current protections that caused it. */
        if (!(g_locked_out && (g_lockout_cause & (1u << ch))))
            update_level((fw_channel)ch, 0, value[ch], dt_s, forced);
    }
    /* Short circuit: the chip's SCD has opened its FETs already; re-armed after the recovery time. */
    if (safety->status_a & BQ_SSA_SCD) {
        if (!(g_r.protection_bits & FW_BIT_SHORT_CIRCUIT)) {
            g_r.protection_bits |= FW_BIT_SHORT_CIRCUIT;
            g_sc_time_s = 0.0;
        }
    }
    if (g_r.protection_bits & FW_BIT_SHORT_CIRCUIT) {
        if (!(safety->status_a & BQ_SSA_SCD) && !(g_locked_out && (g_lockout_cause & FW_BIT_SHORT_CIRCUIT)) &&
            (g_sc_time_s += dt_s) >= c->short_circuit_recover_s - 1e-9) {
            g_r.protection_bits &= ~FW_BIT_SHORT_CIRCUIT;
        }
    }
    report_changes("warning", warn_before, g_r.warning_bits, value, 0.0);
    report_changes("protection", prot_before, g_r.protection_bits, value, fabs(g_r.current_a));
    lock_out_if_due(prot_before);
    g_r.isolated = (g_r.protection_bits & ~CHARGE_ONLY_MASK) != 0;
}

/* ---- limits and balancing ------------------------------------------------------------------ */

static void compute_limits(void) {
    const fw_config* c = g_cfg;
    double vmin, vmax, tmin, tmax, fc, fd;
    const int ok = g_ok && !g_r.isolated && !g_r.master_lost && g_r.joined;
    const int charge_ok = ok && !(g_r.protection_bits & CHARGE_ONLY_MASK);
    cell_extremes(&vmin, &vmax);
    temp_extremes(&tmin, &tmax);
    g_r.cvl_v = c->cvl_cell_v * c->cells;
    g_r.dvl_v = c->dvl_cell_v * c->cells;
    fc = taper(vmax, c->ccl_taper_start_v, c->ccl_taper_end_v) * taper(tmin, c->ccl_cold_start_c, c->ccl_cold_end_c) *
         taper(tmax, c->ccl_hot_start_c, c->ccl_hot_end_c) *
         floor_taper(g_r.soc, c->ccl_soc_start, c->ccl_soc_end, c->ccl_soc_floor);
    fd = taper(vmin, c->dcl_taper_start_v, c->dcl_taper_end_v) * taper(tmin, c->dcl_cold_start_c, c->dcl_cold_end_c) *
         taper(tmax, c->dcl_hot_start_c, c->dcl_hot_end_c) *
         floor_taper(g_r.soc, c->dcl_soc_start, c->dcl_soc_end, c->dcl_soc_floor);
    g_r.ccl_a = charge_ok ? c->ccl_a * fc : 0.0;
    g_r.dcl_a = ok ? c->dcl_a * fd : 0.0;
    g_r.charge_enable = g_r.ccl_a > 0.0;
    g_r.discharge_enable = g_r.dcl_a > 0.0;
}

/* Bleed every cell delta_v above the lowest while the highest is above start_v, unless the
 * module discharges harder than max_discharge_a or is isolated. */
static void balance(void) {
    const fw_config* c = g_cfg;
    uint16_t mask = 0;
    double vmin, vmax;
    unsigned k;
    cell_extremes(&vmin, &vmax);
    if (c->balancing_enabled && !g_r.isolated && g_r.current_a >= -c->balance_max_discharge_a && vmax >= c->balance_start_v)
        for (k = 0; k < c->cells; ++k)
            if (g_r.cell_v[k] - vmin >= c->balance_delta_v)
                mask = (uint16_t)(mask | (1u << k));
    if (mask != g_balance_mask && bq_set_balancing(mask) == 0)
        g_balance_mask = mask;
}

static void publish(void) {
    hal_module_report m;
    memset(&m, 0, sizeof m);
    m.has_soc = m.has_limits = m.has_protection = m.has_balance = m.has_enable = 1;
    m.soc_pct = 100.0 * g_r.soc;
    m.soh_pct = 100.0 * g_r.soh;
    m.cvl_v = g_r.cvl_v;
    m.dvl_v = g_r.dvl_v;
    m.ccl_a = g_r.ccl_a;
    m.dcl_a = g_r.dcl_a;
    m.protection_bits = g_r.protection_bits;
    m.warning_bits = g_r.warning_bits;
    m.balance_mask = g_balance_mask;
    m.charge_enable = g_r.charge_enable;
    m.discharge_enable = g_r.discharge_enable;
    hal_publish_module(&m);
}

/* ---- the cycle ----------------------------------------------------------------------------- */

static void afe_failed(const char* during) {
    char msg[200];
    snprintf(msg, sizeof msg, "{\"during\":\"%s\",\"error\":\"%s\"}", during, bq_last_error());
    hal_log(HAL_LOG_ERROR, NULL, "afe_error", msg);
}

int bms_start(const fw_config* cfg) {
    bq_protection_config bq;
    const fw_level* p = cfg->protection;
    g_cfg = cfg;
    memset(&g_r, 0, sizeof g_r);
    g_r.soh = 1.0;
    g_last_ns = 0;
    g_throughput_ah = g_rest_s = g_full_s = g_sc_time_s = 0.0;
    g_rest_done = g_full_done = 0;
    memset(g_prot_timer_s, 0, sizeof g_prot_timer_s);
    g_switch_state = g_precharging = 0;
    g_balance_mask = 0;
    g_locked_out = 0;
    g_lockout_cause = 0;
    g_n_oc_trips = 0;
    g_reset_request = NULL;
    g_last_master_ns = hal_now_ns();
    g_nv_saved_s = now_s();
    /* In a stack a sub stays open until the master admits it (0x99); the master and a lone
     * module are part of the stack from the start. */
    g_r.joined = cfg->is_master || cfg->count <= 1u;
    hal_pin_write(HAL_PIN_CONTACTOR, 0);
    hal_pin_write(HAL_PIN_PRECHARGE, 0);

    /* The chip's protections: a hardware backstop beyond the firmware's own thresholds (the
     * firmware acts first; the chip acts on its own if the firmware does not). */
    memset(&bq, 0, sizeof bq);
    bq.cells = cfg->cells;
    bq.sense_resistor_ohm = cfg->sense_resistor_ohm;
    bq.cov_v = p[CH_CELL_OV].set + 0.1;
    bq.cov_delay_s = p[CH_CELL_OV].delay_s + 1.0;
    bq.cov_recovery_hysteresis_v = 0.1;
    bq.cuv_v = p[CH_CELL_UV].set - 0.1;
    bq.cuv_delay_s = p[CH_CELL_UV].delay_s + 1.0;
    bq.cuv_recovery_hysteresis_v = 0.1;
    bq.occ_a = 2.0 * p[CH_CHARGE_OC].set;
    bq.occ_delay_s = 0.4;
    bq.ocd1_a = 2.0 * p[CH_DISCHARGE_OC].set;
    bq.ocd1_delay_s = 0.4;
    bq.ocd2_a = 3.0 * p[CH_DISCHARGE_OC].set;
    bq.ocd2_delay_s = 0.1;
    bq.scd_a = cfg->sc_threshold_a;
    bq.scd_delay_s = cfg->sc_delay_s;
    bq.otc_c = p[CH_CHARGE_OT].set + 5.0;
    bq.otc_delay_s = p[CH_CHARGE_OT].delay_s + 2.0;
    bq.otc_recovery_c = p[CH_CHARGE_OT].clear;
    bq.otd_c = p[CH_DISCHARGE_OT].set + 5.0;
    bq.otd_delay_s = p[CH_DISCHARGE_OT].delay_s + 2.0;
    bq.otd_recovery_c = p[CH_DISCHARGE_OT].clear;
    bq.utc_c = p[CH_CHARGE_UT].set - 5.0;
    bq.utc_delay_s = p[CH_CHARGE_UT].delay_s + 2.0;
    bq.utc_recovery_c = p[CH_CHARGE_UT].clear;
    bq.utd_c = p[CH_DISCHARGE_UT].set - 5.0;
    bq.utd_delay_s = p[CH_DISCHARGE_UT].delay_s + 2.0;
    bq.utd_recovery_c = p[CH_DISCHARGE_UT].clear;
    g_ok = bq_configure(&bq) == 0;
    if (!g_ok)
        afe_failed("configuration");
    return g_ok ? 0 : -1;
}

void bms_measure(void) {
    const fw_config* c = g_cfg;
    const uint64_t t0 = hal_now_ns();
    bq_snapshot snap;
    bq_safety safety;
    double dt_s;
    if (!c)
        return;
    if (!g_ok) { /* stay open; keep answering with zero limits */
        compute_limits();
        drive_switch(0);
        return;
    }
    /* Three I2C transfers: the safety block, Battery Status to CC2, the NTCs. */
    if (bq_read_snapshot(c->cells, &snap) != 0 || bq_read_temperatures(ntc_commands, c->n_ntc, g_r.temp_c) != 0) {
        afe_failed("measurement");
        return;
    }
    safety = snap.safety;
    g_r.pack_v = snap.pack_v;
    g_r.current_a = snap.current_a;
    {
        unsigned k;
        g_r.stack_v = 0.0; /* the module's own voltage: the sum of its cells (docs/models/bms.md) */
        for (k = 0; k < c->cells; ++k) {
            g_r.cell_v[k] = snap.cell_v[k];
            g_r.stack_v += g_r.cell_v[k];
        }
    }
    if (!g_r.measured && g_r.stack_v <= 0.0)
        return; /* the chip has not finished its first measurement loop yet */
    if (!g_r.measured) {
        initial_soc();
        g_r.soc = g_soc_ah / c->capacity_ah;
        g_r.remaining_ah = g_soc_ah;
        g_r.measured = 1;
        dt_s = 0.0;
    } else {
        dt_s = (double)(t0 - g_last_ns) / NS_PER_S;
    }
    g_last_ns = t0;
    count_coulombs(dt_s);
    protect(dt_s, &safety);
    if (!c->is_master && c->count > 1u) {
        const double silent_s = (double)(t0 - g_last_master_ns) / NS_PER_S;
        const int lost = silent_s > c->master_timeout_s;
        if (lost != g_r.master_lost) {
            char msg[120];
            g_r.master_lost = lost;
            snprintf(msg, sizeof msg, "{\"silent_s\":%.3f,\"timeout_s\":%g}", silent_s, c->master_timeout_s);
            hal_log(HAL_LOG_WARN, NULL, lost ? "master_lost" : "master_back", msg);
        }
    }
    compute_limits();
    balance();
    drive_switch(!g_r.isolated && !g_r.master_lost && g_r.joined);
    g_r.switch_closed = g_switch_state;
    if (now_s() - g_nv_saved_s >= NV_SAVE_PERIOD_S) {
        g_nv_saved_s = now_s();
        nv_save();
    }
    publish();
}

void bms_stop(void) {
    if (!g_cfg)
        return;
    if (g_r.measured)
        nv_save();
    hal_pin_write(HAL_PIN_CONTACTOR, 0);
    hal_pin_write(HAL_PIN_PRECHARGE, 0);
    g_switch_state = g_precharging = 0;
    g_cfg = NULL;
}

const bms_report* bms_own(void) { return &g_r; }

void bms_run_button(double press_s) {
    if (press_s >= 2.0 && press_s < 5.0 && g_locked_out)
        g_reset_request = "run_button";
}

/* ---- RS485 answers ------------------------------------------------------------------------- */

void bms_analog_block(pylon_analog* a) {
    unsigned k;
    memset(a, 0, sizeof *a);
    a->adr = (uint8_t)g_cfg->address;
    a->n_cells = g_cfg->cells;
    for (k = 0; k < g_cfg->cells; ++k)
        a->cell_v[k] = g_r.cell_v[k];
    a->n_temps = g_cfg->n_ntc;
    for (k = 0; k < g_cfg->n_ntc; ++k)
        a->temp_c[k] = g_r.temp_c[k];
    a->current_a = g_r.current_a;
    a->voltage_v = g_r.pack_v;
    a->remaining_ah = g_r.remaining_ah;
    a->total_ah = g_cfg->capacity_ah;
    a->cycles = g_r.cycles;
}

static void alarm_block(pylon_alarm* a) {
    const fw_config* c = g_cfg;
    const uint32_t b = g_r.protection_bits;
    unsigned k;
    memset(a, 0, sizeof *a);
    a->adr = (uint8_t)c->address;
    a->n_cells = c->cells;
    for (k = 0; k < c->cells; ++k)
        a->cell_state[k] = g_r.cell_v[k] >= c->protection[CH_CELL_OV].set   ? 0x02
                           : g_r.cell_v[k] <= c->protection[CH_CELL_UV].set ? 0x01
                                                                             : 0x00;
    a->n_temps = c->n_ntc;
    for (k = 0; k < c->n_ntc; ++k)
        a->temp_state[k] = g_r.temp_c[k] >= c->protection[CH_DISCHARGE_OT].set   ? 0x02
                           : g_r.temp_c[k] <= c->protection[CH_DISCHARGE_UT].set ? 0x01
                                                                                   : 0x00;
    a->status1 = (uint8_t)(((b & (1u << CH_MODULE_UV)) ? 0x80u : 0u) | ((b & (1u << CH_CHARGE_OT)) ? 0x40u : 0u) |
                           ((b & (1u << CH_DISCHARGE_OT)) ? 0x20u : 0u) |
                           ((b & ((1u << CH_DISCHARGE_OC) | FW_BIT_SHORT_CIRCUIT)) ? 0x10u : 0u) |
                           ((b & ((1u << CH_CHARGE_OC) | FW_BIT_SHORT_CIRCUIT)) ? 0x04u : 0u) |
                           ((b & (1u << CH_CELL_UV)) ? 0x02u : 0u) |
                           ((b & ((1u << CH_CELL_OV) | (1u << CH_MODULE_OV))) ? 0x01u : 0u));
    a->status2 = (uint8_t)(g_switch_state ? 0x06u : 0u);
    a->status3 = (uint8_t)((g_r.current_a > 0.1 ? 0x80u : 0u) | (g_r.current_a < -0.1 ? 0x40u : 0u));
}

int bms_answer(const pylon_frame* req, uint8_t* rtn, uint8_t* info, size_t cap) {
    const fw_config* c = g_cfg;
    size_t n = 0;
    if (!c || pylon_is_return_code(req->cid2))
        return -1; /* an answer carrying our address (two modules set alike): never answered */
    *rtn = PYLON_RTN_NORMAL;
    switch (req->cid2) {
    case PYLON_CMD_ANALOG:
        if (c->is_master && req->info_len == 1 && req->info[0] == 0xFF) {
            n = master_system_analog(info, cap); /* the whole stack */
        } else {
            pylon_analog a;
            bms_analog_block(&a);
            n = pylon_info_analog(&a, info, cap);
        }
        break;
    case PYLON_CMD_ALARM: {
        pylon_alarm a;
        alarm_block(&a);
        n = pylon_info_alarm(&a, info, cap);
        break;
    }
    case PYLON_CMD_SYSTEM_PARAMETERS: {
        pylon_system_parameters s;
        const fw_level* p = c->protection;
        s.cell_high_v = p[CH_CELL_OV].set;
        s.cell_low_alarm_v = c->warning[CH_CELL_UV].set;
        s.cell_under_v = p[CH_CELL_UV].set;
        s.charge_high_c = p[CH_CHARGE_OT].set;
        s.charge_low_c = p[CH_CHARGE_UT].set;
        s.charge_current_a = c->ccl_a;
        s.module_high_v = p[CH_MODULE_OV].set;
        s.module_low_alarm_v = c->warning[CH_MODULE_UV].set;
        s.module_under_v = p[CH_MODULE_UV].set;
        s.discharge_high_c = p[CH_DISCHARGE_OT].set;
        s.discharge_low_c = p[CH_DISCHARGE_UT].set;
        s.discharge_current_a = -c->dcl_a;
        n = pylon_info_system_parameters(&s, info, cap);
        break;
    }
    case PYLON_CMD_PROTOCOL_VERSION: break; /* empty INFO; the version is in VER */
    case PYLON_CMD_MANUFACTURER: n = pylon_info_manufacturer("4K4PRO-EXF", 1, 0, "stacksim example", info, cap); break;
    case PYLON_CMD_MANAGEMENT: {
        pylon_management m;
        m.adr = (uint8_t)c->address;
        m.cvl_v = g_r.cvl_v;
        m.dvl_v = g_r.dvl_v;
        m.ccl_a = g_r.ccl_a;
        m.dcl_a = g_r.dcl_a;
        m.status = (uint8_t)((g_r.charge_enable ? 0x80u : 0u) | (g_r.discharge_enable ? 0x40u : 0u));
        n = pylon_info_management(&m, info, cap);
        break;
    }
    case PYLON_CMD_SERIAL_NUMBER: {
        char serial[20];
        snprintf(serial, sizeof serial, "STACKSIM-4K4-%03u", c->address % 1000u);
        n = pylon_info_serial((uint8_t)c->address, serial, info, cap);
        break;
    }
    case PYLON_CMD_JOIN:
        if (!c->is_master && req->info_len == 2 && req->info[0] == c->address) {
            const int join = req->info[1] != 0;
            if (join != g_r.joined) {
                char msg[64];
                snprintf(msg, sizeof msg, "{\"address\":%u}", c->address);
                hal_log(HAL_LOG_INFO, NULL, join ? "joined" : "join_revoked", msg);
            }
            g_r.joined = join;
            if (g_r.measured)
                compute_limits(); /* the next 0x92 already carries the module's limits */
        } else {
            *rtn = PYLON_RTN_INFO_INVALID;
        }
        break;
    default: *rtn = PYLON_RTN_CID2_INVALID; break;
    }
    /* Every valid request to this address comes from the master (or a host acting as one). */
    g_last_master_ns = hal_now_ns();
    return (int)n;
}
