#include "sim/scenario.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "numeric/cell_params.h"
#include "numeric/wiring.h"

namespace stacksim::sim {

namespace fs = std::filesystem;
using num::input_error;
using num::param_node;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double kelvin_offset = 273.15;

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
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        YAML::Node next = chain.back()[keys[i]];
        if (!next.IsDefined() || next.IsNull())
            chain.back()[keys[i]] = YAML::Node(YAML::NodeType::Map);
        else if (!next.IsMap())
            throw input_error(file, 0, path, "--set cannot descend into '" + keys[i] + "', which is not a map");
        chain.push_back(chain.back()[keys[i]]);
    }
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

// A profile: a number (constant), or {points: [[t, v], ...], interpolation: linear|step}.
profile read_profile(const param_node& n, double min, double max) {
    if (n.is_scalar())
        return profile::constant(n.as_number(min, max));
    n.allow_only({"points", "interpolation"});
    profile p;
    p.mode = profile::interp::linear;
    if (auto i = n.find("interpolation"))
        p.mode = i->as_choice({"linear", "step"}) == "step" ? profile::interp::step : profile::interp::linear;
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
    return p;
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
                  "ntc_beta_k", "ntc_pullup_ohm", "ntc_adc_bits", "conversion_time_s"});
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

    const param_node b = root.at("bms");
    b.allow_only({"measure_period_s", "response_latency_s", "protection", "limits"});
    auto& bc = mp.bms;
    bc.measure_period_s = b.param("measure_period_s", 1e-4, 60);
    bc.response_latency_s = b.param("response_latency_s", 0, 10);
    const param_node p = b.at("protection");
    p.allow_only({"cell_ov_v", "cell_ov_recover_v", "cell_ov_delay_s", "cell_uv_v", "cell_uv_recover_v",
                  "cell_uv_delay_s", "charge_oc_a", "discharge_oc_a", "oc_delay_s", "oc_recover_s"});
    auto& pc = bc.protection;
    pc.cell_ov_v = p.param("cell_ov_v", 2, 5);
    pc.cell_ov_recover_v = p.param("cell_ov_recover_v", 2, pc.cell_ov_v);
    pc.cell_ov_delay_s = p.param("cell_ov_delay_s", 0, 600);
    pc.cell_uv_v = p.param("cell_uv_v", 1, 4);
    pc.cell_uv_recover_v = p.param("cell_uv_recover_v", pc.cell_uv_v, 4);
    pc.cell_uv_delay_s = p.param("cell_uv_delay_s", 0, 600);
    pc.charge_oc_a = p.param("charge_oc_a", 0, 10000);
    pc.discharge_oc_a = p.param("discharge_oc_a", 0, 10000);
    pc.oc_delay_s = p.param("oc_delay_s", 0, 600);
    pc.oc_recover_s = p.param("oc_recover_s", 0, 3600);
    const param_node l = b.at("limits");
    l.allow_only({"cvl_cell_v", "dvl_cell_v", "ccl_a", "dcl_a", "ccl_taper_start_v", "ccl_taper_end_v",
                  "dcl_taper_start_v", "dcl_taper_end_v"});
    auto& lc = bc.limits;
    lc.cvl_cell_v = l.param("cvl_cell_v", 2, 5);
    lc.dvl_cell_v = l.param("dvl_cell_v", 1, 4);
    lc.ccl_a = l.param("ccl_a", 0, 10000);
    lc.dcl_a = l.param("dcl_a", 0, 10000);
    lc.ccl_taper_start_v = l.param("ccl_taper_start_v", 2, 5);
    lc.ccl_taper_end_v = l.param("ccl_taper_end_v", lc.ccl_taper_start_v, 5);
    lc.dcl_taper_start_v = l.param("dcl_taper_start_v", 1, 5);
    lc.dcl_taper_end_v = l.param("dcl_taper_end_v", 1, lc.dcl_taper_start_v);

    const param_node m = root.at("master");
    m.allow_only({"master_address", "poll_period_s", "response_timeout_s", "retries", "lost_after_misses",
                  "can_period_s", "can_spacing_s", "heartbeat_timeout_s", "max_ccl_a_by_count",
                  "max_dcl_a_by_count"});
    auto& mc = mp.master;
    bc.master_address = static_cast<std::uint8_t>(m.param("master_address", 1, 254));
    mc.poll_period_s = m.param("poll_period_s", 1e-3, 3600);
    mc.response_timeout_s = m.param("response_timeout_s", 1e-4, 60);
    mc.retries = static_cast<unsigned>(m.param("retries", 0, 10));
    mc.lost_after_misses = static_cast<unsigned>(m.param("lost_after_misses", 1, 100));
    mp.can.period_s = m.param("can_period_s", 1e-3, 60);
    mp.can.spacing_s = m.param("can_spacing_s", 0, 1);
    mp.can.heartbeat_timeout_s = m.param("heartbeat_timeout_s", 0.1, 3600);
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

scenario parse(const param_node& root, const std::string& file, const std::uint64_t* seed_override) {
    scenario sc;
    sc.file = file;
    root.allow_only({"name", "description", "seed", "run", "stack", "wiring", "inverter", "environment", "buses"});
    sc.name = root.at("name").as_string();
    sc.description = root.has("description") ? root.at("description").as_string() : "";
    sc.seed = root.has("seed") ? static_cast<std::uint64_t>(root.at("seed").as_integer(0, 1ll << 53)) : 1;
    if (seed_override)
        sc.seed = *seed_override;

    if (auto r = root.find("run")) {
        r->allow_only({"duration_s", "step_s", "record_every", "record_cells"});
        sc.run.duration_s = r->number_or("duration_s", sc.run.duration_s, 1e-3, 18e6);
        sc.run.step_s = r->number_or("step_s", sc.run.step_s, 1e-3, 60);
        if (r->has("record_every"))
            sc.run.record_every = static_cast<unsigned>(r->at("record_every").as_integer(1, 1000000));
        if (r->has("record_cells"))
            sc.run.record_cells = r->at("record_cells").as_bool();
    }

    // --- stack ---
    const param_node st = root.at("stack");
    st.allow_only({"modules", "cell_params", "module_params", "initial_soc_pct", "initial_temp_c", "module"});
    const auto n_modules = static_cast<std::size_t>(st.at("modules").as_integer(1, 16));
    const std::string cell_file = st.has("cell_params") ? resolve_path(st.at("cell_params"), file)
                                                        : num::default_cell_params_path();
    const std::string module_file = st.has("module_params")
                                        ? resolve_path(st.at("module_params"), file)
                                        : source_dir() + "/models/params/module_4k4pro.yaml";
    const param_node mroot = param_node::load_file(module_file);
    const module_params mp = read_module_params(mroot);
    for (const auto& r : mroot.records())
        sc.parameters.push_back(r);

    auto& plant = sc.stack.plant;
    plant.n_modules = n_modules;
    plant.cells_per_module = mp.cells;
    plant.cells = num::load_cell_params(cell_file);
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
            sc.ambient_c = read_profile(env->at("ambient_c"), -50, 80);
    }
    plant.ambient_k = sc.ambient_c.at(0.0) + kelvin_offset;

    // --- wiring ---
    plant.wiring_parameters = num::wiring_params::load_file(source_dir() + "/models/params/wiring_default.yaml");
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
        bm.master = mp.master;
        bm.can = mp.can;
        for (std::size_t s = 1; s < n_modules; ++s)
            bm.master.sub_addresses.push_back(static_cast<std::uint8_t>(mp.bms.master_address + s));
        sc.stack.modules.push_back(bm);
    }

    // --- inverter ---
    const param_node inv = root.at("inverter");
    inv.allow_only({"protocol", "battery_power_w", "control_period_s", "battery_timeout_s"});
    sc.inverter.protocol = inv.has("protocol") ? inv.at("protocol").as_choice({"pylontech", "sma", "victron"})
                                               : "pylontech";
    sc.inverter.battery_power_w = read_profile(inv.at("battery_power_w"), -1e6, 1e6);
    sc.inverter.control_period_s = inv.number_or("control_period_s", 0.1, 1e-3, 10);
    sc.inverter.battery_timeout_s = inv.number_or("battery_timeout_s", 60, 0.1, 3600);
    return sc;
}

scenario load(param_node root, const std::vector<std::string>& set, const std::uint64_t* seed_override) {
    if (!root.is_map())
        root.fail("a scenario (a map with name, stack, inverter, ...)");
    for (const auto& s : set)
        apply_override(root.yaml(), s, root.file());
    return parse(root, root.file(), seed_override);
}

} // namespace

std::string source_dir() { return STACKSIM_SOURCE_DIR; }

scenario load_scenario(const std::string& path, const std::vector<std::string>& set,
                       const std::uint64_t* seed_override) {
    return load(param_node::load_file(path), set, seed_override);
}

scenario load_scenario_text(const std::string& yaml_text, const std::string& name, const std::vector<std::string>& set,
                            const std::uint64_t* seed_override) {
    return load(param_node::load_string(yaml_text, name), set, seed_override);
}

} // namespace stacksim::sim
