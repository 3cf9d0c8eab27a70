// Fuzz target: the live control port's line reader (models/sim/control_protocol.h), which runs on
// every byte a control client sends (docs/cosim.md, "Live control").
// Input: the first byte picks a chunk size (1..16 bytes, or all at once), the rest is the stream.
// Invariants:
//  - feed never throws, whatever the bytes and their chunking;
//  - an accepted request is either {"get": "state"} or an event whose JSON text parses back to an
//    object with a string "action" and no "id";
//  - every error reply is one line of JSON: an object with "ok": false and a string "error";
//  - the same bytes fed at once and in chunks give the same requests and errors, in order;
//  - the bytes held for an unfinished line never exceed the line bound.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "sim/control_protocol.h"

using stacksim::sim::control_line_reader;
using stacksim::sim::control_request;

namespace {

std::vector<std::string> feed_all(std::string_view bytes, std::size_t chunk) {
    control_line_reader reader;
    std::vector<std::string> log;
    auto ok = [&](control_request r) {
        if (r.what == control_request::kind::state) {
            FUZZ_CHECK(r.event_json.empty(), "a state request carries no event");
            log.push_back("state " + r.id.dump());
            return;
        }
        const auto j = nlohmann::json::parse(r.event_json, nullptr, false);
        FUZZ_CHECK(!j.is_discarded() && j.is_object(), "an event is a JSON object");
        FUZZ_CHECK(j.contains("action") && j["action"].is_string(), "an event has a string action");
        FUZZ_CHECK(!j.contains("id"), "the id is taken out of the event");
        log.push_back("event " + r.event_json + " " + r.id.dump());
    };
    auto bad = [&](const std::string& reason, const nlohmann::json& id) {
        const std::string line = stacksim::sim::control_error_line(reason, id);
        FUZZ_CHECK(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1, "one line");
        const auto j = nlohmann::json::parse(line, nullptr, false);
        FUZZ_CHECK(!j.is_discarded() && j.is_object() && j["ok"] == false && j["error"].is_string(),
                   "an error reply is {ok: false, error: ...}");
        log.push_back("error " + reason + " " + id.dump());
    };
    for (std::size_t i = 0; i < bytes.size(); i += chunk) {
        reader.feed(bytes.substr(i, chunk), ok, bad);
        FUZZ_CHECK(reader.pending_bytes() <= control_line_reader::max_line_bytes, "bounded line buffer");
    }
    return log;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::size_t chunk = data[0] % 17 == 0 ? size : data[0] % 17;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto whole = feed_all(bytes, bytes.size() + 1);
    const auto chunked = feed_all(bytes, chunk);
    FUZZ_CHECK(whole == chunked, "chunking changes nothing");
    return 0;
}
