// One loaded firmware (one module's BMS): the callbacks of stacksim_fw_api as C++ calls.
//
// A backend (process_firmware, inprocess_firmware) loads the library so that this instance has
// its own copy of the library's globals, and routes the firmware's host calls to the
// firmware_host it was given. A callback the firmware did not provide (NULL) does nothing. Each
// call returns when the firmware's callback has returned; it throws firmware_error when the
// firmware crashed, exited or hung during it (the instance is then dead: every later call throws
// again). SystemC-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/stacksim_fw.h"

namespace stacksim::fw {

class firmware_instance {
public:
    virtual ~firmware_instance() = default;
    // The firmware's own name (stacksim_fw_api::name), e.g. "example-bms 1.0".
    virtual const std::string& name() const = 0;
    virtual void power_on() = 0;
    virtual void power_off() = 0;
    virtual void timer(unsigned id) = 0;
    // The characters of one received frame, in order: on_uart_rx(port, chars[i], t_ns[i]) for each
    // (t_ns.size() == chars.size()); one call so that a process backend crosses once per frame.
    virtual void uart_rx(unsigned port, const std::string& chars, const std::vector<std::uint64_t>& t_ns) = 0;
    virtual void can_rx(const stacksim_fw_can_frame& frame, std::uint64_t t_ns) = 0;
    virtual void gpio(unsigned pin, int level) = 0;
};

} // namespace stacksim::fw
