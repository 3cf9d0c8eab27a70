#include "sim/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "battery/module_params.h"
#include "numeric/cell_params.h"
#include "numeric/csv_series.h"
#include "numeric/number_text.h"
#include "numeric/units.h"
#include "numeric/wiring.h"
#include "stack/rs485_bridge_spec.h"

namespace stacksim::sim {

namespace fs = std::filesystem;
using num::input_error;
using num::param_node;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// YAML 1.2's spellings of positive infinity.
bool is_positive_infinity(const std::string& scalar) {
    return scalar == ".inf" || scalar == ".Inf" || scalar == ".INF" || scalar == "+.inf" || scalar == "+.Inf" ||
           scalar == "+.INF";
}
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

// What reading a scenario builds up, section by section (parse, below, calls the readers in file
// order; a later section may use what an earlier one read).
struct scenario_reading {
    // A constructor, not an aggregate: GCC 12 warned maybe-uninitialized about vectors of the
    // scenario in the aggregate initialisation's cleanup path (a false positive).
    scenario_reading(const param_node& root_, const std::string& file_, const num::input_limits& limits_)
        : root(root_), file(file_), limits(limits_) {}
    const param_node& root;
    const std::string& file;
    const num::input_limits& limits;
    scenario sc;
    std::vector<num::param_override> ov_module, ov_cell, ov_wiring; // parameters: {module, cell, wiring}
    std::vector<num::param_override> ov_inverter;                   // parameters.inverter: the profile file
    models::module_params mp;  // the module parameter file, with its overrides
    std::size_t n_modules = 0;
    std::vector<double> bms_soc; // per module: the SoC its BMS believes at start
    std::vector<num::param_record> module_records; // the module file's values, for the firmware's config()
};

// parameters: overrides of the parameter files' entries (docs/scenarios.md, "parameters").
void read_parameter_overrides(scenario_reading& r) {
    const param_node& root = r.root;
    auto& ov_module = r.ov_module;
    auto& ov_cell = r.ov_cell;
    auto& ov_wiring = r.ov_wiring;
    if (auto pr = root.find("parameters")) {
        pr->allow_only({"module", "cell", "wiring", "inverter"});
        if (auto n = pr->find("module"))
            ov_module = num::collect_overrides(*n);
        if (auto n = pr->find("cell"))
            ov_cell = num::collect_overrides(*n);
        if (auto n = pr->find("wiring"))
            ov_wiring = num::collect_overrides(*n);
        if (auto n = pr->find("inverter"))
            r.ov_inverter = num::collect_overrides(*n);
    }
}

// name, description, seed.
void read_identity(scenario_reading& r, const std::uint64_t* seed_override) {
    const param_node& root = r.root;
    auto& sc = r.sc;
    sc.name = root.at("name").as_string();
    sc.description = root.has("description") ? root.at("description").as_string() : "";
    sc.seed = root.has("seed") ? static_cast<std::uint64_t>(root.at("seed").as_integer(0, static_cast<long long>(seed_max))) : 1;
    if (seed_override) {
        if (*seed_override > seed_max)
            throw std::invalid_argument("seed: expected " + seed_range_text() + ", got " + std::to_string(*seed_override));
        sc.seed = *seed_override;
    }
}

void read_run(scenario_reading& r) {
    const param_node& root = r.root;
    auto& sc = r.sc;
    if (auto rn = root.find("run")) {
        rn->allow_only({"duration_s", "step_s", "max_step_s", "record_every", "record_cells", "vcd", "bus_logs", "hdf5", "realtime",
                        "behind_warn_s", "control"});
        if (rn->has("realtime")) {
            // false | true (= 1) | a factor: simulated seconds per wall second.
            const param_node rt = rn->at("realtime");
            const std::string text = rt.is_scalar() ? rt.yaml().Scalar() : "";
            if (text == "true" || text == "false")
                sc.run.realtime = text == "true" ? 1.0 : 0.0;
            else
                sc.run.realtime = rt.as_number(1e-3, 1e4);
        }
        sc.run.behind_warn_s = rn->number_or("behind_warn_s", sc.run.behind_warn_s, 1e-4, 3600);
        if (rn->has("control"))
            sc.run.control = rn->at("control").as_string();
        if (rn->has("duration_s") && rn->at("duration_s").is_scalar() && is_positive_infinity(rn->at("duration_s").yaml().Scalar())) {
            if (sc.run.realtime <= 0)
                rn->at("duration_s").fail("a finite duration in s ('.inf' runs until Ctrl-C or SIGTERM, in wall-clock mode only: "
                                          "run.realtime or --realtime)");
            sc.run.duration_s = inf;
        } else {
            sc.run.duration_s = rn->number_or("duration_s", sc.run.duration_s, 1e-3, 18e6);
        }
        sc.run.step_s = rn->number_or("step_s", sc.run.step_s, 1e-3, 60);
        if (rn->has("max_step_s")) {
            const param_node ms = rn->at("max_step_s");
            sc.run.max_step_s = ms.as_number(sc.run.step_s, 3600);
            const double n = std::round(sc.run.max_step_s / sc.run.step_s);
            if (std::abs(n * sc.run.step_s - sc.run.max_step_s) > 1e-9 * sc.run.max_step_s)
                ms.fail("a whole multiple of run.step_s (" + num::shortest_text(sc.run.step_s, 9) + " s)");
        }
        if (rn->has("record_every"))
            sc.run.record_every = static_cast<unsigned>(rn->at("record_every").as_integer(1, 1000000));
        if (rn->has("record_cells"))
            sc.run.record_cells = rn->at("record_cells").as_bool();
        if (rn->has("vcd"))
            sc.run.vcd = rn->at("vcd").as_bool();
        if (rn->has("bus_logs"))
            sc.run.bus_logs = rn->at("bus_logs").as_bool();
        if (rn->has("hdf5"))
            sc.run.hdf5 = rn->at("hdf5").as_bool();
    }
}

void read_aging(scenario_reading& r) {
    const param_node& root = r.root;
    auto& sc = r.sc;
    if (auto a = root.find("aging")) {
        // Fast aging: electrical windows, each followed by an aging jump (scenario.h, aging_run).
        a->allow_only({"window_s", "span_days"});
        if (sc.run.realtime > 0)
            a->fail("no aging section in wall-clock mode (run.realtime): fast aging jumps simulated time");
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
}

// stack.module_params: the module file with the scenario's overrides; its stack current caps must
// cover the stack.
void read_module_file(scenario_reading& r, const param_node& st) {
    const auto& limits = r.limits;
    const auto& ov_module = r.ov_module;
    const std::size_t n_modules = r.n_modules;
    const std::string module_file = st.has("module_params") ? resolve_path(st.at("module_params"), r.file)
                                                            : models::default_module_params_path();
    const param_node mroot = param_node::load_file(module_file, limits.yaml());
    num::apply_overrides(mroot, ov_module);
    r.mp = num::read_with_overrides(ov_module, [&] { return models::read_module_params(mroot); });
    for (const auto& rec : mroot.records())
        r.sc.parameters.push_back(rec);
    r.module_records = mroot.records();
    // The master's stack current caps are indexed by the number of modules present; a stack larger
    // than a table covers has no cap of its own, so it is refused here rather than given the last one.
    for (const char* key : {"max_ccl_a_by_count", "max_dcl_a_by_count"}) {
        const auto& table = std::string(key) == "max_ccl_a_by_count" ? r.mp.master.max_ccl_a_by_count
                                                                     : r.mp.master.max_dcl_a_by_count;
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
}

// stack: module count, parameter files, initial states of the plant and of each BMS.
void read_stack(scenario_reading& r) {
    auto& sc = r.sc;
    const auto& limits = r.limits;
    const auto& ov_cell = r.ov_cell;
    const param_node st = r.root.at("stack");
    st.allow_only({"modules", "cell_params", "module_params", "initial_soc_pct", "initial_temp_c", "module",
                   "first_start", "firmware"});
    const auto n_modules = r.n_modules = static_cast<std::size_t>(st.at("modules").as_integer(1, 16));
    const std::string cell_file = st.has("cell_params") ? resolve_path(st.at("cell_params"), r.file)
                                                        : num::default_cell_params_path();
    read_module_file(r, st);
    const auto& mp = r.mp;

    auto& plant = sc.stack.plant;
    plant.n_modules = n_modules;
    plant.cells_per_module = mp.module.cells_in_series;
    {
        const param_node croot = param_node::load_file(cell_file, limits.yaml());
        num::apply_overrides(croot, ov_cell);
        plant.cells = num::read_with_overrides(ov_cell, [&] { return num::read_cell_params(croot); });
    }
    plant.bleed_resistor_ohm = mp.module.bleed_resistor_ohm;
    plant.seed = sc.seed;
    const double soc0 = st.number_or("initial_soc_pct", 50.0, 0, 100) / 100.0;
    const double temp0_c = st.number_or("initial_temp_c", 25.0, -40, 80);
    plant.initial_soc.assign(n_modules, soc0);
    plant.initial_temp_k.assign(n_modules, temp0_c + kelvin_offset);
    auto& bms_soc = r.bms_soc;
    bms_soc.assign(n_modules, soc0);
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
}

void read_environment(scenario_reading& r) {
    auto& sc = r.sc;
    if (auto env = r.root.find("environment")) {
        env->allow_only({"ambient_c"});
        if (env->has("ambient_c"))
            sc.ambient_c = read_profile(env->at("ambient_c"), -50, 80, r.file, r.limits);
    }
    sc.stack.plant.ambient_k = sc.ambient_c.at(0.0) + kelvin_offset;
}

// The wiring parameter file (with its overrides) and the scenario's wiring section.
void read_wiring(scenario_reading& r) {
    auto& sc = r.sc;
    auto& plant = sc.stack.plant;
    {
        const param_node wroot = param_node::load_file(source_dir() + "/models/params/wiring_default.yaml", r.limits.yaml());
        num::apply_overrides(wroot, r.ov_wiring);
        plant.wiring_parameters = num::read_with_overrides(r.ov_wiring, [&] { return num::wiring_params::from(wroot); });
    }
    if (auto w = r.root.find("wiring"))
        plant.wiring = num::wiring_spec::from(*w, r.n_modules);
    else
        plant.wiring.n_modules = r.n_modules;
    for (const auto& rec : plant.cells.records)
        sc.parameters.push_back(rec);
    for (const auto& rec : plant.wiring_parameters.records)
        sc.parameters.push_back(rec);
}

// buses: the scenario's baud and bit rate over the module file's; the RS485 chain.
// can: the host bridge and which node a host device replaces (docs/cosim.md).
void read_can(scenario_reading& r) {
    auto& sc = r.sc;
    if (auto c = r.root.find("can")) {
        c->allow_only({"bridge", "external"});
        if (c->has("bridge"))
            sc.can.bridge = c->at("bridge").as_string();
        if (c->has("external"))
            sc.can.external = c->at("external").as_choice({"none", "inverter", "master"});
        if (sc.can.external != "none" && sc.can.bridge.empty())
            c->at("external").fail("can.bridge too: a host node can only replace '" + sc.can.external +
                                   "' through a bridge");
    }
    const bool host_io = !sc.can.bridge.empty() || !sc.run.control.empty();
    if (host_io && sc.run.realtime <= 0)
        r.root.fail("run.realtime (or --realtime) with can.bridge or run.control: host devices need wall-clock pacing");
}

void read_buses(scenario_reading& r) {
    auto& sc = r.sc;
    const auto& mp = r.mp;
    const std::size_t n_modules = r.n_modules;
    double baud = mp.buses.rs485_baud;
    sc.can_bitrate_bps = mp.buses.can_bitrate_bps;
    if (auto bu = r.root.find("buses")) {
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
    sc.stack.rs485.driver_enable_s = mp.buses.rs485_driver_enable_s;
    sc.stack.rs485.propagation_s_per_m = mp.buses.rs485_propagation_s_per_m;
    sc.stack.rs485.hop_length_m.assign(n_modules > 0 ? n_modules - 1 : 0, mp.buses.rs485_hop_length_m);
    sc.stack.step_s = sc.run.step_s;
    sc.stack.max_step_s = sc.run.max_step_s;
    sc.stack.seed = sc.seed;
}

// rs485: a host program on the chain (models/stack/rs485_bridge_spec.h); buses.rs485_link_length_m
// and buses.rs485_bridge_idle_gap_s of the module file set its cable and its framing.
void read_rs485(scenario_reading& r) {
    auto& st = r.sc.stack;
    st.rs485.lead_length_m = r.mp.buses.rs485_link_length_m;
    st.rs485_bridge_idle_gap_s = r.mp.buses.rs485_bridge_idle_gap_s;
    if (auto rs = r.root.find("rs485")) {
        rs->allow_only({"bridge"});
        if (rs->has("bridge")) {
            const param_node b = rs->at("bridge");
            const std::string text = b.as_string();
            try {
                models::parse_rs485_bridge_spec(text);
            } catch (const std::invalid_argument& e) {
                b.fail(std::string(models::rs485_bridge_spec_syntax) + ", got " + e.what());
            }
            if (r.sc.run.realtime <= 0)
                b.fail("run.realtime (or --realtime) with rs485.bridge: host devices need wall-clock pacing");
            st.rs485_bridge = text;
        }
    }
}

// One battery_module_config per module: addresses in chain order, master first.
void make_modules(scenario_reading& r) {
    auto& sc = r.sc;
    const auto& mp = r.mp;
    const std::size_t n_modules = r.n_modules;
    const auto& plant = sc.stack.plant;
    const auto& bms_soc = r.bms_soc;
    const param_node st = r.root.at("stack");
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
        bm.bq76952 = mp.bq76952; // used by a firmware module
        bm.can.capacity_ah = capacity_ah * static_cast<double>(n_modules);
        for (std::size_t s = 1; s < n_modules; ++s)
            bm.master.sub_addresses.push_back(static_cast<std::uint8_t>(mp.bms.master_address + s));
        sc.stack.modules.push_back(bm);
    }
    if (st.has("first_start") && st.at("first_start").as_bool()) // every module uncalibrated (bms.md)
        for (auto& bm : sc.stack.modules)
            bm.bms.first_start = true;
}

// stack.firmware (docs/firmware.md): which modules run a firmware instead of the builtin BMS, how
// it is loaded, and what its config() answers.
const std::vector<std::string> firmware_keys = {"default", "isolation", "watchdog_s", "i2c_hz", "nv_dir"};

// A module name m<digits> (the per-module keys of stack.firmware).
bool module_key(const std::string& key) {
    return key.size() >= 2 && key[0] == 'm' && key.find_first_not_of("0123456789", 1) == std::string::npos;
}

// builtin, example, or a library path (relative to the scenario, then to the repository): the
// library's path, or "" for the builtin BMS.
std::string firmware_library(const param_node& n, const std::string& scenario_file) {
    const std::string text = n.as_string();
    if (text == "builtin")
        return "";
    if (text == "example") {
#ifdef STACKSIM_EXAMPLE_FW_PATH
        if (fs::exists(STACKSIM_EXAMPLE_FW_PATH))
            return STACKSIM_EXAMPLE_FW_PATH;
        n.fail("builtin, example or a firmware library; the example firmware (" STACKSIM_EXAMPLE_FW_PATH
               ") is not built");
#else
        n.fail("builtin or a firmware library (this build has no example firmware)");
#endif
    }
    if (text.empty())
        n.fail("builtin, example or the path of a firmware library (a shared object)");
    return resolve_path(n, scenario_file);
}

struct firmware_choice {
    std::string path; // "" = builtin
    std::map<std::string, std::string> config;
};

// A module's choice: a name or path, or {path: ..., config: {key: value, ...}}.
firmware_choice read_firmware_choice(const param_node& n, const std::string& scenario_file) {
    firmware_choice c;
    if (!n.is_map()) {
        c.path = firmware_library(n, scenario_file);
        return c;
    }
    n.allow_only({"path", "config"});
    c.path = firmware_library(n.at("path"), scenario_file);
    if (auto cfg = n.find("config")) {
        if (!cfg->is_map())
            cfg->fail("a map of config keys to values (text, numbers, booleans)");
        for (const auto& key : cfg->keys()) {
            const param_node v = cfg->at(key);
            if (!v.is_scalar())
                v.fail("a text, number or boolean value");
            c.config[key] = v.yaml().Scalar();
        }
        if (c.path.empty() && !c.config.empty())
            n.at("path").fail("a firmware library (config goes to a firmware; the builtin BMS takes its parameters "
                              "from the module file), got builtin");
    }
    return c;
}

// What config() answers a firmware: the module's identity, every module parameter as written in
// the module file (protection channels also element by element), then the scenario's entries.
std::map<std::string, std::string> firmware_config_keys(const scenario_reading& r, std::size_t m,
                                                        const models::battery_module_config& bm) {
    std::map<std::string, std::string> keys;
    for (const auto& rec : r.module_records) {
        keys[rec.path] = rec.value;
        // [set, clear, delay_s, clear_delay_s] of bms.protection.<channel>.<level>
        if (rec.path.rfind("bms.protection.", 0) == 0 && rec.value.size() > 2 && rec.value.front() == '[') {
            std::stringstream in(rec.value.substr(1, rec.value.size() - 2));
            std::string item;
            for (const char* name : {"set", "clear", "delay_s", "clear_delay_s"}) {
                if (!std::getline(in, item, ','))
                    break;
                const auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
                keys[rec.path + "." + name] = b == std::string::npos ? item : item.substr(b, e - b + 1);
            }
        }
    }
    // The records abbreviate lists ("[17 values]", "[3 points]"); a firmware needs their values.
    const auto list = [](const std::vector<double>& v) {
        std::ostringstream o;
        o << '[';
        for (std::size_t i = 0; i < v.size(); ++i)
            o << (i ? ", " : "") << v[i];
        o << ']';
        return o.str();
    };
    keys["master.max_ccl_a_by_count"] = list(bm.master.max_ccl_a_by_count);
    keys["master.max_dcl_a_by_count"] = list(bm.master.max_dcl_a_by_count);
    keys["bms.soc.ocv_low.soc"] = list(bm.bms.soc.low_soc);
    keys["bms.soc.ocv_low.value"] = list(bm.bms.soc.low_v);
    keys["bms.soc.ocv_high.soc"] = list(bm.bms.soc.high_soc);
    keys["bms.soc.ocv_high.value"] = list(bm.bms.soc.high_v);
    keys["module.index"] = std::to_string(m);
    keys["module.count"] = std::to_string(r.n_modules);
    keys["module.address"] = std::to_string(bm.bms.address);
    keys["module.master"] = bm.bms.address == bm.bms.master_address ? "1" : "0";
    keys["module.cells"] = std::to_string(r.mp.module.cells_in_series);
    std::ostringstream cap;
    cap << bm.bms.capacity_ah;
    keys["module.capacity_ah"] = cap.str();
    std::ostringstream soc;
    soc << 100.0 * bm.bms.initial_soc;
    keys["module.bms_soc_pct"] = soc.str();
    keys["module.first_start"] = bm.bms.first_start ? "1" : "0";
    return keys;
}

void read_firmware(scenario_reading& r) {
    auto& sc = r.sc;
    const param_node st = r.root.at("stack");
    const auto fw = st.find("firmware");
    if (!fw)
        return;
    if (!fw->is_map())
        fw->fail("a map {default, m0, m1, ..., isolation, watchdog_s, i2c_hz, nv_dir}");
    std::string joined;
    for (const auto& k : firmware_keys)
        joined += (joined.empty() ? "" : ", ") + k;
    for (const auto& key : fw->keys()) {
        if (module_key(key)) {
            if (static_cast<std::size_t>(std::stoul(key.substr(1))) >= r.n_modules)
                throw input_error(fw->file(), fw->at(key).line(), fw->at(key).path(),
                                  "expected a module name m0..m" + std::to_string(r.n_modules - 1));
            continue;
        }
        if (std::find(firmware_keys.begin(), firmware_keys.end(), key) == firmware_keys.end())
            throw input_error(fw->file(), fw->at(key).line(), fw->path() + "." + key,
                              "unknown key, expected one of: " + joined);
    }
    const firmware_choice fallback =
        fw->has("default") ? read_firmware_choice(fw->at("default"), r.file) : firmware_choice{};
    const std::string isolation = fw->has("isolation") ? fw->at("isolation").as_choice({"process", "inprocess"}) : "process";
    const double watchdog_s = fw->number_or("watchdog_s", 2.0, 0.01, 3600);
    double i2c_hz = 400e3;
    if (fw->has("i2c_hz")) {
        const auto v = fw->at("i2c_hz").as_integer(1, 1000000);
        if (v != 100000 && v != 400000)
            fw->at("i2c_hz").fail("100000 or 400000 (standard or fast mode), got " + std::to_string(v));
        i2c_hz = static_cast<double>(v);
    }
    const std::string nv_dir = fw->has("nv_dir") ? fw->at("nv_dir").as_string() : "";
    std::size_t inprocess = 0;
    for (std::size_t m = 0; m < r.n_modules; ++m) {
        const std::string key = "m" + std::to_string(m);
        const firmware_choice c = fw->has(key) ? read_firmware_choice(fw->at(key), r.file) : fallback;
        auto& bm = sc.stack.modules[m];
        bm.firmware = models::firmware_config{};
        if (c.path.empty())
            continue;
        bm.firmware.path = c.path;
        bm.firmware.isolation = isolation;
        bm.firmware.watchdog_s = watchdog_s;
        bm.firmware.i2c_hz = i2c_hz;
        if (!nv_dir.empty())
            bm.firmware.nv_file = (fs::path(nv_dir) / (key + ".nv")).string();
        bm.firmware.config = firmware_config_keys(r, m, bm);
        for (const auto& [k, v] : c.config)
            bm.firmware.config[k] = v;
        inprocess += isolation == "inprocess";
    }
    // glibc has 16 link-map namespaces, the main program's one of them (inprocess_firmware.h).
    if (inprocess > 15)
        fw->at("isolation").fail("process with more than 15 firmware modules (inprocess loads each in a "
                                 "link-map namespace of its own; glibc has 15 to give)");
}

// inverter.battery_side: how the master is configured towards this inverter.
void read_battery_side(const param_node& inv, scenario& sc) {
    if (auto bs = inv.find("battery_side")) { // overrides the module parameters
        bs->allow_only({"message_set", "manufacturer", "heartbeat_timeout_s", "heartbeat_reaction", "identification"});
        for (auto& bm : sc.stack.modules) {
            if (bs->has("message_set")) {
                bm.can.can_message_set = models::can_message_set_named(bs->at("message_set").as_choice(models::can_message_set_names()));
            }
            if (bs->has("manufacturer")) {
                const std::string v = bs->at("manufacturer").as_string();
                if (v.empty() || v.size() > 8)
                    bs->at("manufacturer").fail("1 to 8 ASCII characters (0x35E)");
                bm.can.can_message_set.manufacturer = v;
            }
            bm.can.heartbeat_timeout_s = bs->number_or("heartbeat_timeout_s", bm.can.heartbeat_timeout_s, 0.1, 3600);
            if (bs->has("heartbeat_reaction"))
                bm.can.heartbeat_reaction =
                    models::heartbeat_reaction_named(bs->at("heartbeat_reaction").as_choice({"event", "zero_limits"}));
            if (bs->has("identification"))
                bm.can.identification_once = bs->at("identification").as_choice({"cyclic", "once"}) == "once";
        }
    }
}

// inverter.profile: a shipped profile's name (models/params/inverters/) or a profile file, with
// the scenario's parameters.inverter overrides; its values recorded under "inverter.".
void read_inverter_profile(scenario_reading& r, const param_node& inv) {
    auto& b = r.sc.inverter.behaviour;
    std::string name = "well_behaved";
    std::string path = models::inverter_profile_path(name);
    if (auto p = inv.find("profile")) {
        name = p->as_string();
        const auto shipped = models::inverter_profile_names();
        if (std::find(shipped.begin(), shipped.end(), name) != shipped.end()) {
            path = models::inverter_profile_path(name);
        } else if (name.find('/') != std::string::npos || (name.size() > 5 && name.substr(name.size() - 5) == ".yaml")) {
            path = resolve_path(*p, r.file);
        } else {
            std::string list;
            for (const auto& s : shipped)
                list += (list.empty() ? "" : ", ") + s;
            p->fail("one of " + list + ", or the path of a profile file (.yaml)");
        }
    }
    const param_node root = param_node::load_file(path, r.limits.yaml());
    num::apply_overrides(root, r.ov_inverter);
    b = num::read_with_overrides(r.ov_inverter, [&] { return models::read_inverter_profile(root); });
    b.name = name;
    for (const auto& rec : root.records())
        r.sc.parameters.push_back({"inverter." + rec.path, rec.value, rec.source});
}

void read_inverter(scenario_reading& r) {
    auto& sc = r.sc;
    const std::string& file = r.file;
    const auto& limits = r.limits;
    const param_node inv = r.root.at("inverter");
    inv.allow_only({"profile", "protocol", "battery_power_w", "pv_w", "load_w", "tou_charge_w", "request_charge_w",
                    "grid_import_limit_w", "grid_export_limit_w", "efficiency", "control_period_s", "heartbeat_period_s",
                    "battery_timeout_s", "cv_gain_a_per_v", "battery_side"});
    auto& ic = sc.inverter;
    read_inverter_profile(r, inv);
    auto& b = ic.behaviour;
    // The scenario's protocol and supervision timing override the profile's.
    if (inv.has("protocol"))
        b.protocol = inv.at("protocol").as_choice(models::inverter_protocol_names());
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
    b.heartbeat_period_s = inv.number_or("heartbeat_period_s", b.heartbeat_period_s, 1e-3, 60);
    b.battery_timeout_s = inv.number_or("battery_timeout_s", b.battery_timeout_s, 0.1, 3600);
    ic.cv_gain_a_per_v = inv.number_or("cv_gain_a_per_v", ic.cv_gain_a_per_v, 0.1, 1e4);
    read_battery_side(inv, sc);
    ic.dc_only = sc.can.external == "inverter";
}

// events and expectations (scenario_events.h / expectations.h).
void read_events_and_expectations(scenario_reading& r) {
    auto& sc = r.sc;
    if (auto ev = r.root.find("events")) {
        const auto& afe0 = sc.stack.modules.front().afe;
        sc.events = read_events(*ev, r.n_modules, r.mp.module.cells_in_series, afe0.ntc_sensors(), sc.run.duration_s);
    }
    if (auto ex = r.root.find("expectations"))
        sc.expectations = read_expectations(*ex);
}

scenario parse(const param_node& root, const std::string& file, const std::uint64_t* seed_override,
               const num::input_limits& limits) {
    root.allow_only({"name", "description", "seed", "run", "stack", "wiring", "inverter", "environment", "buses",
                    "rs485", "events", "expectations", "parameters", "aging", "can", "maintenance"});
    scenario_reading r(root, file, limits);
    r.sc.file = file;
    read_parameter_overrides(r);
    read_identity(r, seed_override);
    read_run(r);
    read_aging(r);
    read_stack(r);
    read_environment(r);
    read_wiring(r);
    if (auto m = root.find("maintenance"))
        r.sc.maintenance = maintenance_plan::from(*m, r.sc.stack.plant.wiring_parameters);
    read_buses(r);
    read_can(r);
    read_rs485(r);
    make_modules(r);
    read_firmware(r);
    read_inverter(r);
    read_events_and_expectations(r);
    return std::move(r.sc);
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

std::string scenario_path(const std::string& name) {
    // What the caller named is taken as it is if it exists at all (a device or a FIFO too: the
    // reader's size limit then judges it); library names only ever match regular files.
    std::error_code ec;
    if (!name.empty() && fs::exists(name, ec) && !fs::is_directory(name, ec))
        return name;
    const fs::path scenarios = fs::path(source_dir()) / "scenarios";
    std::vector<std::string> tried;
    if (!name.empty()) {
        tried.push_back(name);
        for (const fs::path& base : {scenarios, scenarios / "library", fs::path(source_dir())})
            for (const std::string& file : {name, name + ".yaml"}) {
                const std::string p = (base / file).lexically_normal().string();
                if (std::find(tried.begin(), tried.end(), p) == tried.end())
                    tried.push_back(p);
            }
    }
    for (const auto& p : tried)
        if (fs::is_regular_file(p, ec))
            return p;
    std::string list;
    for (const auto& p : tried)
        list += (list.empty() ? "" : ", ") + p;
    throw std::invalid_argument("no scenario '" + name + "': looked for " + list + " (library names are listed under " +
                                scenarios.string() + ")");
}

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
