// CAN endpoint backends by name (can_endpoint.h): "NAME:ARGUMENT" specs go to the factory
// registered under NAME, which gets the whole spec (for its error messages), the argument and the
// simulated bus's bit rate. The built-in backends (socketcand, slcan, socketcan) are in the table
// from the start; add() registers another one (a test double, a new transport) without touching
// the callers, which only know make_can_endpoint.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/can_endpoint.h"

namespace stacksim::host {

class can_endpoint_registry {
public:
    using factory = std::function<std::unique_ptr<can_endpoint>(const std::string& spec, const std::string& argument,
                                                                double bitrate_bps)>;

    static can_endpoint_registry& instance();

    // Replaces a factory of the same name.
    void add(const std::string& name, factory make);
    std::vector<std::string> names() const;
    // Throws std::invalid_argument naming the spec (unknown backend: with the known names).
    std::unique_ptr<can_endpoint> make(const std::string& spec, double bitrate_bps) const;

private:
    can_endpoint_registry();
    mutable std::mutex m_mutex;
    std::map<std::string, factory> m_factories;
};

} // namespace stacksim::host
