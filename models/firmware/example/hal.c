/*
 * hal.c -- the HAL over the stacksim firmware ABI (stacksim_fw.h). Every function is a thin
 * wrapper of one host call; nothing here decides anything. On a board this file becomes the
 * wrappers of the vendor's I2C, UART, CAN, GPIO, timer and flash drivers.
 */
#include "hal.h"

#include "stacksim_fw.h"

static const stacksim_fw_host* g_host;

void hal_bind(const struct stacksim_fw_host* host) { g_host = host; }

uint64_t hal_now_ns(void) { return g_host ? g_host->now_ns(g_host->ctx) : 0u; }

int hal_i2c_write(uint8_t addr7, const uint8_t* data, size_t len) {
    return g_host ? g_host->i2c_write(g_host->ctx, addr7, data, len) : STACKSIM_FW_ERR_ABSENT;
}

int hal_i2c_read(uint8_t addr7, uint8_t* data, size_t len) {
    return g_host ? g_host->i2c_read(g_host->ctx, addr7, data, len) : STACKSIM_FW_ERR_ABSENT;
}

int hal_i2c_write_read(uint8_t addr7, const uint8_t* wdata, size_t wlen, uint8_t* rdata, size_t rlen) {
    return g_host ? g_host->i2c_write_read(g_host->ctx, addr7, wdata, wlen, rdata, rlen) : STACKSIM_FW_ERR_ABSENT;
}

int hal_rs485_write(const uint8_t* data, size_t len) {
    /* Port B faces the next module down the chain; both ports drive the same line. */
    return g_host ? g_host->uart_write(g_host->ctx, STACKSIM_FW_UART_RS485_B, data, len) : STACKSIM_FW_ERR_ABSENT;
}

int hal_can_send(const hal_can_frame* frame) {
    stacksim_fw_can_frame f;
    unsigned i;
    if (!g_host)
        return STACKSIM_FW_ERR_ABSENT;
    f.id = frame->id;
    f.extended = 0;
    f.rtr = 0;
    f.dlc = frame->dlc;
    for (i = 0; i < 8; ++i)
        f.data[i] = frame->data[i];
    return g_host->can_send(g_host->ctx, &f);
}

int hal_pin_write(hal_pin pin, int level) {
    return g_host ? g_host->gpio_write(g_host->ctx, (unsigned)pin, level) : STACKSIM_FW_ERR_ABSENT;
}

int hal_pin_read(hal_pin pin) { return g_host ? g_host->gpio_read(g_host->ctx, (unsigned)pin) : 0; }

int hal_timer_start(hal_timer id, uint64_t delay_ns, uint64_t period_ns) {
    return g_host ? g_host->timer_start(g_host->ctx, (unsigned)id, delay_ns, period_ns) : STACKSIM_FW_ERR_ABSENT;
}

int hal_timer_stop(hal_timer id) { return g_host ? g_host->timer_stop(g_host->ctx, (unsigned)id) : STACKSIM_FW_ERR_ABSENT; }

size_t hal_nv_size(void) { return g_host ? g_host->nv_size(g_host->ctx) : 0u; }

int hal_nv_read(size_t offset, void* data, size_t len) {
    return g_host ? g_host->nv_read(g_host->ctx, offset, data, len) : STACKSIM_FW_ERR_ABSENT;
}

int hal_nv_write(size_t offset, const void* data, size_t len) {
    return g_host ? g_host->nv_write(g_host->ctx, offset, data, len) : STACKSIM_FW_ERR_ABSENT;
}

const char* hal_config_text(const char* key) { return g_host ? g_host->config(g_host->ctx, key) : NULL; }

void hal_log(hal_log_level level, const char* component, const char* kind, const char* message) {
    if (g_host)
        g_host->log(g_host->ctx, (int)level, component, kind, message);
}

void hal_publish_module(const hal_module_report* r) {
    stacksim_fw_module_status s;
    if (!g_host || !g_host->publish_module)
        return;
    s.size = sizeof s;
    s.valid = (r->has_soc ? (STACKSIM_FW_MS_SOC | STACKSIM_FW_MS_SOH) : 0u) | (r->has_limits ? STACKSIM_FW_MS_LIMITS : 0u) |
              (r->has_protection ? STACKSIM_FW_MS_PROTECTION : 0u) | (r->has_balance ? STACKSIM_FW_MS_BALANCE : 0u) |
              (r->has_enable ? STACKSIM_FW_MS_ENABLE : 0u);
    s.soc_pct = r->soc_pct;
    s.soh_pct = r->soh_pct;
    s.cvl_v = r->cvl_v;
    s.dvl_v = r->dvl_v;
    s.ccl_a = r->ccl_a;
    s.dcl_a = r->dcl_a;
    s.protection_bits = r->protection_bits;
    s.warning_bits = r->warning_bits;
    s.balance_mask = r->balance_mask;
    s.charge_enable = (uint8_t)(r->charge_enable != 0);
    s.discharge_enable = (uint8_t)(r->discharge_enable != 0);
    g_host->publish_module(g_host->ctx, &s);
}

void hal_publish_stack(const hal_stack_report* r) {
    stacksim_fw_stack_status s;
    if (!g_host || !g_host->publish_stack)
        return;
    s.size = sizeof s;
    s.valid = STACKSIM_FW_SS_PRESENT | STACKSIM_FW_SS_SOC | STACKSIM_FW_SS_LIMITS | STACKSIM_FW_SS_MEASURED;
    s.modules_present = r->modules_present;
    s.soc_pct = r->soc_pct;
    s.soh_pct = r->soh_pct;
    s.cvl_v = r->cvl_v;
    s.dvl_v = r->dvl_v;
    s.ccl_a = r->ccl_a;
    s.dcl_a = r->dcl_a;
    s.voltage_v = r->voltage_v;
    s.current_a = r->current_a;
    g_host->publish_stack(g_host->ctx, &s);
}
