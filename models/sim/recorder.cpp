#include "sim/recorder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "sim/system.h"
#include "tlm/sim_time.h"
#include "numeric/units.h"
#include "perf/perf_registry.h"

namespace stacksim::sim {

namespace {

constexpr double kelvin_offset = num::zero_celsius_k;
constexpr double missing = std::numeric_limits<double>::quiet_NaN(); // a value that does not exist yet

std::string two_digits(std::size_t i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02zu", i);
    return buf;
}

} // namespace

double module_mean(const num::stack_plant& plant, const Eigen::ArrayXd& per_cell, std::size_t m) {
    const auto n = static_cast<Eigen::Index>(plant.cells_per_module());
    return per_cell.segment(static_cast<Eigen::Index>(plant.cell_index(m, 0)), n).mean();
}

recorder::recorder(system& top, const run_config& run) : m_top(top), m_run(run) {
    add_stack_columns(top);
    add_module_columns(top);
    add_network_columns(top);
    m_data.assign(m_columns.size(), {});
    m_keep.assign(m_columns.size(), false);
    m_row.assign(m_columns.size(), 0.0);
}

recorder::~recorder() = default;

namespace {

// The present simulated time in VCD units (1 ps), exactly: the kernel's time as an integer
// count of its resolution.
std::uint64_t now_ps() {
    const double res_ps = sc_core::sc_get_time_resolution().to_seconds() * 1e12;
    const std::uint64_t ticks = sc_core::sc_time_stamp().value();
    if (res_ps >= 1.0)
        return ticks * static_cast<std::uint64_t>(std::llround(res_ps));
    return ticks / static_cast<std::uint64_t>(std::llround(1.0 / res_ps));
}

} // namespace

void recorder::add(std::string name, std::function<double()> get) {
    m_singles.push_back({m_columns.size(), std::move(get)});
    m_columns.push_back(std::move(name));
}

void recorder::add_block(std::vector<std::string> names, std::function<void(double*)> fill) {
    m_blocks.push_back({m_columns.size(), std::move(fill)});
    for (std::string& n : names)
        m_columns.push_back(std::move(n));
}

// A value that comes from a message or a measurement is missing (NaN: an empty CSV field) until
// that message or measurement exists (docs/outputs.md, "Missing values"): the master's stack view
// until its first CAN cycle, what the inverter decoded from 0x351 until the first 0x351, a BMS's
// report until its first measurement. Truth (plant) and state columns have a value from t = 0.
void recorder::add_stack_columns(system& top) {
    models::stack& st = top.battery();
    num::stack_plant& plant = st.plant();
    models::inverter& inv = top.inverter();
    // The master's view of the stack, group by group (module_bms_view.h): the builtin master
    // has all from its first CAN cycle, a firmware those it has published.
    const models::module_bms_view& master = st.module(0).bms_view();
    using group = models::aggregate_group;
    auto from_master = [&master](group g, auto get) {
        return [&master, g, get] {
            const models::stack_aggregate* a = master.aggregate();
            return a && master.aggregated(g) ? static_cast<double>(get(*a)) : missing;
        };
    };
    auto from_0x351 = [&inv](auto get) {
        return [&inv, get] { return inv.view().limits_valid ? get(inv.view()) : missing; };
    };
    // Always present (docs/outputs.md).
    add("stack.voltage_v", [&plant] { return plant.module_voltage_v(0); });
    add("stack.soc_pct", from_master(group::soc, [](const models::stack_aggregate& a) { return a.soc_pct; }));
    for (std::size_t m = 0; m < plant.n_modules(); ++m)
        add("stack.m" + std::to_string(m) + ".current_a", [&plant, m] { return plant.module_current_a(m); });
    add("inverter.battery_current_a", [&plant] { return plant.port_current_a(); });
    // Stack as reported by the master, and the truth.
    add("stack.current_a", from_master(group::measured, [](const models::stack_aggregate& a) { return a.current_a; }));
    add("stack.cvl_v", from_master(group::limits, [](const models::stack_aggregate& a) { return a.cvl_v; }));
    add("stack.ccl_a", from_master(group::limits, [](const models::stack_aggregate& a) { return a.ccl_a; }));
    add("stack.dcl_a", from_master(group::limits, [](const models::stack_aggregate& a) { return a.dcl_a; }));
    add("stack.modules_present", from_master(group::present, [](const models::stack_aggregate& a) { return a.modules_present; }));
    add("stack.true_soc_pct", [&plant] { return 100.0 * plant.stack_soc(); });
    add("inverter.dc_voltage_v", [&plant] { return plant.port_voltage_v(); });
    add("inverter.dc_power_w", [&plant] { return plant.port_voltage_v() * plant.port_current_a(); });
    add("inverter.command_a", [&inv] { return inv.command_a(); });
    add("inverter.ccl_a", from_0x351([](const models::inverter_view& v) { return v.ccl_a; }));
    add("inverter.dcl_a", from_0x351([](const models::inverter_view& v) { return v.dcl_a; }));
    add("inverter.cvl_v", from_0x351([](const models::inverter_view& v) { return v.cvl_v; }));
    // CAN link and inverter state (docs/outputs.md).
    add("inverter.standby", [&inv] { return inv.standby() ? 1.0 : 0.0; });
    add("inverter.in_cv", [&inv] { return inv.in_cv() ? 1.0 : 0.0; });
    add("inverter.ac_power_w", [&inv] { return inv.ac_power_w(); });
    add("inverter.grid_power_w", [&inv] { return inv.grid_power_w(); });
    add("stack.heartbeat_lost", [&master] {
        const auto lost = master.heartbeat_lost();
        return lost ? (*lost ? 1.0 : 0.0) : missing;
    });
    add("stack.first_start_hold",
        from_master(group::first_start, [](const models::stack_aggregate& a) { return a.first_start_hold ? 1.0 : 0.0; }));
}

void recorder::add_module_columns(system& top) {
    models::stack& st = top.battery();
    num::stack_plant& plant = st.plant();
    for (std::size_t m = 0; m < plant.n_modules(); ++m) {
        const std::string p = "stack.m" + std::to_string(m);
        const models::module_bms_view& b = st.module(m).bms_view();
        using rgroup = models::report_group;
        auto from_bms = [&b](rgroup g, auto get) {
            return [&b, g, get] { return b.reported(g) ? static_cast<double>(get(b.report())) : missing; };
        };
        using report = models::module_report;
        add(p + ".voltage_v", [&plant, m] { return plant.module_voltage_v(m); });
        add(p + ".soc_pct", from_bms(rgroup::soc, [](const report& r) { return 100.0 * r.soc; }));
        add(p + ".true_soc_pct", [&plant, m] { return 100.0 * plant.module_soc(m); });
        add(p + ".switch_closed", [&plant, m] { return plant.switch_closed(m) ? 1.0 : 0.0; });
        add(p + ".fuse_blown", [&plant, m] { return plant.fuse_blown(m) ? 1.0 : 0.0; });
        add(p + ".fuse_damage", [&plant, m] { return plant.fuse_damage(m); });
        add(p + ".ccl_a", from_bms(rgroup::limits, [](const report& r) { return r.ccl_a; }));
        add(p + ".dcl_a", from_bms(rgroup::limits, [](const report& r) { return r.dcl_a; }));
        // BMS state: protection/warning bits (bit k = channel k of docs/models/bms.md,
        // bit 12 = short circuit), bleed switches, SoH.
        add(p + ".protection_bits", from_bms(rgroup::protection, [](const report& r) { return r.protection_bits; }));
        add(p + ".warning_bits", from_bms(rgroup::protection, [](const report& r) { return r.warning_bits; }));
        add(p + ".balance_mask", from_bms(rgroup::balance, [](const report& r) { return r.balance_mask; }));
        add(p + ".soh_pct", from_bms(rgroup::soh, [](const report& r) { return 100.0 * r.soh; }));
        // The cells' true state of health (aging, docs/models/cell.md): mean relative capacity
        // and resistance of the module's cells.
        add(p + ".capacity_pct", [&plant, m] { return 100.0 * module_mean(plant, plant.cells().soh(), m); });
        add(p + ".resistance_pct",
            [&plant, m] { return 100.0 * module_mean(plant, plant.cells().resistance_factor(), m); });
        if (!m_run.record_cells)
            continue;
        // The module's cells in one block: voltage, SoC and temperature of each, read from the
        // plant's cell arrays in one call per row.
        std::vector<std::string> names;
        for (std::size_t k = 0; k < plant.cells_per_module(); ++k) {
            const std::string c = p + ".cell" + two_digits(k);
            names.push_back(c + ".voltage_v");
            names.push_back(c + ".soc_pct");
            names.push_back(c + ".temp_c");
        }
        add_block(std::move(names), [&plant, m](double* out) {
            const num::cell_array& cells = plant.cells();
            const auto n = static_cast<Eigen::Index>(plant.cells_per_module());
            const auto first = static_cast<Eigen::Index>(plant.cell_index(m, 0));
            for (Eigen::Index k = 0; k < n; ++k) {
                out[3 * k] = cells.voltage_v()[first + k];
                out[3 * k + 1] = 100.0 * cells.soc()[first + k];
                out[3 * k + 2] = cells.temp_k()[first + k] - kelvin_offset;
            }
        });
    }
}

// Power network: each cable and contact (current, loss, temperature), module shares, imbalance.
void recorder::add_network_columns(system& top) {
    num::stack_plant& plant = top.battery().plant();
    const num::stack_network& pn = plant.power_network();
    // Extremes for the summary start from the initial state, so a run that never stepped
    // still has one value per branch.
    const auto& t0 = pn.thermal().temp_k();
    m_max_branch_temp_k.assign(t0.data(), t0.data() + t0.size());
    for (std::size_t k = 0; k < pn.cables().size(); ++k) {
        const std::string c = "stack." + pn.cables()[k].name();
        const auto e = pn.index().cable_elements[k];
        add(c + ".current_a", [&pn, e] { return pn.net().current_a(e); });
        add(c + ".loss_w", [&pn, e] { return pn.net().loss_w(e); });
        add(c + ".temp_c", [&pn, k] { return pn.cable_temp_k(k) - kelvin_offset; });
    }
    for (std::size_t k = 0; k < pn.contacts().size(); ++k) {
        const std::string c = "stack." + pn.contacts()[k].name();
        const auto e = pn.index().contact_elements[k];
        add(c + ".loss_w", [&pn, e] { return pn.net().loss_w(e); });
        add(c + ".temp_c", [&pn, k] { return pn.contact_temp_k(k) - kelvin_offset; });
        if (pn.contacts()[k].preload().active()) { // loosening over months (a scenario's maintenance)
            add(c + ".torque_nm", [&pn, k] { return pn.contacts()[k].torque_nm(); });
            add(c + ".preload_pct", [&pn, k] { return 100.0 * pn.contacts()[k].preload().fraction(); });
            add(c + ".resistance_uohm", [&pn, e] { return 1e6 * pn.net().resistance_ohm(e); });
        }
    }
    for (std::size_t m = 0; m < plant.n_modules(); ++m) {
        const std::string p = "stack.m" + std::to_string(m);
        add(p + ".share_pct", [&pn, m] { return 100.0 * pn.module_share(m); });
        // Node potentials against the inverter's - terminal (the network's ground).
        const auto pos = pn.index().module_pos[m], neg = pn.index().module_neg[m];
        add(p + ".pos.voltage_v", [&pn, pos] { return pn.net().node_voltage_v(pos); });
        add(p + ".neg.voltage_v", [&pn, neg] { return pn.net().node_voltage_v(neg); });
    }
    add("stack.imbalance_pct", [&pn] { return 100.0 * pn.imbalance(); });
    add("stack.age_days", [&plant] { return plant.cells().age_s() / 86400.0; });
    add("stack.network_loss_w", [&plant] { return plant.network_loss_w(); });
}

void recorder::step() {
    const perf::scope perf_scope(perf::layer::out_timeseries);
    // Every grid step: extremes for the summary, whether or not this step is recorded.
    const num::stack_plant& plant = m_top.battery().plant();
    const auto& temps = plant.power_network().thermal().temp_k();
    if (m_max_branch_temp_k.size() != static_cast<std::size_t>(temps.size()))
        m_max_branch_temp_k.assign(static_cast<std::size_t>(temps.size()), 0.0);
    for (Eigen::Index k = 0; k < temps.size(); ++k)
        m_max_branch_temp_k[static_cast<std::size_t>(k)] = std::max(m_max_branch_temp_k[static_cast<std::size_t>(k)], temps[k]);
    m_max_kcl_a = std::max(m_max_kcl_a, plant.kcl_residual_a());
}

void recorder::record_row() {
    const perf::scope perf_scope(perf::layer::out_timeseries);
    const double t = bus::to_s(sc_core::sc_time_stamp());
    for (const single_column& c : m_singles)
        m_row[c.column] = c.get();
    for (const column_block& b : m_blocks)
        b.fill(m_row.data() + b.first);
    for (std::size_t c : m_kept)
        m_data[c].push_back(m_row[c]);
    if (!m_kept.empty())
        m_times.push_back(t);
    ++m_rows;
    if (m_vcd) {
        const perf::scope vcd_scope(perf::layer::out_vcd);
        for (std::size_t k = 0; k < m_vcd_columns.size(); ++k)
            m_vcd_values[k] = m_row[m_vcd_columns[k]];
        m_vcd->sample(now_ps(), m_vcd_values);
        m_vcd->row_boundary(m_live);
    }
    if (m_out) {
        m_out->timeseries_row(t, m_row);
        m_out->row_boundary(m_live);
    }
}

void recorder::flush_files() {
    if (m_vcd)
        m_vcd->flush();
    if (m_out)
        m_out->flush();
}


std::size_t recorder::column_index(const std::string& column) const {
    const auto it = std::find(m_columns.begin(), m_columns.end(), column);
    if (it == m_columns.end())
        throw std::out_of_range("no recorded signal '" + column + "'");
    return static_cast<std::size_t>(it - m_columns.begin());
}

std::vector<double> recorder::series(const std::string& column) const {
    const std::size_t c = column_index(column);
    if (!m_keep[c])
        throw std::logic_error("recorded signal '" + column +
                               "' is not kept in memory (a simulation keeps the series only when asked: keep_series)");
    return m_data[c];
}

void recorder::keep(const std::vector<bool>& keep) {
    if (m_rows > 0)
        throw std::logic_error("recorder::keep after the first row");
    for (std::size_t c = 0; c < m_columns.size() && c < keep.size(); ++c)
        m_keep[c] = m_keep[c] || keep[c];
    m_kept.clear();
    for (std::size_t c = 0; c < m_columns.size(); ++c)
        if (m_keep[c])
            m_kept.push_back(c);
}

void recorder::attach(output_files* out) {
    m_out = out;
    if (m_out)
        m_out->timeseries_header(m_columns);
}

void recorder::open_vcd(const std::string& out_dir) {
    // waveforms.vcd for GTKWave: the recorded stack-, module- and inverter-level signals (not the
    // per-cell, cable and contact columns), sampled whenever a row is recorded. The dots of the
    // column names show as hierarchy in GTKWave.
    std::vector<std::string> names;
    m_vcd_columns.clear();
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        const std::string& name = m_columns[c];
        if (name.find(".cell") != std::string::npos || name.find("cable.") != std::string::npos ||
            name.find("contact.") != std::string::npos)
            continue;
        m_vcd_columns.push_back(c);
        names.push_back(name);
    }
    m_vcd_values.assign(names.size(), 0.0);
    m_vcd = std::make_unique<vcd_writer>(out_dir + "/waveforms.vcd", sc_core::sc_version(), names);
}

void recorder::close_vcd() {
    const perf::scope perf_scope(perf::layer::out_vcd);
    if (!m_vcd)
        return;
    m_vcd->close(now_ps());
    m_vcd.reset();
}

} // namespace stacksim::sim
