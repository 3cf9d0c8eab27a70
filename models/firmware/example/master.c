/* master.c -- see master.h. */
#include "master.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bms.h"
#include "pylon_can.h"
#include "rs485_link.h"

#define NS_PER_S 1e9
#define SECONDS_PER_DAY 86400.0

typedef enum { STEP_ANALOG, STEP_MANAGEMENT, STEP_JOIN, STEP_MANAGEMENT_AFTER_JOIN, STEP_ALARM } poll_step;

/* What the master knows of one sub. */
typedef struct sub_state {
    uint8_t address;
    int heard;        /* a 0x42 answer arrived at least once */
    int joined, lost;
    unsigned misses;
    int refusal_reported, deferral_reported;
    pylon_analog analog;
    pylon_management management;
    uint32_t protection_bits, warning_bits; /* from its 0x44 */
    int protected_;   /* 0x92 disables both directions */
} sub_state;

static const fw_config* g_cfg;
static sub_state g_subs[FW_MAX_MODULES];
static unsigned g_n_subs;
/* The poll in progress. */
static unsigned g_sub;
static poll_step g_step;
static unsigned g_attempt;
static int g_waiting;       /* a request is out, its answer not yet in */
static int g_send_pending;  /* the poll timer re-sends a request the busy transceiver held back */
static uint64_t g_cycle_start_ns;
/* CAN. */
static uint64_t g_next_can_ns;
static double g_last_full_s, g_last_heartbeat_s;
static int g_heartbeat_lost, g_force_1, g_force_2;
static unsigned g_protected_before_cluster;
static int g_cluster_stop;

static double now_s(void) { return (double)hal_now_ns() / NS_PER_S; }
static uint64_t ns(double s) { return (uint64_t)(s * NS_PER_S + 0.5); }

static void log_master(hal_log_level level, const char* kind, const char* msg) { hal_log(level, "master", kind, msg); }

/* ---- sub conditions from 0x44 (the inverse of bms.c's alarm block) ---------------------------- */

static void conditions_from_alarm(const pylon_alarm* a, sub_state* s) {
    uint32_t prot = 0, warn = 0;
    int cell_high = 0, cell_low = 0, temp_high = 0, temp_low = 0;
    unsigned k;
    for (k = 0; k < a->n_cells; ++k) {
        cell_high |= a->cell_state[k] == 0x02;
        cell_low |= a->cell_state[k] == 0x01;
    }
    for (k = 0; k < a->n_temps; ++k) {
        temp_high |= a->temp_state[k] == 0x02;
        temp_low |= a->temp_state[k] == 0x01;
    }
    if (a->status1 & 0x01)
        prot |= cell_high ? (1u << CH_CELL_OV) : (1u << CH_MODULE_OV);
    if (a->status1 & 0x02)
        prot |= 1u << CH_CELL_UV;
    if (a->status1 & 0x80)
        prot |= 1u << CH_MODULE_UV;
    if ((a->status1 & 0x04) && (a->status1 & 0x10))
        prot |= FW_BIT_SHORT_CIRCUIT;
    else if (a->status1 & 0x04)
        prot |= 1u << CH_CHARGE_OC;
    else if (a->status1 & 0x10)
        prot |= 1u << CH_DISCHARGE_OC;
    if (a->status1 & 0x40)
        prot |= 1u << CH_CHARGE_OT;
    if (a->status1 & 0x20)
        prot |= 1u << CH_DISCHARGE_OT;
    if (a->cell_error_mask)
        prot |= 1u << CH_SENSOR;
    if (temp_low) {
        const uint32_t ut = (1u << CH_CHARGE_UT) | (1u << CH_DISCHARGE_UT);
        if (s->protected_)
            prot |= ut;
        else
            warn |= ut;
    }
    if (cell_high)
        warn |= 1u << CH_CELL_OV;
    if (cell_low)
        warn |= 1u << CH_CELL_UV;
    if (temp_high)
        warn |= 1u << CH_DISCHARGE_OT;
    s->protection_bits = prot;
    s->warning_bits = warn;
}

/* ---- the poll ------------------------------------------------------------------------------ */

static void next_sub(void);
static void send_request(void);

static void start_cycle(void) {
    g_cycle_start_ns = hal_now_ns();
    g_sub = 0;
    if (g_n_subs == 0) {
        hal_timer_start(HAL_TIMER_POLL, ns(g_cfg->poll_period_s), 0);
        return;
    }
    g_step = STEP_ANALOG;
    g_attempt = 0;
    send_request();
}

static void cycle_done(void) {
    const uint64_t next = g_cycle_start_ns + ns(g_cfg->poll_period_s);
    const uint64_t now = hal_now_ns();
    g_send_pending = 0;
    if (next > now)
        hal_timer_start(HAL_TIMER_POLL, next - now, 0);
    else
        start_cycle();
}

static void next_sub(void) {
    ++g_sub;
    if (g_sub >= g_n_subs) {
        cycle_done();
        return;
    }
    g_step = STEP_ANALOG;
    g_attempt = 0;
    send_request();
}

static void send_request(void) {
    static char frame[64];
    sub_state* s = &g_subs[g_sub];
    uint8_t info[2];
    size_t info_len = 1, n;
    uint8_t cid2;
    uint64_t end;
    info[0] = s->address;
    switch (g_step) {
    case STEP_ANALOG: cid2 = PYLON_CMD_ANALOG; break;
    case STEP_ALARM: cid2 = PYLON_CMD_ALARM; break;
    case STEP_JOIN:
        cid2 = PYLON_CMD_JOIN;
        info[1] = 1;
        info_len = 2;
        break;
    default: cid2 = PYLON_CMD_MANAGEMENT; break;
    }
    n = pylon_encode(s->address, cid2, info, info_len, frame, sizeof frame);
    end = link_send(frame, n);
    if (end == 0 && link_free_at_ns() > hal_now_ns()) {
        /* The transceiver is sending one of our own answers: send when it is free. */
        g_send_pending = 1;
        hal_timer_start(HAL_TIMER_POLL, link_free_at_ns() - hal_now_ns(), 0);
        return;
    }
    g_send_pending = 0;
    g_waiting = 1;
    /* The timeout runs from the request's last character. */
    hal_timer_start(HAL_TIMER_RESPONSE, (end ? end - hal_now_ns() : 0) + ns(g_cfg->response_timeout_s), 0);
}

static void sub_answered_cycle(sub_state* s) {
    s->misses = 0;
    if (s->lost) {
        char msg[48];
        s->lost = 0;
        snprintf(msg, sizeof msg, "{\"address\":%u}", s->address);
        log_master(HAL_LOG_INFO, "sub_back", msg);
    }
    next_sub();
}

static void sub_missed_cycle(sub_state* s) {
    if (++s->misses >= g_cfg->lost_after_misses && !s->lost) {
        char msg[64];
        s->lost = 1;
        snprintf(msg, sizeof msg, "{\"address\":%u,\"misses\":%u}", s->address, s->misses);
        log_master(HAL_LOG_WARN, "sub_lost", msg);
    }
    next_sub();
}

/* Alarm poll next, or the sub is done for this cycle. */
static void after_management(sub_state* s) {
    if (g_cfg->poll_alarms) {
        g_step = STEP_ALARM;
        g_attempt = 0;
        send_request();
    } else {
        sub_answered_cycle(s);
    }
}

/* Simplified join rule: the sub's cell sum (its open-circuit voltage: its switch is open) within
 * join_window_v of the master's own cell sum, taken only while the master is at rest. */
static int admit(sub_state* s) {
    const bms_report* own = bms_own();
    double sub_v = 0.0, dv;
    unsigned k;
    char msg[240];
    if (!own->measured)
        return 0;
    if (fabs(own->current_a) >= g_cfg->join_rest_current_a) {
        if (!s->deferral_reported) {
            snprintf(msg, sizeof msg,
                     "{\"address\":%u,\"reason\":\"the master is not at rest: its cells do not show its open-circuit "
                     "voltage\",\"master_current_a\":%.3f}",
                     s->address, own->current_a);
            log_master(HAL_LOG_INFO, "sub_join_deferred", msg);
        }
        s->deferral_reported = 1;
        s->refusal_reported = 0;
        return 0;
    }
    s->deferral_reported = 0;
    for (k = 0; k < s->analog.n_cells; ++k)
        sub_v += s->analog.cell_v[k];
    if (sub_v <= 0.0)
        return 0; /* the sub has not measured yet: decided next cycle */
    dv = sub_v - own->stack_v;
    if (fabs(dv) > g_cfg->join_window_v) {
        if (!s->refusal_reported) {
            snprintf(msg, sizeof msg,
                     "{\"address\":%u,\"reason\":\"open-circuit voltage differs from the master's by more than the join "
                     "window\",\"sub_voltage_v\":%.3f,\"master_voltage_v\":%.3f,\"difference_v\":%.3f,\"window_v\":%g}",
                     s->address, sub_v, own->stack_v, dv, g_cfg->join_window_v);
            log_master(HAL_LOG_INFO, "sub_join_refused", msg);
        }
        s->refusal_reported = 1;
        return 0;
    }
    return 1;
}

void master_on_response_timeout(void) {
    sub_state* s;
    if (!g_cfg || !g_waiting)
        return;
    s = &g_subs[g_sub];
    g_waiting = 0;
    if (++g_attempt <= g_cfg->retries) {
        send_request();
        return;
    }
    /* Neither the join nor the 0x92 after it decide the cycle (as the built-in master). */
    if (g_step == STEP_JOIN || g_step == STEP_MANAGEMENT_AFTER_JOIN) {
        after_management(s);
        return;
    }
    sub_missed_cycle(s);
}

void master_on_poll_timer(void) {
    if (!g_cfg)
        return;
    if (g_send_pending)
        send_request();
    else
        start_cycle();
}

void master_on_bad_frame(int rtn) {
    char msg[64];
    if (!g_cfg)
        return;
    snprintf(msg, sizeof msg, "{\"rtn\":%d}", rtn);
    log_master(HAL_LOG_DEBUG, "rs485_rejected", msg);
}

void master_on_frame(const pylon_frame* f) {
    sub_state* s;
    int parsed = 0;
    if (!g_cfg || !g_waiting || !pylon_is_return_code(f->cid2))
        return; /* a request (another master on the line), or nothing awaited */
    s = &g_subs[g_sub];
    if (f->adr != s->address)
        return; /* late, or another node's */
    if (f->cid2 != PYLON_RTN_NORMAL) {
        char msg[64];
        snprintf(msg, sizeof msg, "{\"adr\":%u,\"rtn\":%u}", s->address, f->cid2);
        log_master(HAL_LOG_INFO, "rs485_rtn", msg);
        return; /* the timeout decides (a retry) */
    }
    switch (g_step) {
    case STEP_ANALOG:
        parsed = pylon_read_analog(f->info, f->info_len, &s->analog);
        s->heard |= parsed;
        break;
    case STEP_MANAGEMENT:
    case STEP_MANAGEMENT_AFTER_JOIN:
        parsed = pylon_read_management(f->info, f->info_len, &s->management);
        if (parsed)
            s->protected_ = !(s->management.status & 0xC0u);
        break;
    case STEP_JOIN: parsed = 1; break;
    case STEP_ALARM: {
        pylon_alarm a;
        parsed = pylon_read_alarm(f->info, f->info_len, &a);
        if (parsed)
            conditions_from_alarm(&a, s);
        break;
    }
    }
    if (!parsed) {
        char msg[64];
        snprintf(msg, sizeof msg, "{\"adr\":%u,\"error\":\"bad INFO\"}", s->address);
        log_master(HAL_LOG_INFO, "rs485_rejected", msg);
        return;
    }
    hal_timer_stop(HAL_TIMER_RESPONSE);
    g_waiting = 0;
    g_attempt = 0;
    switch (g_step) {
    case STEP_ANALOG:
        g_step = STEP_MANAGEMENT;
        send_request();
        break;
    case STEP_MANAGEMENT:
        if (!s->joined && admit(s)) {
            g_step = STEP_JOIN;
            send_request();
        } else {
            after_management(s);
        }
        break;
    case STEP_JOIN: {
        char msg[64];
        s->joined = 1;
        snprintf(msg, sizeof msg, "{\"address\":%u,\"window_v\":%g}", s->address, g_cfg->join_window_v);
        log_master(HAL_LOG_INFO, "sub_join", msg);
        g_step = STEP_MANAGEMENT_AFTER_JOIN; /* its limits now that it is part of the stack */
        send_request();
        break;
    }
    case STEP_MANAGEMENT_AFTER_JOIN: after_management(s); break;
    case STEP_ALARM: sub_answered_cycle(s); break;
    }
}

/* ---- aggregate and CAN --------------------------------------------------------------------- */

typedef struct stack_view {
    unsigned present, protected_;
    double cvl_v, dvl_v, ccl_a, dcl_a, soc_pct, soh_pct, voltage_v, current_a, temp_c;
    pylon_can_conditions protection, alarm;
} stack_view;

static void add_conditions(uint32_t bits, pylon_can_conditions* c) {
#define ON(ch) ((bits >> (ch)) & 1u)
    c->over_voltage |= ON(CH_CELL_OV) || ON(CH_MODULE_OV);
    c->under_voltage |= ON(CH_CELL_UV) || ON(CH_MODULE_UV);
    c->over_temp |= ON(CH_CHARGE_OT) || ON(CH_DISCHARGE_OT);
    c->under_temp |= ON(CH_CHARGE_UT) || ON(CH_DISCHARGE_UT);
    c->charge_over_current |= (int)ON(CH_CHARGE_OC);
    c->discharge_over_current |= ON(CH_DISCHARGE_OC) || (bits & FW_BIT_SHORT_CIRCUIT);
    c->system_error |= (int)ON(CH_SENSOR);
#undef ON
}

/* One module counted in the aggregate. */
typedef struct member {
    double capacity_ah, remaining_ah, ccl_a, dcl_a, cvl_v, dvl_v, current_a, temp_sum_c;
    unsigned temps;
} member;

static double cap_by_count(const double* table, unsigned count, double value) {
    if (g_cfg->n_caps == 0)
        return value;
    if (count >= g_cfg->n_caps)
        count = g_cfg->n_caps - 1u; /* config_load refused such a stack already (logged) */
    return value < table[count] ? value : table[count];
}

static void aggregate(stack_view* v) {
    const bms_report* own = bms_own();
    member m[FW_MAX_MODULES + 1];
    unsigned n = 0, i, k, temps = 0;
    double cap = 0, rem = 0, temp_sum = 0;
    memset(v, 0, sizeof *v);
    if (own->measured) {
        add_conditions(own->protection_bits, &v->protection);
        add_conditions(own->warning_bits, &v->alarm);
        if (own->isolated) {
            ++v->protected_;
        } else {
            member* x = &m[n++];
            x->capacity_ah = g_cfg->capacity_ah;
            x->remaining_ah = own->remaining_ah;
            x->ccl_a = own->ccl_a;
            x->dcl_a = own->dcl_a;
            x->cvl_v = own->cvl_v;
            x->dvl_v = own->dvl_v;
            x->current_a = own->current_a;
            x->temp_sum_c = 0;
            for (k = 0; k < g_cfg->n_ntc; ++k)
                x->temp_sum_c += own->temp_c[k];
            x->temps = g_cfg->n_ntc;
        }
    }
    for (i = 0; i < g_n_subs; ++i) {
        const sub_state* s = &g_subs[i];
        member* x;
        if (s->lost || !s->joined || !s->heard)
            continue;
        add_conditions(s->protection_bits, &v->protection);
        add_conditions(s->warning_bits, &v->alarm);
        if (s->protected_) {
            ++v->protected_;
            continue;
        }
        x = &m[n++];
        x->capacity_ah = s->analog.total_ah;
        x->remaining_ah = s->analog.remaining_ah;
        x->ccl_a = s->management.ccl_a;
        x->dcl_a = s->management.dcl_a;
        x->cvl_v = s->management.cvl_v;
        x->dvl_v = s->management.dvl_v;
        x->current_a = s->analog.current_a;
        x->temp_sum_c = 0;
        for (k = 0; k < s->analog.n_temps; ++k)
            x->temp_sum_c += s->analog.temp_c[k];
        x->temps = s->analog.n_temps;
    }
    v->present = n;
    g_cluster_stop = v->protected_ > g_cfg->cluster_max_protected;
    if (g_cluster_stop != (int)(g_protected_before_cluster > g_cfg->cluster_max_protected)) {
        char msg[96];
        snprintf(msg, sizeof msg, "{\"active\":%s,\"modules_protected\":%u,\"max_protected\":%u}",
                 g_cluster_stop ? "true" : "false", v->protected_, g_cfg->cluster_max_protected);
        log_master(HAL_LOG_WARN, "cluster_stop", msg);
    }
    g_protected_before_cluster = v->protected_;
    v->voltage_v = own->pack_v;
    v->soh_pct = 100.0; /* subs' SoH is not on RS485; the example reports 100 % */
    if (n == 0)
        return;
    v->cvl_v = m[0].cvl_v;
    v->dvl_v = m[0].dvl_v;
    for (i = 0; i < n; ++i) {
        cap += m[i].capacity_ah;
        rem += m[i].remaining_ah;
        v->ccl_a += m[i].ccl_a;
        v->dcl_a += m[i].dcl_a;
        v->current_a += m[i].current_a;
        v->cvl_v = m[i].cvl_v < v->cvl_v ? m[i].cvl_v : v->cvl_v;
        v->dvl_v = m[i].dvl_v > v->dvl_v ? m[i].dvl_v : v->dvl_v;
        temp_sum += m[i].temp_sum_c;
        temps += m[i].temps;
    }
    v->soc_pct = cap > 0 ? 100.0 * rem / cap : 0.0;
    v->temp_c = temps ? temp_sum / temps : 0.0;
    v->ccl_a = cap_by_count(g_cfg->max_ccl_a_by_count, n, v->ccl_a);
    v->dcl_a = cap_by_count(g_cfg->max_dcl_a_by_count, n, v->dcl_a);
    if (g_cluster_stop)
        v->ccl_a = v->dcl_a = 0.0;
}

static void can_cycle(void) {
    stack_view v;
    pylon_can_state st;
    hal_can_frame frames[PYLON_CAN_SET_SIZE];
    hal_stack_report r;
    const double t = now_s();
    unsigned i;
    aggregate(&v);
    memset(&st, 0, sizeof st);
    st.cvl_v = v.cvl_v;
    st.ccl_a = v.ccl_a;
    st.dcl_a = v.dcl_a;
    st.dvl_v = v.dvl_v;
    st.soc_pct = v.soc_pct;
    st.soh_pct = v.soh_pct;
    st.voltage_v = v.voltage_v;
    st.current_a = v.current_a;
    st.temp_c = v.temp_c;
    st.protection = v.protection;
    st.alarm = v.alarm;
    st.module_count = (uint8_t)v.present;
    st.charge_enable = v.ccl_a > 0.0;
    st.discharge_enable = v.dcl_a > 0.0;
    /* 0x35C requests: force charge I/II with SoC hysteresis; full charge after 30 days below 97 %. */
    if (v.soc_pct <= g_cfg->force_charge_1_on_soc_pct)
        g_force_1 = 1;
    else if (v.soc_pct >= g_cfg->force_charge_1_off_soc_pct)
        g_force_1 = 0;
    if (v.soc_pct <= g_cfg->force_charge_2_on_soc_pct)
        g_force_2 = 1;
    else if (v.soc_pct >= g_cfg->force_charge_2_off_soc_pct)
        g_force_2 = 0;
    if (v.soc_pct >= g_cfg->full_charge_soc_pct)
        g_last_full_s = t;
    st.force_charge_1 = g_force_1;
    st.force_charge_2 = g_force_2;
    st.full_charge_request = t - g_last_full_s > g_cfg->full_charge_after_days * SECONDS_PER_DAY;
    /* The inverter's heartbeat (0x305): reported when missing (the reaction is "event"). */
    if (!g_heartbeat_lost && t - g_last_heartbeat_s > g_cfg->heartbeat_timeout_s) {
        char msg[64];
        g_heartbeat_lost = 1;
        snprintf(msg, sizeof msg, "{\"last_0x305_s\":%.3f,\"reaction\":\"event\"}", g_last_heartbeat_s);
        hal_log(HAL_LOG_WARN, "can_link", "heartbeat_lost", msg);
    }
    pylon_can_encode_set(&st, frames);
    for (i = 0; i < PYLON_CAN_SET_SIZE; ++i)
        hal_can_send(&frames[i]);
    r.modules_present = v.present;
    r.soc_pct = v.soc_pct;
    r.soh_pct = v.soh_pct;
    r.cvl_v = v.cvl_v;
    r.dvl_v = v.dvl_v;
    r.ccl_a = v.ccl_a;
    r.dcl_a = v.dcl_a;
    r.voltage_v = v.voltage_v;
    r.current_a = v.current_a;
    hal_publish_stack(&r);
}

void master_on_measured(void) {
    /* The CAN cycle rides on the measurement tick at or after its due time, so that it always
     * sends a fresh measurement of the master's own module. */
    if (!g_cfg || hal_now_ns() + ns(g_cfg->measure_period_s) / 2u < g_next_can_ns)
        return;
    g_next_can_ns += ns(g_cfg->can_period_s);
    can_cycle();
}

void master_on_can_rx(const hal_can_frame* f) {
    if (!g_cfg || f->id != 0x305)
        return;
    g_last_heartbeat_s = now_s();
    if (g_heartbeat_lost) {
        g_heartbeat_lost = 0;
        hal_log(HAL_LOG_INFO, "can_link", "heartbeat_back", "{}");
    }
}

size_t master_system_analog(uint8_t* info, size_t cap) {
    static pylon_analog own;
    const pylon_analog* blocks[FW_MAX_MODULES + 1];
    unsigned n = 0, i;
    if (!g_cfg)
        return 0;
    bms_analog_block(&own);
    blocks[n++] = &own;
    for (i = 0; i < g_n_subs; ++i)
        if (!g_subs[i].lost && g_subs[i].heard)
            blocks[n++] = &g_subs[i].analog;
    return pylon_info_system_analog(blocks, n, info, cap);
}

void master_start(const fw_config* cfg) {
    unsigned i;
    g_cfg = cfg;
    g_n_subs = cfg->count > 0u ? cfg->count - 1u : 0u;
    memset(g_subs, 0, sizeof g_subs);
    for (i = 0; i < g_n_subs; ++i)
        g_subs[i].address = (uint8_t)(cfg->master_address + 1u + i);
    g_waiting = g_send_pending = 0;
    g_last_full_s = g_last_heartbeat_s = now_s();
    g_heartbeat_lost = g_force_1 = g_force_2 = 0;
    g_cluster_stop = 0;
    g_protected_before_cluster = 0;
    /* The first CAN cycle after one poll cycle (1 s), as the built-in master. */
    g_next_can_ns = ns(cfg->can_period_s);
    start_cycle();
}

void master_stop(void) {
    hal_timer_stop(HAL_TIMER_POLL);
    hal_timer_stop(HAL_TIMER_RESPONSE);
    g_cfg = NULL;
}
