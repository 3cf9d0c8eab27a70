#include "sim/control_protocol.h"

namespace stacksim::sim {

namespace {
// A short, printable excerpt of rejected input for messages.
std::string excerpt(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 60)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u >= 0x20 && u < 0x7f) ? c : '?';
    }
    if (s.size() > 60)
        out += "...";
    return out;
}
} // namespace

void control_line_reader::feed(std::string_view bytes, const request_handler& on_request, const error_handler& on_error) {
    for (char c : bytes) {
        if (c == '\n') {
            if (m_skipping)
                m_skipping = false;
            else {
                std::string_view text(m_line);
                if (!text.empty() && text.back() == '\r')
                    text.remove_suffix(1);
                if (!text.empty())
                    line(text, on_request, on_error);
            }
            m_line.clear();
            continue;
        }
        if (m_skipping)
            continue;
        if (m_line.size() >= max_line_bytes) {
            on_error("line longer than " + std::to_string(max_line_bytes) + " bytes (skipped to its end)", nullptr);
            m_line.clear();
            m_skipping = true;
            continue;
        }
        m_line += c;
    }
}

void control_line_reader::line(std::string_view text, const request_handler& on_request, const error_handler& on_error) const {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        on_error("not JSON: " + excerpt(text), nullptr);
        return;
    }
    if (!j.is_object()) {
        on_error(std::string("expected a JSON object, got ") + j.type_name(), nullptr);
        return;
    }
    control_request r;
    if (auto it = j.find("id"); it != j.end()) {
        r.id = *it;
        j.erase(it);
    }
    const bool has_get = j.contains("get");
    const bool has_action = j.contains("action");
    if (has_get == has_action) {
        on_error("expected {\"get\": \"state\"} or an event {\"action\": ...}", r.id);
        return;
    }
    if (has_get) {
        if (j.size() != 1 || !j["get"].is_string() || j["get"].get<std::string>() != "state") {
            on_error("unknown request: expected {\"get\": \"state\"}", r.id);
            return;
        }
        r.what = control_request::kind::state;
    } else {
        if (!j["action"].is_string()) {
            on_error("\"action\" must be a string naming an event", r.id);
            return;
        }
        r.what = control_request::kind::event;
        r.event_json = j.dump();
    }
    on_request(std::move(r));
}

std::string control_error_line(const std::string& reason, const nlohmann::json& id) {
    nlohmann::ordered_json j;
    j["ok"] = false;
    j["error"] = reason;
    if (!id.is_null())
        j["id"] = id;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string control_reply_line(nlohmann::ordered_json reply, const nlohmann::json& id) {
    if (!id.is_null())
        reply["id"] = id;
    return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace stacksim::sim
