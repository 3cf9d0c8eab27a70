#include "stack/rs485_bridge_spec.h"

#include <stdexcept>

namespace stacksim::models {

namespace {

[[noreturn]] void bad(const std::string& text, const std::string& why) {
    throw std::invalid_argument("'" + text + "': " + why);
}

// [HOST:]PORT with PORT 0..65535; HOST not empty when given ("[V6]" allowed).
bool host_port_ok(const std::string& s) {
    const std::size_t colon = s.rfind(':');
    const std::string port = colon == std::string::npos ? s : s.substr(colon + 1);
    if (colon != std::string::npos) {
        std::string host = s.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        if (host.empty())
            return false;
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return false;
    return std::stoi(port) <= 65535;
}

} // namespace

rs485_bridge_spec parse_rs485_bridge_spec(const std::string& text) {
    rs485_bridge_spec spec;
    spec.stream = text;
    const std::size_t at = text.rfind('@');
    if (at != std::string::npos) {
        spec.stream = text.substr(0, at);
        try {
            spec.position = rs485_bridge_position_names.parse(text.substr(at + 1));
        } catch (const std::invalid_argument& e) {
            bad(text, e.what());
        }
    }
    const std::size_t colon = spec.stream.find(':');
    const std::string scheme = spec.stream.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : spec.stream.substr(colon + 1);
    if (colon == std::string::npos || (scheme != "pty" && scheme != "tcp"))
        bad(text, "unknown stream '" + spec.stream + "', expected pty:PATH or tcp:[HOST:]PORT");
    if (scheme == "pty" && rest.empty())
        bad(text, "no PATH after pty:");
    if (scheme == "tcp" && !host_port_ok(rest))
        bad(text, "bad [HOST:]PORT '" + rest + "' (PORT 0..65535)");
    return spec;
}

} // namespace stacksim::models
