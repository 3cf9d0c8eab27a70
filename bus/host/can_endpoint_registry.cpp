#include "host/can_endpoint_registry.h"

#include <stdexcept>

#include "host/slcan_endpoint.h"
#include "host/socketcan_endpoint.h"
#include "host/socketcand_endpoint.h"

namespace stacksim::host {

can_endpoint_registry::can_endpoint_registry() {
    // The built-in table (not static self-registration, which a static library's linker may drop).
    m_factories["socketcand"] = [](const std::string& spec, const std::string& arg, double) {
        return make_socketcand_endpoint(spec, arg);
    };
    m_factories["slcan"] = [](const std::string& spec, const std::string& arg, double bitrate_bps) {
        return make_slcan_endpoint(spec, arg, bitrate_bps);
    };
    m_factories["socketcan"] = [](const std::string& spec, const std::string& arg, double) {
        return make_socketcan_endpoint(spec, arg);
    };
}

can_endpoint_registry& can_endpoint_registry::instance() {
    static can_endpoint_registry registry;
    return registry;
}

void can_endpoint_registry::add(const std::string& name, factory make) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_factories[name] = std::move(make);
}

std::vector<std::string> can_endpoint_registry::names() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<std::string> n;
    for (const auto& [name, f] : m_factories)
        n.push_back(name);
    return n;
}

std::unique_ptr<can_endpoint> can_endpoint_registry::make(const std::string& spec, double bitrate_bps) const {
    const std::size_t colon = spec.find(':');
    const std::string name = spec.substr(0, colon);
    factory f;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto it = m_factories.find(name);
        if (it != m_factories.end())
            f = it->second;
    }
    if (!f || colon == std::string::npos || colon + 1 == spec.size()) {
        std::string known;
        for (const std::string& n : names())
            known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument(spec + ": expected BACKEND:ARGUMENT with BACKEND one of " + known +
                                    " (socketcand[:HOST]:PORT, slcan:PATH, socketcan:IFNAME)");
    }
    return f(spec, spec.substr(colon + 1), bitrate_bps);
}

std::unique_ptr<can_endpoint> make_can_endpoint(const std::string& spec, double bitrate_bps) {
    return can_endpoint_registry::instance().make(spec, bitrate_bps);
}

} // namespace stacksim::host
