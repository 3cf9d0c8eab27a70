/* fw_bench: the firmware side of tools/bench/bench_firmware.cpp. Plain C99 against stacksim_fw.h.
 * config "bench.n" = N. Phases, each bracketed by log(kind "mark") so the host can time it:
 *   host_calls   N gpio_read() calls within one callback;
 *   i2c          N i2c_write_read() of 2 bytes from command 0x14 at 0x08, within one callback;
 *   callbacks    N timer callbacks (periodic 1 ms), each doing nothing. */
#include <stdlib.h>

#include "stacksim_fw.h"

static const stacksim_fw_host* host;
static unsigned long n, ticks;

static void mark(const char* what) { host->log(host->ctx, STACKSIM_FW_LOG_INFO, NULL, "mark", what); }

static void power_on(const stacksim_fw_host* h) {
    const char* v;
    host = h;
    v = host->config(host->ctx, "bench.n");
    n = v ? strtoul(v, NULL, 10) : 1000;
    host->timer_start(host->ctx, 0, 1000000u, 0);
}

static void timer(unsigned id) {
    unsigned long i;
    if (id == 0) {
        mark("host_calls_begin");
        for (i = 0; i < n; ++i)
            (void)host->gpio_read(host->ctx, STACKSIM_FW_GPIO_RUN_BUTTON);
        mark("host_calls_end");
        host->timer_start(host->ctx, 1, 0, 0);
    } else if (id == 1) {
        const uint8_t cmd = 0x14;
        uint8_t rx[2];
        mark("i2c_begin");
        for (i = 0; i < n; ++i)
            (void)host->i2c_write_read(host->ctx, 0x08, &cmd, 1, rx, 2);
        mark("i2c_end");
        mark("callbacks_begin");
        host->timer_start(host->ctx, 2, 1000000u, 1000000u);
    } else if (++ticks == n) {
        host->timer_stop(host->ctx, 2);
        mark("callbacks_end");
    }
}

static const stacksim_fw_api api = {STACKSIM_FW_ABI_VERSION, sizeof(stacksim_fw_api), "fw_bench", power_on, NULL,
                                    timer, NULL, NULL, NULL};

const stacksim_fw_api* stacksim_fw_entry(uint32_t host_abi_version) {
    (void)host_abi_version;
    return &api;
}
