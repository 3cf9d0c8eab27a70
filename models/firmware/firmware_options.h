// What a loading backend needs besides the library and the host (firmware_loader_registry.h).
// SystemC-free.
#pragma once

#include <functional>
#include <string>

namespace stacksim::fw {

struct firmware_options {
    // Wall time the firmware may run without returning from its callback or calling the host
    // (host calls are not counted: an I2C transfer runs the simulation). Exceeded: it hung.
    double watchdog_s = 2.0;
    // A malformed message from the firmware's process (counted; the run goes on).
    std::function<void(const std::string& what)> notice;
    // In-process mode only: the whole message of a hang, given what happened ("hung (...)"), with
    // the context it names (module, simulated time, callback, last host call); asked from the
    // watchdog thread while the simulation thread is stuck in the firmware (so the values it
    // reads stand still).
    std::function<std::string(const std::string& what)> where;
};

} // namespace stacksim::fw
