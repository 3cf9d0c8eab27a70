// Firmware loading backends by name (VCML's recipe, as bus/host/can_endpoint_registry.h): the
// scenario's stack.firmware.isolation names one. Built in: "process" (process_firmware.h, the
// default: each instance in its own child process, crashes and hangs contained) and "inprocess"
// (inprocess_firmware.h: dlmopen per instance, fast, no crash isolation). add() registers
// another (a test double) without touching the callers. SystemC-free.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "firmware/firmware_host.h"
#include "firmware/firmware_instance.h"
#include "firmware/firmware_options.h"

namespace stacksim::fw {

class firmware_loader_registry {
public:
    using factory = std::function<std::unique_ptr<firmware_instance>(const std::string& path, firmware_host& host,
                                                                     const firmware_options& options)>;

    static firmware_loader_registry& instance();

    void add(const std::string& name, factory make); // replaces one of the same name
    std::vector<std::string> names() const;
    bool has(const std::string& name) const;
    // std::invalid_argument for an unknown backend (with the known names); firmware_load_error
    // when the library cannot be loaded.
    std::unique_ptr<firmware_instance> load(const std::string& backend, const std::string& path, firmware_host& host,
                                            const firmware_options& options) const;

private:
    firmware_loader_registry();
    mutable std::mutex m_mutex;
    std::map<std::string, factory> m_factories;
};

} // namespace stacksim::fw
