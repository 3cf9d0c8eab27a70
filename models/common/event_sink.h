// Where models report discrete events (events.jsonl): switch changes, protections, lost nodes...
// The simulation stamps each with the simulated time; models only say who, what and details.
// event_at is for the one case where a model knows its event's instant better than the kernel's
// clock: what a node does on hearing an RS485 frame happens at the frame's end at that node,
// which the chain announces nanoseconds ahead (see rs485_socket.h). t_s is never before now.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace stacksim::models {

class event_sink {
public:
    virtual ~event_sink() = default;
    virtual void event(const std::string& source, const std::string& kind, const nlohmann::json& details) = 0;
    // The same event at t_s (>= now). A sink that keeps no time may ignore t_s, as this one does.
    virtual void event_at(double t_s, const std::string& source, const std::string& kind, const nlohmann::json& details) {
        (void)t_s;
        event(source, kind, details);
    }
};

// Discards everything (benches that don't care).
class null_event_sink : public event_sink {
public:
    void event(const std::string&, const std::string&, const nlohmann::json&) override {}
};

} // namespace stacksim::models
