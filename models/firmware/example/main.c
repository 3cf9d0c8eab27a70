/*
 * main.c -- the example BMS firmware's entry point and scheduler.
 *
 * stacksim calls stacksim_fw_entry() once per module and then the callbacks below; on a board
 * these would be the reset handler and the interrupt handlers. Everything is event driven:
 *
 *   power-on        read the configuration, arm the boot timer
 *   boot timer      configure the BQ76952, start the measurement loop (aligned to multiples of
 *                   bms.measure_period_s, after the chip's first measurement loop)
 *   measure timer   bms_measure(); on the master the poll starts with the first measurement,
 *                   and the CAN cycle rides on the measurement when due
 *   UART rx         assemble frames; a request to this module's address is answered
 *                   bms.response_latency_s after its last character; the master's poll takes
 *                   the answers of its subs
 *   CAN rx          the inverter's heartbeat (master)
 *   RUN button      a 2..5 s press clears an over-current lock-out
 *   power-off       save the SoC in NV, open the switch
 */
#include <string.h>

#include "bms.h"
#include "config.h"
#include "hal.h"
#include "master.h"
#include "pylon_rs485.h"
#include "rs485_link.h"
#include "stacksim_fw.h"

#define ANSWER_QUEUE 2u
/* Two of the BQ76952's measurement loops (18 + 3 slots of 3 ms each). */
#define BQ_FIRST_RESULTS_NS 130000000u

typedef struct queued_answer {
    uint64_t due_ns;
    size_t n;
    char chars[PYLON_MAX_FRAME_CHARS];
} queued_answer;

static fw_config g_cfg;
static int g_config_ok;
static queued_answer g_answers[ANSWER_QUEUE];
static unsigned g_n_answers;
static uint64_t g_button_down_ns;
static int g_master_started;
static pylon_frame g_rx_frame;
static uint8_t g_info[PYLON_MAX_INFO];

static uint64_t ns_of(double s) { return (uint64_t)(s * 1e9 + 0.5); }

/* ---- RS485 answers ------------------------------------------------------------------------- */

static void arm_answer_timer(void) {
    uint64_t at, now = hal_now_ns();
    if (g_n_answers == 0)
        return;
    at = g_answers[0].due_ns;
    if (link_free_at_ns() > at)
        at = link_free_at_ns();
    hal_timer_start(HAL_TIMER_ANSWER, at > now ? at - now : 0u, 0);
}

static void send_due_answers(void) {
    const uint64_t now = hal_now_ns();
    if (g_n_answers == 0 || g_answers[0].due_ns > now) {
        arm_answer_timer();
        return;
    }
    if (link_send(g_answers[0].chars, g_answers[0].n) == 0 && link_free_at_ns() > now) {
        arm_answer_timer(); /* our own poll is on the line: after it */
        return;
    }
    --g_n_answers;
    memmove(&g_answers[0], &g_answers[1], g_n_answers * sizeof g_answers[0]);
    arm_answer_timer();
}

static void queue_answer(uint8_t rtn, const uint8_t* info, size_t info_len, uint64_t request_end_ns) {
    queued_answer* a;
    if (g_n_answers == ANSWER_QUEUE) {
        hal_log(HAL_LOG_WARN, NULL, "rs485_overrun", "{\"reason\":\"answer queue full, request dropped\"}");
        return;
    }
    a = &g_answers[g_n_answers];
    a->n = pylon_encode((uint8_t)g_cfg.address, rtn, info, info_len, a->chars, sizeof a->chars);
    if (a->n == 0)
        return;
    a->due_ns = request_end_ns + ns_of(g_cfg.response_latency_s);
    ++g_n_answers;
    if (g_n_answers == 1)
        arm_answer_timer();
}

static void on_frame(const char* chars, size_t n, uint64_t t_ns) {
    int adr_valid = 0;
    const int rtn = pylon_decode_frame(chars, n, &g_rx_frame, &adr_valid);
    const int mine = adr_valid && g_rx_frame.adr == g_cfg.address;
    if (rtn != PYLON_RTN_NORMAL) {
        /* Never act on a bad frame; answer its RTN only when it is certainly ours. */
        if (g_cfg.is_master)
            master_on_bad_frame(rtn);
        if (mine)
            queue_answer((uint8_t)rtn, NULL, 0, t_ns);
        return;
    }
    if (g_cfg.is_master)
        master_on_frame(&g_rx_frame);
    if (mine) {
        uint8_t answer_rtn = PYLON_RTN_NORMAL;
        const int len = bms_answer(&g_rx_frame, &answer_rtn, g_info, sizeof g_info);
        if (len >= 0)
            queue_answer(answer_rtn, g_info, (size_t)len, t_ns);
    }
}

/* ---- callbacks ----------------------------------------------------------------------------- */

static void fw_on_power_on(const stacksim_fw_host* host) {
    hal_bind(host);
    g_n_answers = 0;
    g_master_started = 0;
    g_config_ok = config_load(&g_cfg) == 0;
    link_init(g_cfg.rs485_baud);
    hal_pin_write(HAL_PIN_CONTACTOR, 0);
    hal_pin_write(HAL_PIN_PRECHARGE, 0);
    hal_timer_start(HAL_TIMER_BOOT, 0, 0);
}

static void boot(void) {
    const uint64_t period = ns_of(g_cfg.measure_period_s);
    uint64_t now, next;
    if (bms_start(&g_cfg) != 0 || !g_config_ok) {
        hal_log(HAL_LOG_ERROR, NULL, "firmware_halted",
                "{\"reason\":\"incomplete configuration or AFE failure: the module stays open\"}");
        hal_pin_write(HAL_PIN_LED_ALARM, 1);
        return;
    }
    hal_pin_write(HAL_PIN_LED_RUN, 1);
    /* Measurements at whole multiples of the period, as a timer-driven loop would run; the first
     * one at least BQ_FIRST_RESULTS_NS after the configuration (the chip's first measurement
     * loop after CONFIG_UPDATE). */
    now = hal_now_ns();
    next = ((now + BQ_FIRST_RESULTS_NS) / period + 1u) * period;
    hal_timer_start(HAL_TIMER_MEASURE, next - now, period);
}

static void fw_on_timer(unsigned id) {
    switch (id) {
    case HAL_TIMER_BOOT: boot(); break;
    case HAL_TIMER_MEASURE:
        bms_measure();
        if (!g_cfg.is_master)
            break;
        /* The poll starts with the master's first measurement: the subs, powered at the same
         * time, have measured too by then, and the join rule has both voltages. */
        if (!g_master_started && bms_own()->measured) {
            g_master_started = 1;
            master_start(&g_cfg);
        }
        master_on_measured();
        break;
    case HAL_TIMER_ANSWER: send_due_answers(); break;
    case HAL_TIMER_POLL: master_on_poll_timer(); break;
    case HAL_TIMER_RESPONSE: master_on_response_timeout(); break;
    default: break;
    }
}

static void fw_on_uart_rx(unsigned port, uint8_t byte, uint64_t t_ns) {
    const char* chars;
    size_t n;
    (void)port; /* ports A and B are one line */
    if (link_receive(byte, &chars, &n))
        on_frame(chars, n, t_ns);
}

static void fw_on_can_rx(const stacksim_fw_can_frame* frame, uint64_t t_ns) {
    hal_can_frame f;
    (void)t_ns;
    if (!g_cfg.is_master || frame->extended || frame->rtr)
        return;
    f.id = frame->id;
    f.dlc = frame->dlc;
    memcpy(f.data, frame->data, sizeof f.data);
    master_on_can_rx(&f);
}

static void fw_on_gpio(unsigned pin, int level) {
    if (pin != HAL_PIN_RUN_BUTTON)
        return;
    if (level)
        g_button_down_ns = hal_now_ns();
    else
        bms_run_button((double)(hal_now_ns() - g_button_down_ns) / 1e9);
}

static void fw_on_power_off(void) {
    unsigned t;
    if (g_cfg.is_master)
        master_stop();
    bms_stop();
    for (t = 0; t < HAL_TIMER_COUNT; ++t)
        hal_timer_stop((hal_timer)t);
    hal_bind(NULL);
}

static const stacksim_fw_api g_api = {
    STACKSIM_FW_ABI_VERSION, sizeof(stacksim_fw_api), "stacksim example BMS 1.0",
    fw_on_power_on, fw_on_power_off, fw_on_timer, fw_on_uart_rx, fw_on_can_rx, fw_on_gpio,
};

#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
const stacksim_fw_api* stacksim_fw_entry(uint32_t host_abi_version) {
    if (STACKSIM_FW_ABI_MAJOR_OF(host_abi_version) != STACKSIM_FW_ABI_MAJOR)
        return NULL;
    return &g_api;
}
