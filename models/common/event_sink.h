// Where models report discrete events (events.jsonl): switch changes, protections, lost nodes...
// The simulation stamps each with the simulated time; models only say who, what and details.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace stacksim::models {

class event_sink {
public:
    virtual ~event_sink() = default;
    virtual void event(const std::string& source, const std::string& kind, const nlohmann::json& details) = 0;
};

// Discards everything (benches that don't care).
class null_event_sink : public event_sink {
public:
    void event(const std::string&, const std::string&, const nlohmann::json&) override {}
};

} // namespace stacksim::models
