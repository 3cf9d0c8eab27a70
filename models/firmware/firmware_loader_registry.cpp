#include "firmware/firmware_loader_registry.h"

#include <stdexcept>

#include "firmware/inprocess_firmware.h"
#include "firmware/process_firmware.h"

namespace stacksim::fw {

firmware_loader_registry::firmware_loader_registry() {
    // The built-in table (not static self-registration, which a static library's linker may drop).
    m_factories["process"] = [](const std::string& path, firmware_host& host, const firmware_options& o) {
        return std::make_unique<process_firmware>(path, host, o);
    };
    m_factories["inprocess"] = [](const std::string& path, firmware_host& host, const firmware_options& o) {
        return std::make_unique<inprocess_firmware>(path, host, o);
    };
}

firmware_loader_registry& firmware_loader_registry::instance() {
    static firmware_loader_registry registry;
    return registry;
}

void firmware_loader_registry::add(const std::string& name, factory make) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_factories[name] = std::move(make);
}

std::vector<std::string> firmware_loader_registry::names() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<std::string> n;
    for (const auto& [name, f] : m_factories)
        n.push_back(name);
    return n;
}

bool firmware_loader_registry::has(const std::string& name) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_factories.count(name) != 0;
}

std::unique_ptr<firmware_instance> firmware_loader_registry::load(const std::string& backend, const std::string& path,
                                                                  firmware_host& host,
                                                                  const firmware_options& options) const {
    factory f;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto it = m_factories.find(backend);
        if (it != m_factories.end())
            f = it->second;
    }
    if (!f) {
        std::string known;
        for (const std::string& n : names())
            known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument("firmware isolation '" + backend + "': expected one of " + known);
    }
    return f(path, host, options);
}

} // namespace stacksim::fw
