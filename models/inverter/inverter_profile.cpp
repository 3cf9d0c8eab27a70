#include "inverter/inverter_profile.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace stacksim::models {

using num::field_table;
using num::keys_of;
using num::param_node;

namespace {

// A sourced choice {value: name, source}; recorded.
template <class E, std::size_t N>
E read_choice(const param_node& parent, const char* key, const num::enum_names<E, N>& names) {
    const param_node t = parent.sourced(key);
    t.allow_only({"value", "source"});
    const std::string v = t.at("value").as_choice(names.choices());
    t.record(t.path(), v, t.at("source").as_string());
    return names.parse(v);
}

void read_protocol(const param_node& parent, const char* key, inverter_profile& p) {
    const param_node t = parent.sourced(key);
    t.allow_only({"value", "source"});
    p.protocol = t.at("value").as_choice(inverter_protocol_names());
    t.record(t.path(), p.protocol, t.at("source").as_string());
}

void read_charge_rule(const param_node& n, const char* key, inverter_profile& p) {
    p.charge_rule = read_choice(n, key, limit_rule_names);
}
void read_discharge_rule(const param_node& n, const char* key, inverter_profile& p) {
    p.discharge_rule = read_choice(n, key, limit_rule_names);
}
void read_on_loss(const param_node& n, const char* key, inverter_profile& p) {
    p.on_loss = read_choice(n, key, loss_action_names);
}
void read_speaks_first(const param_node& n, const char* key, inverter_profile& p) {
    p.speaks_first = read_choice(n, key, first_speaker_names);
}

// required_ids: {value: [0x351, ...], source}: 11-bit CAN IDs, at least one, no repeats.
void read_required_ids(const param_node& parent, const char* key, inverter_profile& p) {
    const param_node t = parent.sourced(key);
    t.allow_only({"value", "source"});
    const param_node list = t.at("value");
    if (!list.is_sequence() || list.size() == 0)
        list.fail("a list of at least one 11-bit CAN ID, e.g. [0x351, 0x355]");
    p.required_ids.clear();
    std::ostringstream text;
    text << '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
        const param_node e = list[i];
        const std::string s = e.as_string();
        std::size_t used = 0;
        unsigned long id = 0;
        try {
            id = std::stoul(s, &used, 0);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != s.size() || id > 0x7FF)
            e.fail("an 11-bit CAN ID (0 .. 0x7FF), got " + s);
        if (std::find(p.required_ids.begin(), p.required_ids.end(), id) != p.required_ids.end())
            e.fail("each ID once, " + s + " is listed twice");
        p.required_ids.push_back(static_cast<std::uint32_t>(id));
        text << (i ? ", " : "") << s;
    }
    text << ']';
    t.record(t.path(), text.str(), t.at("source").as_string());
}

} // namespace

std::vector<std::string> inverter_protocol_names() { return {"pylontech", "sma", "victron", "pylontech_rs485"}; }

// ---------------------------------------------------------------- field tables

const field_table<inverter_profile>& inverter_profile::limit_fields() {
    using S = inverter_profile;
    static const field_table<S> t{
        {"charge_rule", &read_charge_rule, "choice", 0, 0, "CCL and charge enable: honour, ignore_zero or floor"},
        {"charge_floor_a", &S::charge_floor_a, "A", 0, 1e4, "floor rule: the charge limit applied is at least this"},
        {"charge_stop_soc_pct", &S::charge_stop_soc_pct, "%", 0, 100,
         "ignore_zero / floor: charging stops at this SoC (0x355)"},
        {"discharge_rule", &read_discharge_rule, "choice", 0, 0, "DCL and discharge enable: honour, ignore_zero or floor"},
        {"discharge_floor_a", &S::discharge_floor_a, "A", 0, 1e4, "floor rule: the discharge limit applied is at least this"},
        {"discharge_stop_soc_pct", &S::discharge_stop_soc_pct, "%", 0, 100,
         "ignore_zero / floor: discharging stops at this SoC (0x355)"},
        {"honours_dvl", &S::honours_dvl, "flag", 0, 1, "discharging stops while the DC voltage is at or below DVL"},
    };
    return t;
}

const field_table<inverter_profile>& inverter_profile::request_fields() {
    using S = inverter_profile;
    static const field_table<S> t{
        {"honours_force_charge", &S::honours_force_charge, "flag", 0, 1, "acts on the 0x35C force-charge I / II bits"},
        {"honours_full_charge", &S::honours_full_charge, "flag", 0, 1, "acts on the 0x35C full-charge request bit"},
    };
    return t;
}

const field_table<inverter_profile>& inverter_profile::supervision_fields() {
    using S = inverter_profile;
    static const field_table<S> t{
        {"heartbeat_period_s", &S::heartbeat_period_s, "s", 1e-3, 60, "its 0x305 (+ 0x306 / 0x307) period"},
        {"battery_timeout_s", &S::battery_timeout_s, "s", 0.1, 3600, "battery silent this long: communication lost"},
        {"on_loss", &read_on_loss, "choice", 0, 0, "on a loss: standby (0 A) or fault (0 A, heartbeat stops)"},
        {"latch", &S::latch, "flag", 0, 1, "the loss state stays until a restart, even when the battery is back"},
    };
    return t;
}

const field_table<inverter_profile>& inverter_profile::handshake_fields() {
    using S = inverter_profile;
    static const field_table<S> t{
        {"speaks_first", &read_speaks_first, "choice", 0, 0, "inverter: heartbeat from start; battery: after its first frame"},
        {"required_ids", &read_required_ids, "CAN ID", 0, 0x7FF, "battery frames required before the DC side closes"},
        {"required_repeats", &S::required_repeats, "count", 1, 100, "... each seen this many times"},
    };
    return t;
}

const field_table<inverter_profile>& inverter_profile::reaction_fields() {
    using S = inverter_profile;
    static const field_table<S> t{
        {"limit_delay_s", &S::limit_delay_s, "s", 0, 60, "a received limit acts this long after its frame (0: at its end)"},
        {"slew_a_per_s", &S::slew_a_per_s, "A/s", 0, 1e6, "set-point slew rate (0: steps at once)"},
    };
    return t;
}

const field_table<inverter_profile>& inverter_profile::rs485_fields() {
    using S = inverter_profile;
    static const field_table<S> t{
        {"poll_period_s", &S::rs485_poll_period_s, "s", 0.05, 60, "pylontech_rs485: one poll of the master (0x92, 0x42) per period"},
        {"response_timeout_s", &S::rs485_response_timeout_s, "s", 1e-3, 10, "... an answer awaited this long"},
        {"retries", &S::rs485_retries, "count", 0, 10, "... retries per request"},
        {"quiet_s", &S::rs485_quiet_s, "s", 0, 1, "... the line quiet this long (no frame heard) before a request"},
        {"status_every", &S::rs485_status_every, "count", 1, 1000, "... the whole-stack 0x42 (SoC) every this many polls"},
    };
    return t;
}

// ---------------------------------------------------------------- reader

inverter_profile read_inverter_profile(const param_node& root) {
    inverter_profile p;
    root.allow_only({"protocol", "limits", "requests", "supervision", "handshake", "reaction", "rs485"});
    read_protocol(root, "protocol", p);
    const std::pair<const char*, const field_table<inverter_profile>*> sections[] = {
        {"limits", &inverter_profile::limit_fields()},          {"requests", &inverter_profile::request_fields()},
        {"supervision", &inverter_profile::supervision_fields()}, {"handshake", &inverter_profile::handshake_fields()},
        {"reaction", &inverter_profile::reaction_fields()},     {"rs485", &inverter_profile::rs485_fields()}};
    for (const auto& [key, table] : sections) {
        const param_node n = root.at(key);
        n.allow_only(keys_of(*table));
        num::read_fields(n, *table, p);
    }
    return p;
}

std::vector<std::string> inverter_profile_names() {
    std::vector<std::string> out;
    const std::filesystem::path dir = std::filesystem::path(STACKSIM_SOURCE_DIR) / "models" / "params" / "inverters";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.path().extension() == ".yaml")
            out.push_back(e.path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string inverter_profile_path(const std::string& name) {
    return std::string(STACKSIM_SOURCE_DIR) + "/models/params/inverters/" + name + ".yaml";
}

inverter_profile load_inverter_profile(const std::string& name) {
    inverter_profile p = read_inverter_profile(param_node::load_file(inverter_profile_path(name)));
    p.name = name;
    return p;
}

std::vector<num::field_info> inverter_profile_fields() {
    std::vector<num::field_info> out;
    out.push_back({"protocol", "choice", "pylontech, sma, victron or pylontech_rs485", "protocol to the battery"});
    num::describe_fields(out, "limits", inverter_profile::limit_fields());
    num::describe_fields(out, "requests", inverter_profile::request_fields());
    num::describe_fields(out, "supervision", inverter_profile::supervision_fields());
    num::describe_fields(out, "handshake", inverter_profile::handshake_fields());
    num::describe_fields(out, "reaction", inverter_profile::reaction_fields());
    num::describe_fields(out, "rs485", inverter_profile::rs485_fields());
    return out;
}

} // namespace stacksim::models
