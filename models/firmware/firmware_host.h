// The host side of the firmware ABI (stacksim_fw.h) as a C++ interface: what a firmware can call.
//
// The SystemC module (firmware_bms) implements it; the loading backends turn it into the C host
// table (host_table.h) -- directly in the in-process mode, across the RPC socket in the child
// process of the process mode. Argument checks (ports, pins, timer ids, lengths) are the
// implementation's: it returns STACKSIM_FW_ERR_ARG for values out of range. SystemC-free.
#pragma once

#include <cstddef>
#include <cstdint>

#include "firmware/stacksim_fw.h"

namespace stacksim::fw {

class firmware_host {
public:
    virtual ~firmware_host() = default;
    virtual std::uint64_t now_ns() = 0;
    virtual int i2c_write(std::uint8_t addr7, const std::uint8_t* data, std::size_t len) = 0;
    virtual int i2c_read(std::uint8_t addr7, std::uint8_t* data, std::size_t len) = 0;
    virtual int i2c_write_read(std::uint8_t addr7, const std::uint8_t* wdata, std::size_t wlen, std::uint8_t* rdata,
                               std::size_t rlen) = 0;
    virtual int uart_write(unsigned port, const std::uint8_t* data, std::size_t len) = 0;
    virtual int can_send(const stacksim_fw_can_frame& frame) = 0;
    virtual int gpio_write(unsigned pin, int level) = 0;
    virtual int gpio_read(unsigned pin) = 0;
    virtual int timer_start(unsigned id, std::uint64_t delay_ns, std::uint64_t period_ns) = 0;
    virtual int timer_stop(unsigned id) = 0;
    virtual std::size_t nv_size() = 0;
    virtual int nv_read(std::size_t offset, void* data, std::size_t len) = 0;
    virtual int nv_write(std::size_t offset, const void* data, std::size_t len) = 0;
    // nullptr = no such key; the text stays valid while the host exists.
    virtual const char* config(const char* key) = 0;
    virtual void log(int level, const char* component, const char* kind, const char* message) = 0;
    virtual void publish_module(const stacksim_fw_module_status& status) = 0;
    virtual void publish_stack(const stacksim_fw_stack_status& status) = 0;
};

} // namespace stacksim::fw
