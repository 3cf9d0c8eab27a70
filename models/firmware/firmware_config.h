// How one module's BMS firmware is loaded and what it is told (stack.firmware in the scenario,
// docs/firmware.md). SystemC-free (the scenario reader fills one per module).
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace stacksim::models {

struct firmware_config {
    std::string path;                  // the shared library; empty = the builtin BMS (afe + bms)
    std::string isolation = "process"; // loading backend (fw::firmware_loader_registry): process | inprocess
    double watchdog_s = 2.0;           // wall time the firmware may run without returning or calling the host [assumed]
    double i2c_hz = 400e3;             // SCL rate of the I2C controller: 100 kHz or 400 kHz
    std::string nv_file;               // the NV memory's file; empty = kept in memory only
    std::size_t nv_size = 4096;        // bytes of NV memory [assumed: a small MCU's data flash]
    // What host->config(key) answers: module.*, every module parameter by its path in the module
    // parameter file, and the scenario's per-firmware config entries.
    std::map<std::string, std::string> config;

    bool builtin() const { return path.empty(); }
};

} // namespace stacksim::models
