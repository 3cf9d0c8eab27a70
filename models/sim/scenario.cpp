#include "sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "numeric/cell_params.h"
#include "numeric/csv_series.h"
#include "numeric/units.h"
#include "numeric/wiring.h"

namespace stacksim::sim {

namespace fs = std::filesystem;
using num::input_error;
using num::param_node;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double kelvin_offset = num::zero_celsius_k;

// --set a.b.c=value: set a scalar (parsed as YAML) at a dotted path, creating maps on the way.
void apply_override(YAML::Node root, const std::string& assignment, const std::string& file) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        throw input_error(file, 0, assignment, "--set expects path=value, e.g. run.duration_s=60");
    const std::string path = assignment.substr(0, eq);
    const std::string text = assignment.substr(eq + 1);
    std::vector<std::string> keys;
    std::stringstream ss(path);
    for (std::string k; std::getline(ss, k, '.');) {
        if (k.empty())
            throw input_error(file, 0, path, "--set path has an empty component");
        keys.push_back(k);
    }
    YAML::Node value;
    try {
        value = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw input_error("--set", 0, path, "value is not valid YAML: " + e.msg);
    }
    num::refuse_duplicate_keys(value, file + " (--set " + path + ")", path, false);
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        YAML::Node next = chain.back()[keys[i]];
        if (!next.IsDefined() || next.IsNull())
            chain.back()[keys[i]] = YAML::Node(YAML::NodeType::Map);
        else if (!next.IsMap())
            throw input_error(file, 0, path, "--set cannot descend into '" + keys[i] + "', which is not a map");
        chain.push_back(chain.back()[keys[i]]);
    }
    value.SetTag(num::set_tag); // came from --set: messages and sources say so instead of a line
    chain.back()[keys.back()] = value;
}

std::string resolve_path(const param_node& n, const std::string& scenario_file) {
    const std::string p = n.as_string();
    if (fs::path(p).is_absolute()) {
        if (!fs::exists(p))
            n.fail("an existing file, '" + p + "' does not exist");
        return p;
    }
    const fs::path beside = fs::path(scenario_file).parent_path() / p;
    if (!scenario_file.empty() && fs::exists(beside))
        return beside.lexically_normal().string();
    const fs::path in_repo = fs::path(source_dir()) / p;
    if (fs::exists(in_repo))
        return in_repo.lexically_normal().string();
    n.fail("an existing file (relative to the scenario or the repository), '" + p + "' does not exist");
}

// A profile: a number (constant), or {points: [[t, v], ...], interpolation: linear|step,
// period_s: P} (repeats every P seconds), or the same with the points from a CSV file:
// {csv: file, column: name, time_column: name (default t_s), interpolation, period_s}
// (csv_series.h; the file resolves like other file references, beside the scenario first).
profile read_profile(const param_node& n, double min, double max, const std::string& scenario_file,
                     const num::input_limits& limits) {
    if (n.is_scalar())
        return profile::constant(n.as_number(min, max));
    const bool from_csv = n.is_map() && n.has("csv");
    if (from_csv)
        n.allow_only({"csv", "column", "time_column", "interpolation", "period_s"});
    else
        n.allow_only({"points", "interpolation", "period_s"});
    profile p;
    p.mode = profile::interp::linear;
    if (auto i = n.find("interpolation"))
        p.mode = i->as_choice({"linear", "step"}) == "step" ? profile::interp::step : profile::interp::linear;
    if (from_csv) {
        num::csv_series_spec spec;
        spec.value_column = n.at("column").as_string();
        if (auto tc = n.find("time_column"))
            spec.time_column = tc->as_string();
        spec.value_min = min;
        spec.value_max = max;
        spec.limit = limits.profile();
        spec.context = "profile " + n.path();
        num::csv_series series = num::read_csv_series_file(resolve_path(n.at("csv"), scenario_file), spec);
        p.t_s = profile::array(std::move(series.t_s));
        p.value = profile::array(std::move(series.value));
    } else {
        const param_node pts = n.at("points");
        if (pts.size() == 0)
            pts.fail("at least one [t_s, value] point");
        for (std::size_t i = 0; i < pts.size(); ++i) {
            const param_node pt = pts[i];
            if (!pt.is_sequence() || pt.size() != 2)
                pt.fail("a point [t_s, value]");
            const double t = pt[0].as_number(0.0, inf);
            if (!p.t_s.empty() && !(t > p.t_s.back()))
                pt[0].fail("a time after the previous point's " + std::to_string(p.t_s.back()) + " s");
            p.t_s.push_back(t);
            p.value.push_back(pt[1].as_number(min, max));
        }
    }
    if (auto per = n.find("period_s")) {
        p.period_s = per->as_number(1e-3, inf);
        if (p.period_s < p.t_s.back())
            per->fail("a period of at least the last point's time " + std::to_string(p.t_s.back()) + " s");
    }
    return p;
}

// CAN link choices.
std::vector<std::string> can_message_set_names() { return {"pylontech_v12", "sma", "sma_victron"}; }
proto::can_message_set can_message_set_named(const std::string& n) {
    if (n == "pylontech_v12")
        return proto::pylon_v12_set();
    proto::can_message_set s = proto::sma_set();
    if (n == "sma_victron") {
        // Victron extras the master can fill: modules present (0x372), installed capacity (0x379).
        s.name = "sma_victron";
        s.messages.push_back({proto::can_id::module_counts, 8});
        s.messages.push_back({proto::can_id::installed_capacity, 8});
    }
    return s;
}
models::heartbeat_reaction heartbeat_reaction_named(const std::string& n) {
    return n == "zero_limits" ? models::heartbeat_reaction::zero_limits : models::heartbeat_reaction::event_only;
}

struct module_params {
    std::size_t cells = 16;
    double bleed_ohm = 33.0;
    models::afe_config afe;
    models::bms_config bms;
    models::stack_master_config master;
    models::can_link_config can;
    double rs485_baud = 9600, rs485_hop_m = 0.5, rs485_de_s = 1e-5, rs485_prop = 5e-9, can_bitrate = 500000;
};

module_params read_module_params(const param_node& root) {
    module_params mp;
    root.allow_only({"module", "afe", "bms", "master", "buses"});
    const param_node mod = root.at("module");
    mod.allow_only({"cells_in_series", "bleed_resistor_ohm"});
    mp.cells = static_cast<std::size_t>(mod.param("cells_in_series", 1, 32));
    mp.bleed_ohm = mod.param("bleed_resistor_ohm", 0.1, 1e6);

    const param_node a = root.at("afe");
    a.allow_only({"cell_lsb_v", "cell_gain_error", "cell_offset_v", "cell_noise_v", "module_lsb_v", "module_noise_v",
                  "current_lsb_a", "current_offset_a", "current_noise_a", "cells_per_ntc", "ntc_r25_ohm",
                  "ntc_beta_k", "ntc_pullup_ohm", "ntc_adc_bits", "conversion_time_s", "sc_threshold_a",
                  "sc_delay_s"});
    auto& ac = mp.afe;
    ac.cells = mp.cells;
    ac.cell_lsb_v = a.param("cell_lsb_v", 1e-7, 0.1);
    ac.cell_gain_error = a.param("cell_gain_error", -0.1, 0.1);
    ac.cell_offset_v = a.param("cell_offset_v", -0.1, 0.1);
    ac.cell_noise_v = a.param("cell_noise_v", 0, 0.1);
    ac.module_lsb_v = a.param("module_lsb_v", 1e-6, 1);
    ac.module_noise_v = a.param("module_noise_v", 0, 1);
    ac.current_lsb_a = a.param("current_lsb_a", 1e-6, 10);
    ac.current_offset_a = a.param("current_offset_a", -100, 100);
    ac.current_noise_a = a.param("current_noise_a", 0, 100);
    ac.cells_per_ntc = static_cast<std::size_t>(a.param("cells_per_ntc", 1, 32));
    ac.ntc_r25_ohm = a.param("ntc_r25_ohm", 1, 1e7);
    ac.ntc_beta_k = a.param("ntc_beta_k", 100, 20000);
    ac.ntc_pullup_ohm = a.param("ntc_pullup_ohm", 1, 1e7);
    ac.ntc_adc_bits = static_cast<unsigned>(a.param("ntc_adc_bits", 8, 24));
    ac.conversion_time_s = a.param("conversion_time_s", 0, 1);
    ac.sc_threshold_a = a.param("sc_threshold_a", 1, 1e5);
    ac.sc_delay_s = a.param("sc_delay_s", 0, 1);

    const param_node b = root.at("bms");
    b.allow_only({"measure_period_s", "response_latency_s", "master_timeout_s", "precharge_time_s", "protection", "limits", "balancing",
                  "soc"});
    if (auto sn = b.find("soc")) {
        auto& scf = mp.bms.soc;
        sn->allow_only({"rest_current_a", "rest_time_s", "ocv_low", "ocv_high", "full_margin_v", "full_tail_current_a",
                        "full_time_s", "min_soh_depth", "uncalibrated_max_soc"});
        scf.rest_current_a = sn->param("rest_current_a", 0, 100);
        scf.rest_time_s = sn->param("rest_time_s", 0, 86400);
        for (const char* key : {"ocv_low", "ocv_high"}) {
            const param_node t = sn->sourced(key);
            t.allow_only({"soc", "value", "source"});
            const auto v = t.at("value").as_axis(1.0, 5.0);
            const auto q = t.at("soc").as_numbers(0.0, 1.0, 2);
            if (q.size() != v.size())
                t.at("soc").fail("as many SoC points as voltages");
            (std::string(key) == "ocv_low" ? scf.low_v : scf.high_v) = v;
            (std::string(key) == "ocv_low" ? scf.low_soc : scf.high_soc) = q;
            t.record(t.path(), "[" + std::to_string(v.size()) + " points]", t.at("source").as_string());
        }
        scf.full_margin_v = sn->param("full_margin_v", 0, 1);
        scf.full_tail_current_a = sn->param("full_tail_current_a", 0, 1000);
        scf.full_time_s = sn->param("full_time_s", 0, 3600);
        scf.min_soh_depth = sn->param("min_soh_depth", 0.01, 1);
        scf.uncalibrated_max_soc = sn->param("uncalibrated_max_soc", 0.5, 1);
    }
    auto& bc = mp.bms;
    bc.measure_period_s = b.param("measure_period_s", 1e-4, 60);
    bc.response_latency_s = b.param("response_latency_s", 0, 10);
    bc.master_timeout_s = b.param("master_timeout_s", 0.1, 3600);
    bc.precharge_time_s = b.param("precharge_time_s", 0.0, 60.0);
    if (auto bal = b.find("balancing")) {
        bal->allow_only({"enabled", "start_v", "delta_v", "max_discharge_a"});
        bc.balancing.enabled = bal->param("enabled", 0, 1) != 0.0;
        bc.balancing.start_v = bal->param("start_v", 2, 4);
        bc.balancing.delta_v = bal->param("delta_v", 1e-4, 1);
        bc.balancing.max_discharge_a = bal->param("max_discharge_a", 0, 1000);
    }
    // bms.protection: per channel, `warning` and `protection` as
    // {value: [set, clear, delay_s, clear_delay_s], source}; plus scalar parameters.
    const param_node p = b.at("protection");
    auto& pc = bc.protection;
    {
        std::vector<std::string> keys{"short_circuit_recover_s", "ntc_min_c",         "ntc_max_c",           "cluster_max_protected",
                                      "oc_lockout_trips",        "oc_lockout_window_s", "oc_lockout_timeout_s"};
        for (std::size_t ch = 0; ch < models::n_prot_channels; ++ch)
            keys.push_back(models::prot_channel_name(static_cast<models::prot_channel>(ch)));
        p.allow_only(keys);
        for (std::size_t ch = 0; ch < models::n_prot_channels; ++ch) {
            const param_node c = p.at(models::prot_channel_name(static_cast<models::prot_channel>(ch)));
            c.allow_only({"warning", "protection"});
            for (const char* level : {"warning", "protection"}) {
                const param_node t = c.sourced(level);
                t.allow_only({"value", "source"});
                const auto v = t.at("value").as_numbers(-1e4, 1e4, 4);
                if (v.size() != 4)
                    t.at("value").fail("[set, clear, delay_s, clear_delay_s]");
                if (v[2] < 0 || v[3] < 0)
                    t.at("value").fail("non-negative delays");
                const bool high = models::prot_channel_high_side(static_cast<models::prot_channel>(ch));
                if (high ? v[1] > v[0] : v[1] < v[0])
                    t.at("value").fail(high ? "clear <= set (hysteresis)" : "clear >= set (hysteresis)");
                auto& lv = std::string(level) == "warning" ? pc.channel[ch].warning : pc.channel[ch].protection;
                lv = {v[0], v[1], v[2], v[3]};
                t.record(t.path(), "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
                                       std::to_string(v[2]) + ", " + std::to_string(v[3]) + "]",
                         t.at("source").as_string());
            }
        }
        pc.short_circuit_recover_s = p.param("short_circuit_recover_s", 0, 3600);
        pc.ntc_min_c = p.param("ntc_min_c", -100, 50);
        pc.ntc_max_c = p.param("ntc_max_c", pc.ntc_min_c, 300);
        pc.cluster_max_protected = static_cast<unsigned>(p.param("cluster_max_protected", 0, 16));
        pc.oc_lockout_trips = static_cast<unsigned>(p.param("oc_lockout_trips", 0, 1000));
        pc.oc_lockout_window_s = p.param("oc_lockout_window_s", 0, 86400);
        pc.oc_lockout_timeout_s = p.param("oc_lockout_timeout_s", 0, 30 * 86400.0);
    }
    const param_node l = b.at("limits");
    l.allow_only({"cvl_cell_v", "dvl_cell_v", "ccl_a", "dcl_a", "ccl_taper_start_v", "ccl_taper_end_v",
                  "dcl_taper_start_v", "dcl_taper_end_v", "ccl_cold_start_c", "ccl_cold_end_c", "ccl_hot_start_c",
                  "ccl_hot_end_c", "dcl_cold_start_c", "dcl_cold_end_c", "dcl_hot_start_c", "dcl_hot_end_c",
                  "ccl_soc_start", "ccl_soc_end", "ccl_soc_floor", "dcl_soc_start", "dcl_soc_end", "dcl_soc_floor"});
    auto& lc = bc.limits;
    lc.cvl_cell_v = l.param("cvl_cell_v", 2, 5);
    lc.dvl_cell_v = l.param("dvl_cell_v", 1, 4);
    lc.ccl_a = l.param("ccl_a", 0, 10000);
    lc.dcl_a = l.param("dcl_a", 0, 10000);
    lc.ccl_taper_start_v = l.param("ccl_taper_start_v", 2, 5);
    lc.ccl_taper_end_v = l.param("ccl_taper_end_v", lc.ccl_taper_start_v, 5);
    lc.dcl_taper_start_v = l.param("dcl_taper_start_v", 1, 5);
    lc.dcl_taper_end_v = l.param("dcl_taper_end_v", 1, lc.dcl_taper_start_v);
    lc.ccl_cold_start_c = l.param("ccl_cold_start_c", -50, 80);
    lc.ccl_cold_end_c = l.param("ccl_cold_end_c", -50, lc.ccl_cold_start_c);
    lc.ccl_hot_start_c = l.param("ccl_hot_start_c", -50, 100);
    lc.ccl_hot_end_c = l.param("ccl_hot_end_c", lc.ccl_hot_start_c, 100);
    lc.dcl_cold_start_c = l.param("dcl_cold_start_c", -50, 80);
    lc.dcl_cold_end_c = l.param("dcl_cold_end_c", -50, lc.dcl_cold_start_c);
    lc.dcl_hot_start_c = l.param("dcl_hot_start_c", -50, 100);
    lc.dcl_hot_end_c = l.param("dcl_hot_end_c", lc.dcl_hot_start_c, 100);
    lc.ccl_soc_start = l.param("ccl_soc_start", 0, 1);
    lc.ccl_soc_end = l.param("ccl_soc_end", lc.ccl_soc_start, 1);
    lc.ccl_soc_floor = l.param("ccl_soc_floor", 0, 1);
    lc.dcl_soc_start = l.param("dcl_soc_start", 0, 1);
    lc.dcl_soc_end = l.param("dcl_soc_end", 0, lc.dcl_soc_start);
    lc.dcl_soc_floor = l.param("dcl_soc_floor", 0, 1);

    const param_node m = root.at("master");
    m.allow_only({"join_window_v", "join_rest_current_a", "join_rest_time_s", "join_max_ah_since_rest", "master_address", "poll_period_s", "response_timeout_s", "retries", "lost_after_misses",
                  "can_period_s", "can_spacing_s", "heartbeat_timeout_s", "max_ccl_a_by_count",
                  "max_dcl_a_by_count", "can_message_set", "can_manufacturer", "heartbeat_reaction",
                  "force_charge_1_on_soc_pct", "force_charge_1_off_soc_pct", "force_charge_2_on_soc_pct",
                  "force_charge_2_off_soc_pct", "full_charge_soc_pct", "full_charge_after_days", "poll_alarms"});
    auto& mc = mp.master;
    bc.master_address = static_cast<std::uint8_t>(m.param("master_address", 1, 254));
    mc.poll_period_s = m.param("poll_period_s", 1e-3, 3600);
    mc.response_timeout_s = m.param("response_timeout_s", 1e-4, 60);
    mc.retries = static_cast<unsigned>(m.param("retries", 0, 10));
    mc.lost_after_misses = static_cast<unsigned>(m.param("lost_after_misses", 1, 100));
    if (m.has("poll_alarms"))
        mc.poll_alarms = m.param("poll_alarms", 0, 1) != 0.0;
    mc.join_window_v = m.param("join_window_v", 0, 100);
    mc.join_rest_current_a = m.param("join_rest_current_a", 0, 1000);
    mc.join_rest_time_s = m.param("join_rest_time_s", 0, 86400);
    mc.join_max_ah_since_rest = m.param("join_max_ah_since_rest", 0, 1000);
    mp.can.period_s = m.param("can_period_s", 1e-3, 60);
    mp.can.spacing_s = m.param("can_spacing_s", 0, 1);
    mp.can.heartbeat_timeout_s = m.param("heartbeat_timeout_s", 0.1, 3600);
    // --- CAN link: message set, heartbeat reaction, 0x35C request flags ---
    auto sourced_choice = [&m](const char* key, const std::vector<std::string>& choices) {
        const param_node t = m.sourced(key);
        t.allow_only({"value", "source"});
        const std::string v = t.at("value").as_choice(choices);
        t.record(t.path(), v, t.at("source").as_string());
        return v;
    };
    if (m.has("can_message_set"))
        mp.can.messages = can_message_set_named(sourced_choice("can_message_set", can_message_set_names()));
    if (m.has("can_manufacturer")) {
        const param_node t = m.sourced("can_manufacturer");
        t.allow_only({"value", "source"});
        const std::string v = t.at("value").as_string();
        if (v.empty() || v.size() > 8)
            t.at("value").fail("1 to 8 ASCII characters (0x35E)");
        mp.can.messages.manufacturer = v;
        t.record(t.path(), v, t.at("source").as_string());
    }
    if (m.has("heartbeat_reaction"))
        mp.can.on_heartbeat_lost = heartbeat_reaction_named(sourced_choice("heartbeat_reaction", {"event", "zero_limits"}));
    if (m.has("force_charge_1_on_soc_pct")) {
        mp.can.force_charge_1_on_pct = m.param("force_charge_1_on_soc_pct", 0, 100);
        mp.can.force_charge_1_off_pct = m.param("force_charge_1_off_soc_pct", mp.can.force_charge_1_on_pct, 100);
        mp.can.force_charge_2_on_pct = m.param("force_charge_2_on_soc_pct", 0, 100);
        mp.can.force_charge_2_off_pct = m.param("force_charge_2_off_soc_pct", mp.can.force_charge_2_on_pct, 100);
        mp.can.full_charge_soc_pct = m.param("full_charge_soc_pct", 0, 100);
        mp.can.full_charge_after_days = m.param("full_charge_after_days", 0, 3650);
    }
    for (const char* key : {"max_ccl_a_by_count", "max_dcl_a_by_count"}) {
        const param_node t = m.sourced(key);
        t.allow_only({"value", "source"});
        const auto v = t.at("value").as_numbers(0, 1e5, 2);
        (std::string(key) == "max_ccl_a_by_count" ? mc.max_ccl_a_by_count : mc.max_dcl_a_by_count) = v;
        t.record(t.path(), "[" + std::to_string(v.size()) + " values]", t.at("source").as_string());
    }

    const param_node bu = root.at("buses");
    bu.allow_only({"rs485_baud", "rs485_hop_length_m", "rs485_driver_enable_s", "rs485_propagation_s_per_m",
                   "can_bitrate_bps"});
    mp.rs485_baud = bu.param("rs485_baud", 300, 4e6);
    mp.rs485_hop_m = bu.param("rs485_hop_length_m", 0, 1200);
    mp.rs485_de_s = bu.param("rs485_driver_enable_s", 0, 0.1);
    mp.rs485_prop = bu.param("rs485_propagation_s_per_m", 0, 1e-6);
    mp.can_bitrate = bu.param("can_bitrate_bps", 1e4, 1e6);
    return mp;
}

scenario parse(const param_node& root, const std::string& file, const std::uint64_t* seed_override,
               const num::input_limits& limits) {
    scenario sc;
    sc.file = file;
    root.allow_only({"name", "description", "seed", "run", "stack", "wiring", "inverter", "environment", "buses",
                    "events", "expectations", "parameters", "aging"});
    // Overrides of the parameter files' entries (docs/scenarios.md, "parameters").
    std::vector<num::param_override> ov_module, ov_cell, ov_wiring;
    if (auto pr = root.find("parameters")) {
        pr->allow_only({"module", "cell", "wiring"});
        if (auto n = pr->find("module"))
            ov_module = num::collect_overrides(*n);
        if (auto n = pr->find("cell"))
            ov_cell = num::collect_overrides(*n);
        if (auto n = pr->find("wiring"))
            ov_wiring = num::collect_overrides(*n);
    }
    sc.name = root.at("name").as_string();
    sc.description = root.has("description") ? root.at("description").as_string() : "";
    sc.seed = root.has("seed") ? static_cast<std::uint64_t>(root.at("seed").as_integer(0, static_cast<long long>(seed_max))) : 1;
    if (seed_override) {
        if (*seed_override > seed_max)
            throw std::invalid_argument("seed: expected " + seed_range_text() + ", got " + std::to_string(*seed_override));
        sc.seed = *seed_override;
    }

    if (auto r = root.find("run")) {
        r->allow_only({"duration_s", "step_s", "record_every", "record_cells", "vcd", "bus_logs", "hdf5"});
        sc.run.duration_s = r->number_or("duration_s", sc.run.duration_s, 1e-3, 18e6);
        sc.run.step_s = r->number_or("step_s", sc.run.step_s, 1e-3, 60);
        if (r->has("record_every"))
            sc.run.record_every = static_cast<unsigned>(r->at("record_every").as_integer(1, 1000000));
        if (r->has("record_cells"))
            sc.run.record_cells = r->at("record_cells").as_bool();
        if (r->has("vcd"))
            sc.run.vcd = r->at("vcd").as_bool();
        if (r->has("bus_logs"))
            sc.run.bus_logs = r->at("bus_logs").as_bool();
        if (r->has("hdf5"))
            sc.run.hdf5 = r->at("hdf5").as_bool();
    }
    if (auto a = root.find("aging")) {
        // Fast aging: electrical windows, each followed by an aging jump (scenario.h, aging_run).
        a->allow_only({"window_s", "span_days"});
        constexpr double day_s = 86400.0;
        auto& ag = sc.aging;
        ag.enabled = true;
        const param_node w = a->at("window_s");
        ag.window_s = w.as_number(sc.run.step_s, sc.run.duration_s);
        const double n = std::round(sc.run.duration_s / ag.window_s);
        if (std::abs(n * ag.window_s - sc.run.duration_s) > 1e-9 * sc.run.duration_s)
            w.fail("a window that divides run.duration_s (" + std::to_string(sc.run.duration_s) + " s) evenly");
        ag.windows = static_cast<std::size_t>(n);
        const param_node sp = a->at("span_days");
        ag.span_s = sp.as_number(sc.run.duration_s / day_s, 36500.0) * day_s;
        ag.jump_s = (ag.span_s - sc.run.duration_s) / static_cast<double>(ag.windows);
    }

    // --- stack ---
    const param_node st = root.at("stack");
    st.allow_only({"modules", "cell_params", "module_params", "initial_soc_pct", "initial_temp_c", "module",
                   "first_start"});
    const auto n_modules = static_cast<std::size_t>(st.at("modules").as_integer(1, 16));
    const std::string cell_file = st.has("cell_params") ? resolve_path(st.at("cell_params"), file)
                                                        : num::default_cell_params_path();
    const std::string module_file = st.has("module_params")
                                        ? resolve_path(st.at("module_params"), file)
                                        : source_dir() + "/models/params/module_4k4pro.yaml";
    const param_node mroot = param_node::load_file(module_file, limits.yaml());
    num::apply_overrides(mroot, ov_module);
    const module_params mp = num::read_with_overrides(ov_module, [&] { return read_module_params(mroot); });
    for (const auto& r : mroot.records())
        sc.parameters.push_back(r);
    // The master's stack current caps are indexed by the number of modules present; a stack larger
    // than a table covers has no cap of its own, so it is refused here rather than given the last one.
    for (const char* key : {"max_ccl_a_by_count", "max_dcl_a_by_count"}) {
        const auto& table = std::string(key) == "max_ccl_a_by_count" ? mp.master.max_ccl_a_by_count
                                                                     : mp.master.max_dcl_a_by_count;
        const std::size_t covered = table.size() - 1; // index 0 = no module
        if (n_modules <= covered)
            continue;
        const std::string target = std::string("master.") + key;
        std::string where = module_file + ":" + std::to_string(mroot.at("master").at(key).line());
        for (const auto& o : ov_module)
            if (o.target() == target)
                where = o.file + ":" + std::to_string(o.line);
        st.at("modules").fail("an integer in [1, " + std::to_string(covered) + "] (the stack current caps " +
                              target + " at " + where + " cover 1.." + std::to_string(covered) +
                              " modules), got " + std::to_string(n_modules));
    }

    auto& plant = sc.stack.plant;
    plant.n_modules = n_modules;
    plant.cells_per_module = mp.cells;
    {
        const param_node croot = param_node::load_file(cell_file, limits.yaml());
        num::apply_overrides(croot, ov_cell);
        plant.cells = num::read_with_overrides(ov_cell, [&] { return num::read_cell_params(croot); });
    }
    plant.bleed_resistor_ohm = mp.bleed_ohm;
    plant.seed = sc.seed;
    const double soc0 = st.number_or("initial_soc_pct", 50.0, 0, 100) / 100.0;
    const double temp0_c = st.number_or("initial_temp_c", 25.0, -40, 80);
    plant.initial_soc.assign(n_modules, soc0);
    plant.initial_temp_k.assign(n_modules, temp0_c + kelvin_offset);
    std::vector<double> bms_soc(n_modules, soc0);
    if (auto per = st.find("module")) {
        for (const auto& key : per->keys()) {
            const param_node mnode = per->at(key);
            std::size_t m = n_modules;
            if (key.size() >= 2 && key[0] == 'm' && key.find_first_not_of("0123456789", 1) == std::string::npos)
                m = static_cast<std::size_t>(std::stoul(key.substr(1)));
            if (m >= n_modules)
                throw input_error(per->file(), mnode.line(), mnode.path(),
                                  "expected a module name m0..m" + std::to_string(n_modules - 1));
            mnode.allow_only({"initial_soc_pct", "initial_temp_c", "bms_soc_pct"});
            if (mnode.has("initial_soc_pct")) {
                plant.initial_soc[m] = mnode.at("initial_soc_pct").as_number(0, 100) / 100.0;
                bms_soc[m] = plant.initial_soc[m];
            }
            if (mnode.has("initial_temp_c"))
                plant.initial_temp_k[m] = mnode.at("initial_temp_c").as_number(-40, 80) + kelvin_offset;
            if (mnode.has("bms_soc_pct"))
                bms_soc[m] = mnode.at("bms_soc_pct").as_number(0, 100) / 100.0;
        }
    }

    // --- environment ---
    if (auto env = root.find("environment")) {
        env->allow_only({"ambient_c"});
        if (env->has("ambient_c"))
            sc.ambient_c = read_profile(env->at("ambient_c"), -50, 80, file, limits);
    }
    plant.ambient_k = sc.ambient_c.at(0.0) + kelvin_offset;

    // --- wiring ---
    {
        const param_node wroot = param_node::load_file(source_dir() + "/models/params/wiring_default.yaml", limits.yaml());
        num::apply_overrides(wroot, ov_wiring);
        plant.wiring_parameters = num::read_with_overrides(ov_wiring, [&] { return num::wiring_params::from(wroot); });
    }
    if (auto w = root.find("wiring"))
        plant.wiring = num::wiring_spec::from(*w, n_modules);
    else
        plant.wiring.n_modules = n_modules;
    for (const auto& r : plant.cells.records)
        sc.parameters.push_back(r);
    for (const auto& r : plant.wiring_parameters.records)
        sc.parameters.push_back(r);

    // --- buses ---
    double baud = mp.rs485_baud;
    sc.can_bitrate_bps = mp.can_bitrate;
    if (auto bu = root.find("buses")) {
        bu->allow_only({"rs485_baud", "can_bitrate_bps"});
        if (bu->has("rs485_baud"))
            baud = static_cast<double>(bu->at("rs485_baud").as_integer(300, 4000000));
        if (bu->has("can_bitrate_bps")) {
            const param_node b = bu->at("can_bitrate_bps");
            const auto v = b.as_integer(1, 1000000);
            if (v != 125000 && v != 250000 && v != 500000 && v != 1000000)
                b.fail("one of 125000, 250000, 500000, 1000000, got " + std::to_string(v));
            sc.can_bitrate_bps = static_cast<double>(v);
        }
    }
    sc.stack.rs485.format = proto::uart_format{static_cast<std::uint32_t>(baud), 8, 'N', 1};
    sc.stack.rs485.driver_enable_s = mp.rs485_de_s;
    sc.stack.rs485.propagation_s_per_m = mp.rs485_prop;
    sc.stack.rs485.hop_length_m.assign(n_modules > 0 ? n_modules - 1 : 0, mp.rs485_hop_m);
    sc.stack.step_s = sc.run.step_s;
    sc.stack.seed = sc.seed;

    // --- modules: addresses in chain order, master first ---
    const double capacity_ah = plant.cells.capacity_ah;
    for (std::size_t m = 0; m < n_modules; ++m) {
        models::battery_module_config bm;
        bm.afe = mp.afe;
        bm.afe.seed = sc.seed * 1000003u + m;
        bm.bms = mp.bms;
        bm.bms.address = static_cast<std::uint8_t>(mp.bms.master_address + m);
        bm.bms.capacity_ah = capacity_ah;
        bm.bms.initial_soc = bms_soc[m];
        bm.bms.wait_for_join = m > 0; // subs wait for the master's join command (start-up sequencing)
        bm.master = mp.master;
        bm.can = mp.can;
        bm.can.capacity_ah = capacity_ah * static_cast<double>(n_modules);
        for (std::size_t s = 1; s < n_modules; ++s)
            bm.master.sub_addresses.push_back(static_cast<std::uint8_t>(mp.bms.master_address + s));
        sc.stack.modules.push_back(bm);
    }
    if (st.has("first_start") && st.at("first_start").as_bool()) // every module uncalibrated (bms.md)
        for (auto& bm : sc.stack.modules)
            bm.bms.first_start = true;

    // --- inverter ---
    const param_node inv = root.at("inverter");
    inv.allow_only({"protocol", "battery_power_w", "pv_w", "load_w", "tou_charge_w", "request_charge_w", "grid_import_limit_w",
                    "grid_export_limit_w", "efficiency", "control_period_s", "heartbeat_period_s",
                    "battery_timeout_s", "cv_gain_a_per_v", "battery_side"});
    auto& ic = sc.inverter;
    ic.protocol = inv.has("protocol") ? inv.at("protocol").as_choice({"pylontech", "sma", "victron"}) : "pylontech";
    const bool site = inv.has("pv_w") || inv.has("load_w") || inv.has("tou_charge_w") || inv.has("request_charge_w");
    if (inv.has("battery_power_w") == site)
        inv.fail("either battery_power_w (DC battery power) or the site profiles pv_w / load_w / tou_charge_w / request_charge_w");
    if (!site)
        ic.battery_power_w = read_profile(inv.at("battery_power_w"), -1e6, 1e6, file, limits);
    if (inv.has("pv_w"))
        ic.pv_w = read_profile(inv.at("pv_w"), 0, 1e6, file, limits);
    if (inv.has("load_w"))
        ic.load_w = read_profile(inv.at("load_w"), 0, 1e6, file, limits);
    if (inv.has("tou_charge_w"))
        ic.tou_charge_w = read_profile(inv.at("tou_charge_w"), 0, 1e6, file, limits);
    ic.request_charge_w = inv.number_or("request_charge_w", 0.0, 0, 1e6);
    ic.grid_import_limit_w = inv.number_or("grid_import_limit_w", inf, 0, inf);
    ic.grid_export_limit_w = inv.number_or("grid_export_limit_w", inf, 0, inf);
    if (inv.has("efficiency")) {
        // {power_w: [...], efficiency: [...], source: "..."}: DC efficiency vs |AC power|.
        const param_node e = inv.sourced("efficiency");
        e.allow_only({"power_w", "efficiency", "source"});
        ic.efficiency_power_w = e.at("power_w").as_axis(0, 1e6, 1);
        ic.efficiency = e.at("efficiency").as_numbers(0.5, 1.0, 1);
        if (ic.efficiency.size() != ic.efficiency_power_w.size())
            e.at("efficiency").fail(std::to_string(ic.efficiency_power_w.size()) + " values, one per power_w");
    }
    ic.control_period_s = inv.number_or("control_period_s", 0.1, 1e-3, 10);
    ic.heartbeat_period_s = inv.number_or("heartbeat_period_s", 1.0, 1e-3, 60);
    ic.battery_timeout_s = inv.number_or("battery_timeout_s", 60, 0.1, 3600);
    ic.cv_gain_a_per_v = inv.number_or("cv_gain_a_per_v", ic.cv_gain_a_per_v, 0.1, 1e4);
    if (auto bs = inv.find("battery_side")) {
        // How the master is configured towards this inverter (overrides the module parameters).
        bs->allow_only({"message_set", "manufacturer", "heartbeat_timeout_s", "heartbeat_reaction"});
        for (auto& bm : sc.stack.modules) {
            if (bs->has("message_set")) {
                bm.can.messages = can_message_set_named(bs->at("message_set").as_choice(can_message_set_names()));
            }
            if (bs->has("manufacturer")) {
                const std::string v = bs->at("manufacturer").as_string();
                if (v.empty() || v.size() > 8)
                    bs->at("manufacturer").fail("1 to 8 ASCII characters (0x35E)");
                bm.can.messages.manufacturer = v;
            }
            bm.can.heartbeat_timeout_s = bs->number_or("heartbeat_timeout_s", bm.can.heartbeat_timeout_s, 0.1, 3600);
            if (bs->has("heartbeat_reaction"))
                bm.can.on_heartbeat_lost =
                    heartbeat_reaction_named(bs->at("heartbeat_reaction").as_choice({"event", "zero_limits"}));
        }
    }
    // --- events and expectations (scenario_events.h / expectations.h) ---
    if (auto ev = root.find("events")) {
        const auto& afe0 = sc.stack.modules.front().afe;
        sc.events = read_events(*ev, n_modules, mp.cells, afe0.ntc_sensors(), sc.run.duration_s);
    }
    if (auto ex = root.find("expectations"))
        sc.expectations = read_expectations(*ex);
    return sc;
}

scenario load(param_node root, const std::vector<std::string>& set, const std::uint64_t* seed_override,
              const num::input_limits& limits) {
    if (!root.is_map())
        root.fail("a scenario (a map with name, stack, inverter, ...)");
    std::vector<std::string> set_paths;
    for (const auto& s : set) {
        // In order: a later --set of a path replaces an earlier one, as options on a command line
        // do (scripts put their defaults first and the caller's choices after them).
        apply_override(root.yaml(), s, root.file());
        set_paths.push_back(s.substr(0, s.find('=')));
    }
    try {
        return parse(root, root.file(), seed_override, limits);
    } catch (const input_error& e) {
        // A value that came from --set has no line in the file: say so instead of a line number.
        for (const auto& p : set_paths) {
            if (e.file() == root.file() && num::key_within(e.key(), p))
                throw input_error(root.file() + " (--set " + p + ")", 0, e.key(), e.message());
        }
        throw;
    }
}

} // namespace

std::string source_dir() { return STACKSIM_SOURCE_DIR; }

std::string seed_range_text() { return "an integer in [0, " + std::to_string(seed_max) + "]"; }

std::uint64_t parse_seed(const std::string& text) {
    // Digits only: no sign, no blanks, no exponent (strtoull would wrap "-3" to 2^64 - 3).
    const bool digits = !text.empty() && text.size() <= 16 &&
                        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    const std::uint64_t v = digits ? std::stoull(text) : 0;
    if (!digits || v > seed_max)
        throw std::invalid_argument("expected " + seed_range_text() + ", got " + text);
    return v;
}

scenario load_scenario(const std::string& path, const std::vector<std::string>& set,
                       const std::uint64_t* seed_override, const num::input_limits& limits) {
    return load(param_node::load_file(path, limits.yaml()), set, seed_override, limits);
}

scenario load_scenario_text(const std::string& yaml_text, const std::string& name, const std::vector<std::string>& set,
                            const std::uint64_t* seed_override, const num::input_limits& limits) {
    return load(param_node::load_string(yaml_text, name, limits.yaml()), set, seed_override, limits);
}

} // namespace stacksim::sim
