// The live control port's protocol (docs/cosim.md, "Live control"): JSON lines over TCP.
//
// One request per line (LF, optionally CR LF), at most max_line_bytes; one reply line each:
//   {"get": "state"}             -> {"ok": true, "state": {...}}            (state_snapshot.h)
//   {"action": "...", ...}       a scenario event (docs/scenarios.md, "Events"), applied at the
//                                simulated instant of its arrival (or at its t_s if later)
//                                -> {"ok": true, "t_s": <the instant it applies>}
//   an optional "id" (any JSON value) is echoed in the reply.
// Anything else gets {"ok": false, "error": "<reason>"} (with the id when one could be read):
// not JSON, not an object, neither "get" nor "action", an unknown "get", an oversized line (the
// rest of it up to the next LF is skipped), or an event the scenario reader refuses (its message).
//
// This reader only frames and classifies bytes; it never touches the simulation (no SystemC), so
// it runs on the port's I/O thread and is fuzzed on its own (tests/fuzz/fuzz_control_protocol.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stacksim::sim {

struct control_request {
    enum class kind { state, event };
    kind what = kind::state;
    std::string event_json; // kind::event: the object without "id", as JSON text
    nlohmann::json id;      // null if absent
};

class control_line_reader {
public:
    static constexpr std::size_t max_line_bytes = 64 * 1024;
    using request_handler = std::function<void(control_request)>;
    // A rejected line: the reason, and the id if the line was an object carrying one.
    using error_handler = std::function<void(const std::string& reason, const nlohmann::json& id)>;

    // Bytes in any chunking; complete lines are classified in order.
    void feed(std::string_view bytes, const request_handler& on_request, const error_handler& on_error);
    // Bytes held for an unfinished line.
    std::size_t pending_bytes() const { return m_line.size(); }

private:
    void line(std::string_view text, const request_handler& on_request, const error_handler& on_error) const;
    std::string m_line;
    bool m_skipping = false; // inside an oversized line: drop up to the next LF
};

// {"ok": false, "error": reason[, "id": id]} as one line with its LF.
std::string control_error_line(const std::string& reason, const nlohmann::json& id);
// reply + "id" if not null, as one line with its LF.
std::string control_reply_line(nlohmann::ordered_json reply, const nlohmann::json& id);

} // namespace stacksim::sim
