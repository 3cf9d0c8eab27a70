/*
 * stacksim_fw.h -- the C ABI between stacksim and a battery module's BMS firmware built for the
 * host (C99; no other header of stacksim is needed to build a firmware).
 *
 * A firmware is a shared library that exports one function, stacksim_fw_entry(). stacksim calls
 * it once per module instance, hands it a host table (stacksim_fw_host: the microcontroller's
 * peripherals as the simulated module wires them) and gets back the firmware's callbacks
 * (stacksim_fw_api). From then on the firmware is purely event driven: stacksim calls its
 * callbacks at simulated instants (start, timers, received UART characters, received CAN
 * frames, input pin edges), and inside a callback the firmware calls the host table.
 *
 * Time. The firmware's clock (now_ns) is the simulated time. Code takes no simulated time to run,
 * except the buses: an I2C transfer returns once its last bit (and any clock stretching by the
 * target) is over, so now_ns() has advanced by the transfer's duration when it returns. UART and
 * CAN transmissions return at once; the peripheral sends in the background.
 *
 * Threading. All callbacks of one instance are called one at a time, never concurrently, and host
 * calls may only be made from inside a callback of the same instance. Each instance has its own
 * copy of the library's global variables (stacksim loads the library once per module: in its own
 * child process by default, or in its own link-map namespace in the in-process mode), so firmware
 * written with globals, as microcontroller firmware is, works unchanged.
 *
 * Versioning. STACKSIM_FW_ABI_MAJOR changes when a change breaks existing firmware; MINOR when
 * fields are appended. Both tables start with abi_version and size: a reader uses only the fields
 * that fit in `size`. stacksim refuses a firmware whose major version differs from its own.
 */
#ifndef STACKSIM_FW_H
#define STACKSIM_FW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STACKSIM_FW_ABI_MAJOR 1u
#define STACKSIM_FW_ABI_MINOR 0u
#define STACKSIM_FW_ABI_VERSION ((STACKSIM_FW_ABI_MAJOR << 16) | STACKSIM_FW_ABI_MINOR)
#define STACKSIM_FW_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
/* The symbol stacksim looks up with dlsym(). */
#define STACKSIM_FW_ENTRY_NAME "stacksim_fw_entry"

/* Results of host calls: 0 = done, negative = failed. */
enum {
    STACKSIM_FW_OK = 0,
    STACKSIM_FW_ERR_NACK = -1,  /* I2C: the address or a data byte was not acknowledged */
    STACKSIM_FW_ERR_ARG = -2,   /* bad argument (unknown port/pin/timer, length out of range) */
    STACKSIM_FW_ERR_BUSY = -3,  /* peripheral busy (CAN: transmit queue full) */
    STACKSIM_FW_ERR_IO = -4,    /* NV storage could not be read or written */
    STACKSIM_FW_ERR_ABSENT = -5 /* the module has no such peripheral (CAN on a sub) */
};

/* UART ports. The module's two RJ45 RS485 ports (A and B) are one half-duplex line looped
 * through the module (master port B -> Sub#1 port A -> Sub#1 port B -> ...), so both names
 * reach the same transceiver: writing to either drives the chain, and every character is
 * received once, on STACKSIM_FW_UART_RS485_A. */
enum {
    STACKSIM_FW_UART_RS485_A = 0,
    STACKSIM_FW_UART_RS485_B = 1
};

/* Output pins. */
enum {
    STACKSIM_FW_GPIO_CONTACTOR = 0, /* main switch (1 = closed); with the AFE's FETs in series */
    STACKSIM_FW_GPIO_PRECHARGE = 1, /* precharge path (1 = closed) */
    STACKSIM_FW_GPIO_LED_RUN = 2,
    STACKSIM_FW_GPIO_LED_ALARM = 3,
    STACKSIM_FW_GPIO_OUT_COUNT = 4
};
/* Input pins (read with gpio_read; edges call on_gpio). */
enum {
    STACKSIM_FW_GPIO_RUN_BUTTON = 16, /* 1 while the RUN button is pressed */
    STACKSIM_FW_GPIO_AFE_ALERT = 17   /* the BQ76952 ALERT pin, 1 = asserted (the pin is active low) */
};

/* Timers: ids 0 .. STACKSIM_FW_TIMER_COUNT-1. */
#define STACKSIM_FW_TIMER_COUNT 16u

/* Log levels. */
enum { STACKSIM_FW_LOG_DEBUG = 0, STACKSIM_FW_LOG_INFO = 1, STACKSIM_FW_LOG_WARN = 2, STACKSIM_FW_LOG_ERROR = 3 };

typedef struct stacksim_fw_can_frame {
    uint32_t id;      /* 11-bit, or 29-bit when extended */
    uint8_t extended; /* 0/1 */
    uint8_t rtr;      /* 0/1 */
    uint8_t dlc;      /* 0..8 */
    uint8_t data[8];
} stacksim_fw_can_frame;

/* What the firmware reports of its module, for stacksim's outputs (the time series' per-module
 * state columns). A real BMS has no such call: it stands for the debugger's watch window. Each
 * group of fields has its bit in `valid`; the host ignores groups whose bit is clear, and a
 * column nobody published stays empty (NaN) in the outputs. */
typedef struct stacksim_fw_module_status {
    uint32_t size;      /* sizeof(stacksim_fw_module_status) */
    uint32_t valid;     /* STACKSIM_FW_MS_* bits */
    double soc_pct, soh_pct;
    double cvl_v, dvl_v, ccl_a, dcl_a;
    uint32_t protection_bits; /* bit layout of docs/models/bms.md (prot_channel order, 12 = short circuit) */
    uint32_t warning_bits;
    uint32_t balance_mask;    /* bit k = cell k bleeding */
    uint8_t charge_enable, discharge_enable;
} stacksim_fw_module_status;
enum {
    STACKSIM_FW_MS_SOC = 1u << 0, STACKSIM_FW_MS_SOH = 1u << 1, STACKSIM_FW_MS_LIMITS = 1u << 2,
    STACKSIM_FW_MS_PROTECTION = 1u << 3, STACKSIM_FW_MS_BALANCE = 1u << 4, STACKSIM_FW_MS_ENABLE = 1u << 5
};

/* The master's view of the stack (the stack.* columns), same rules. */
typedef struct stacksim_fw_stack_status {
    uint32_t size;
    uint32_t valid;     /* STACKSIM_FW_SS_* bits */
    uint32_t modules_present;
    double soc_pct, soh_pct;
    double cvl_v, dvl_v, ccl_a, dcl_a;
    double voltage_v, current_a;
} stacksim_fw_stack_status;
enum {
    STACKSIM_FW_SS_PRESENT = 1u << 0, STACKSIM_FW_SS_SOC = 1u << 1, STACKSIM_FW_SS_LIMITS = 1u << 2,
    STACKSIM_FW_SS_MEASURED = 1u << 3
};

/* The microcontroller's peripherals, as stacksim provides them. `ctx` is the first argument of
 * every call. Pointers passed in are only read during the call. */
typedef struct stacksim_fw_host {
    uint32_t abi_version; /* STACKSIM_FW_ABI_VERSION of the host */
    uint32_t size;        /* sizeof(stacksim_fw_host) of the host */
    void* ctx;

    /* Monotonic simulated time since the start of the run, ns. */
    uint64_t (*now_ns)(void* ctx);

    /* I2C controller (the AFE, a BQ76952, answers at 7-bit address 0x08). Each call is one
     * transfer: START, address, data, STOP; write_read uses a repeated START between the write
     * and the read. Returns when the transfer is over on the simulated bus. */
    int (*i2c_write)(void* ctx, uint8_t addr7, const uint8_t* data, size_t len);
    int (*i2c_read)(void* ctx, uint8_t addr7, uint8_t* data, size_t len);
    int (*i2c_write_read)(void* ctx, uint8_t addr7, const uint8_t* wdata, size_t wlen, uint8_t* rdata, size_t rlen);

    /* UART: queue characters for transmission (the transceiver drives them back to back). */
    int (*uart_write)(void* ctx, unsigned port, const uint8_t* data, size_t len);

    /* CAN (the master's BMS-CAN port, to the inverter): queue one frame. */
    int (*can_send)(void* ctx, const stacksim_fw_can_frame* frame);

    /* Pins. */
    int (*gpio_write)(void* ctx, unsigned pin, int level);
    int (*gpio_read)(void* ctx, unsigned pin);

    /* Timers: on_timer(id) first after delay_ns, then every period_ns (0 = one-shot). Starting a
     * running timer restarts it. */
    int (*timer_start)(void* ctx, unsigned id, uint64_t delay_ns, uint64_t period_ns);
    int (*timer_stop)(void* ctx, unsigned id);

    /* Non-volatile memory: nv_size() bytes, erased = 0xFF, kept in a file per module (survives
     * power cycles within a run and, with a fixed stack.firmware.nv_dir, across runs). */
    size_t (*nv_size)(void* ctx);
    int (*nv_read)(void* ctx, size_t offset, void* data, size_t len);
    int (*nv_write)(void* ctx, size_t offset, const void* data, size_t len);

    /* Configuration: the value of `key` as text, or NULL. Keys: the scenario's per-firmware
     * `config` entries; "module.index", "module.count", "module.address", "module.master"
     * (1/0), "module.cells", "module.capacity_ah"; and every module parameter by its name in
     * models/params/module_4k4pro.yaml (e.g. "bms.protection.discharge_oc.protection.set"). */
    const char* (*config)(void* ctx, const char* key);

    /* A line in events.jsonl: source top.stack.m<i>.<component> (component NULL = "bms"),
     * kind `kind` ([a-z0-9_]+); details: `message` itself when it is a JSON object (e.g.
     * {"address":3}), else {"message": message}; plus "level". */
    void (*log)(void* ctx, int level, const char* component, const char* kind, const char* message);

    /* Report state for stacksim's outputs (see stacksim_fw_module_status). */
    void (*publish_module)(void* ctx, const stacksim_fw_module_status* status);
    void (*publish_stack)(void* ctx, const stacksim_fw_stack_status* status);
} stacksim_fw_host;

/* The firmware's callbacks. Any may be NULL. */
typedef struct stacksim_fw_api {
    uint32_t abi_version; /* STACKSIM_FW_ABI_VERSION the firmware was built with */
    uint32_t size;        /* sizeof(stacksim_fw_api) */
    const char* name;     /* for logs, e.g. "example-bms 1.0" */

    /* Power-on (the start of the run, or the module switched on again). The host table stays
     * valid until on_power_off returns. */
    void (*on_power_on)(const stacksim_fw_host* host);
    /* Power-off (module switched off, end of run): last chance to write NV. */
    void (*on_power_off)(void);
    void (*on_timer)(unsigned id);
    /* One received character; t_ns = the end of its stop bit at this module. */
    void (*on_uart_rx)(unsigned port, uint8_t byte, uint64_t t_ns);
    /* One received CAN frame; t_ns = the end of its end-of-frame field. */
    void (*on_can_rx)(const stacksim_fw_can_frame* frame, uint64_t t_ns);
    /* An input pin changed to `level`. */
    void (*on_gpio)(unsigned pin, int level);
} stacksim_fw_api;

/* The entry point a firmware exports. host_abi_version = STACKSIM_FW_ABI_VERSION of stacksim;
 * return the callbacks (static storage), or NULL to refuse. */
typedef const stacksim_fw_api* (*stacksim_fw_entry_fn)(uint32_t host_abi_version);
const stacksim_fw_api* stacksim_fw_entry(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* STACKSIM_FW_H */
