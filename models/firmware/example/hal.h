/*
 * hal.h -- the example firmware's hardware abstraction layer.
 *
 * Everything the firmware needs from its microcontroller, in the firmware's own words: an I2C
 * controller, the RS485 UART, the CAN controller, pins, timers, a clock, non-volatile memory,
 * a configuration store and a log. On a real board these functions wrap the vendor's drivers;
 * here hal.c wraps the stacksim host table (stacksim_fw.h). hal.c and main.c are the only files
 * that see stacksim_fw.h: to move this firmware to a board, rewrite hal.c and main.c and keep
 * the rest.
 *
 * Rules the rest of the firmware relies on:
 *  - hal_now_ns() is a monotonic clock in ns. I2C calls block until the transfer is over (the
 *    clock has advanced by the bus time when they return); UART and CAN calls queue and return.
 *  - Timers call main.c's dispatcher (fw_on_timer) with their id.
 *  - The configuration store answers parameters by name (models/params/module_4k4pro.yaml
 *    names, e.g. "bms.limits.ccl_a", plus "module.index", "module.address", ...).
 */
#ifndef EXAMPLE_FW_HAL_H
#define EXAMPLE_FW_HAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results: 0 = done, negative = failed (the values of stacksim_fw.h). */
#define HAL_OK 0

/* The 7-bit I2C address of the AFE. */
#define HAL_AFE_I2C_ADDR 0x08u

/* Pins. */
typedef enum {
    HAL_PIN_CONTACTOR = 0, /* main switch, 1 = closed */
    HAL_PIN_PRECHARGE = 1, /* precharge path, 1 = closed */
    HAL_PIN_LED_RUN = 2,
    HAL_PIN_LED_ALARM = 3,
    HAL_PIN_RUN_BUTTON = 16, /* input, 1 = pressed */
    HAL_PIN_AFE_ALERT = 17   /* input, 1 = the AFE's ALERT is asserted */
} hal_pin;

/* Timers of this firmware (ids 0..15 of the host). */
typedef enum {
    HAL_TIMER_BOOT = 0,     /* one-shot: configure the AFE, start the loops */
    HAL_TIMER_MEASURE = 1,  /* periodic: the measurement loop (bms.measure_period_s) */
    HAL_TIMER_ANSWER = 2,   /* one-shot: send a queued RS485 answer (response latency) */
    HAL_TIMER_POLL = 3,     /* one-shot: the master's next poll step or cycle */
    HAL_TIMER_RESPONSE = 4, /* one-shot: the master's response timeout */
    HAL_TIMER_COUNT = 5
} hal_timer;

/* Log levels. */
typedef enum { HAL_LOG_DEBUG = 0, HAL_LOG_INFO = 1, HAL_LOG_WARN = 2, HAL_LOG_ERROR = 3 } hal_log_level;

typedef struct hal_can_frame {
    uint32_t id; /* 11-bit */
    uint8_t dlc; /* 0..8 */
    uint8_t data[8];
} hal_can_frame;

/* The module's state for the simulator's outputs (a debugger's watch window; no real board has
 * it). A field group is published only when its `has_*` flag is set. */
typedef struct hal_module_report {
    int has_soc, has_limits, has_protection, has_balance, has_enable;
    double soc_pct, soh_pct;
    double cvl_v, dvl_v, ccl_a, dcl_a;
    uint32_t protection_bits, warning_bits;
    uint32_t balance_mask;
    int charge_enable, discharge_enable;
} hal_module_report;

typedef struct hal_stack_report {
    unsigned modules_present;
    double soc_pct, soh_pct;
    double cvl_v, dvl_v, ccl_a, dcl_a;
    double voltage_v, current_a;
} hal_stack_report;

/* main.c binds the host table at power-on and unbinds it at power-off (NULL). */
struct stacksim_fw_host;
void hal_bind(const struct stacksim_fw_host* host);

uint64_t hal_now_ns(void);

int hal_i2c_write(uint8_t addr7, const uint8_t* data, size_t len);
int hal_i2c_read(uint8_t addr7, uint8_t* data, size_t len);
int hal_i2c_write_read(uint8_t addr7, const uint8_t* wdata, size_t wlen, uint8_t* rdata, size_t rlen);

/* RS485: queue characters on the module's transceiver (ports A and B are one line). */
int hal_rs485_write(const uint8_t* data, size_t len);

/* CAN (the master's port to the inverter). */
int hal_can_send(const hal_can_frame* frame);

int hal_pin_write(hal_pin pin, int level);
int hal_pin_read(hal_pin pin);

/* First call after delay_ns, then every period_ns (0 = once). Restarting re-arms. */
int hal_timer_start(hal_timer id, uint64_t delay_ns, uint64_t period_ns);
int hal_timer_stop(hal_timer id);

size_t hal_nv_size(void);
int hal_nv_read(size_t offset, void* data, size_t len);
int hal_nv_write(size_t offset, const void* data, size_t len);

/* Configuration: the parameter's text, or NULL. */
const char* hal_config_text(const char* key);

/* A log line (component NULL = "bms"; kind [a-z0-9_]+; message: free text or a JSON object). */
void hal_log(hal_log_level level, const char* component, const char* kind, const char* message);

void hal_publish_module(const hal_module_report* r);
void hal_publish_stack(const hal_stack_report* r);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_HAL_H */
