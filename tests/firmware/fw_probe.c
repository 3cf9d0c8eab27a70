/* fw_probe: a test firmware that reports what it sees through log(), for the host's tests
 * (tests/sc/test_firmware_bms.cpp). Plain C99 against stacksim_fw.h only.
 *
 *   power on   NV boot counter (bytes 0..3, erased = 0) + 1, written back; log "boot" with the
 *              count and how many power-ons this instance's globals have seen; the config keys
 *              listed below; timers 0 (one-shot, 1 ms) and 1 (periodic, 250 ms).
 *   timer 0    one I2C write_read of 2 bytes from command 0x14 at 0x08, logged with now_ns before
 *              and after; publish_module (SOC and limits) and, on the master, publish_stack and a
 *              CAN frame 0x123.
 *   timer n    log "timer" with id and now_ns.
 *   UART rx    log "uart" per character (byte, t_ns, now_ns); on CR answer "~OK\r".
 *   CAN rx     log "can" (id, dlc, t_ns, now_ns).
 *   GPIO       log "gpio" (pin, level, now_ns); RUN pressed: CONTACTOR and PRECHARGE on.
 */
#include <stdio.h>
#include <string.h>

#include "stacksim_fw.h"

static const stacksim_fw_host* host;
static unsigned power_ons; /* this instance's globals: 1 after each power-on of a fresh instance */

static void logf_(const char* kind, const char* text) { host->log(host->ctx, STACKSIM_FW_LOG_INFO, NULL, kind, text); }

static void log_config(const char* key) {
    char line[512];
    const char* v = host->config(host->ctx, key);
    snprintf(line, sizeof line, "%s=%s", key, v ? v : "(null)");
    logf_("config", line);
}

static void power_on(const stacksim_fw_host* h) {
    unsigned char nv[4];
    unsigned long boots = 0;
    char line[128];
    host = h;
    ++power_ons;
    if (host->nv_read(host->ctx, 0, nv, 4) == STACKSIM_FW_OK && !(nv[0] == 0xFF && nv[1] == 0xFF && nv[2] == 0xFF && nv[3] == 0xFF))
        boots = (unsigned long)nv[0] | ((unsigned long)nv[1] << 8) | ((unsigned long)nv[2] << 16) | ((unsigned long)nv[3] << 24);
    ++boots;
    nv[0] = (unsigned char)(boots & 0xFF);
    nv[1] = (unsigned char)((boots >> 8) & 0xFF);
    nv[2] = (unsigned char)((boots >> 16) & 0xFF);
    nv[3] = (unsigned char)((boots >> 24) & 0xFF);
    snprintf(line, sizeof line, "boots=%lu power_ons=%u nv_size=%lu write=%d", boots, power_ons,
             (unsigned long)host->nv_size(host->ctx), host->nv_write(host->ctx, 0, nv, 4));
    logf_("boot", line);
    log_config("probe.greeting");
    log_config("module.index");
    log_config("module.master");
    log_config("module.cells");
    log_config("bms.measure_period_s");
    log_config("no.such.key");
    host->timer_start(host->ctx, 0, 1000000u, 0);
    host->timer_start(host->ctx, 1, 250000000u, 250000000u);
}

static void timer(unsigned id) {
    char line[160];
    if (id == 0) {
        const uint8_t cmd = 0x14;
        uint8_t rx[2] = {0, 0};
        const uint64_t t0 = host->now_ns(host->ctx);
        const int rc = host->i2c_write_read(host->ctx, 0x08, &cmd, 1, rx, 2);
        const uint64_t t1 = host->now_ns(host->ctx);
        const int nack = host->i2c_write(host->ctx, 0x09, &cmd, 1);
        stacksim_fw_module_status ms;
        memset(&ms, 0, sizeof ms);
        ms.size = sizeof ms;
        ms.valid = STACKSIM_FW_MS_SOC | STACKSIM_FW_MS_LIMITS;
        ms.soc_pct = 55.5;
        ms.cvl_v = 56.0;
        ms.dvl_v = 44.0;
        ms.ccl_a = 50.0;
        ms.dcl_a = 60.0;
        host->publish_module(host->ctx, &ms);
        snprintf(line, sizeof line, "t0=%llu t1=%llu rc=%d rx=%u,%u nack=%d", (unsigned long long)t0,
                 (unsigned long long)t1, rc, rx[0], rx[1], nack);
        logf_("i2c", line);
        {
            const char* master = host->config(host->ctx, "module.master");
            if (master && master[0] == '1') {
                stacksim_fw_stack_status ss;
                stacksim_fw_can_frame f;
                memset(&ss, 0, sizeof ss);
                ss.size = sizeof ss;
                ss.valid = STACKSIM_FW_SS_PRESENT | STACKSIM_FW_SS_LIMITS;
                ss.modules_present = 3;
                ss.cvl_v = 56.5;
                ss.dvl_v = 45.0;
                ss.ccl_a = 150.0;
                ss.dcl_a = 180.0;
                host->publish_stack(host->ctx, &ss);
                memset(&f, 0, sizeof f);
                f.id = 0x123;
                f.dlc = 3;
                f.data[0] = 1;
                f.data[1] = 2;
                f.data[2] = 3;
                snprintf(line, sizeof line, "rc=%d", host->can_send(host->ctx, &f));
                logf_("can_sent", line);
            }
        }
        return;
    }
    snprintf(line, sizeof line, "id=%u now=%llu", id, (unsigned long long)host->now_ns(host->ctx));
    logf_("timer", line);
}

static void uart_rx(unsigned port, uint8_t byte, uint64_t t_ns) {
    char line[128];
    snprintf(line, sizeof line, "port=%u byte=%u t=%llu now=%llu", port, byte, (unsigned long long)t_ns,
             (unsigned long long)host->now_ns(host->ctx));
    logf_("uart", line);
    if (byte == '\r') {
        static const uint8_t answer[] = {'~', 'O', 'K', '\r'};
        host->uart_write(host->ctx, STACKSIM_FW_UART_RS485_B, answer, sizeof answer);
    }
}

static void can_rx(const stacksim_fw_can_frame* f, uint64_t t_ns) {
    char line[128];
    snprintf(line, sizeof line, "id=%lu dlc=%u t=%llu now=%llu", (unsigned long)f->id, f->dlc, (unsigned long long)t_ns,
             (unsigned long long)host->now_ns(host->ctx));
    logf_("can", line);
}

static void gpio(unsigned pin, int level) {
    char line[96];
    snprintf(line, sizeof line, "pin=%u level=%d now=%llu", pin, level, (unsigned long long)host->now_ns(host->ctx));
    logf_("gpio", line);
    if (pin == STACKSIM_FW_GPIO_RUN_BUTTON && level) {
        host->gpio_write(host->ctx, STACKSIM_FW_GPIO_PRECHARGE, 1);
        host->gpio_write(host->ctx, STACKSIM_FW_GPIO_CONTACTOR, 1);
    }
}

static void power_off(void) { logf_("power_off", "bye"); }

static const stacksim_fw_api api = {STACKSIM_FW_ABI_VERSION, sizeof(stacksim_fw_api), "fw_probe 1.0", power_on,
                                    power_off, timer, uart_rx, can_rx, gpio};

const stacksim_fw_api* stacksim_fw_entry(uint32_t host_abi_version) {
    return STACKSIM_FW_ABI_MAJOR_OF(host_abi_version) == STACKSIM_FW_ABI_MAJOR ? &api : NULL;
}
