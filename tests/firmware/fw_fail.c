/* fw_fail: a test firmware that fails in its first on_timer(0), `fail_after_ms` (config key,
 * default 100) after power-on, right after an I2C write_read -- how is chosen at build time (FW_FAIL_MODE): 1 dereferences NULL, 2 loops
 * forever, 3 fails an assert(). For the host's failure tests. Plain C99. */
#undef NDEBUG
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>

#include "stacksim_fw.h"

#ifndef FW_FAIL_MODE
#error "define FW_FAIL_MODE (1 = NULL dereference, 2 = endless loop, 3 = assert)"
#endif

static const stacksim_fw_host* host;

static void power_on(const stacksim_fw_host* h) {
    const char* after_ms;
    host = h;
    after_ms = host->config(host->ctx, "fail_after_ms");
    host->timer_start(host->ctx, 0, (uint64_t)(after_ms ? strtoul(after_ms, NULL, 10) : 100u) * 1000000u, 0);
}

static void timer(unsigned id) {
    const uint8_t cmd = 0x14;
    uint8_t rx[2];
    (void)host->i2c_write_read(host->ctx, 0x08, &cmd, 1, rx, 2);
#if FW_FAIL_MODE == 1
    {
        volatile int* volatile p = NULL;
        *p = (int)id;
    }
#elif FW_FAIL_MODE == 2
    {
        volatile unsigned long spin = id;
        for (;;)
            ++spin;
    }
#else
    assert(id == 12345 && "fw_fail: a failed assertion");
#endif
}

static const stacksim_fw_api api = {STACKSIM_FW_ABI_VERSION, sizeof(stacksim_fw_api), "fw_fail", power_on,
                                    NULL, timer, NULL, NULL, NULL};

const stacksim_fw_api* stacksim_fw_entry(uint32_t host_abi_version) {
    (void)host_abi_version;
    return &api;
}
