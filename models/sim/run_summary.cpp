#include "sim/run_summary.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/system.h"
#include "sim/version.h"
#include "numeric/units.h"

namespace stacksim::sim {

namespace {
constexpr double kelvin_offset = num::zero_celsius_k;
} // namespace

nlohmann::ordered_json run_summary(const scenario& sc, system& top, const recorder& rec, const run_facts& facts,
                                   const std::vector<expectation_result>& results) {
    models::stack& st = top.battery();
    const num::stack_plant& plant = st.plant();
    const auto& e = plant.energy();
    nlohmann::ordered_json j;
    j["stacksim_version"] = version();
    j["scenario"] = sc.name;
    j["scenario_file"] = sc.file;
    j["seed"] = sc.seed;
    j["simulated_s"] = facts.simulated_s;
    j["duration_s"] = sc.run.duration_s;
    j["completed"] = facts.simulated_s >= sc.run.duration_s - 1e-9;
    j["wall_s"] = facts.wall_s;
    j["realtime_factor"] = facts.wall_s > 0 ? facts.simulated_s / facts.wall_s : 0.0;
    if (!facts.realtime.is_null())
        j["wallclock"] = facts.realtime;
    j["modules"] = plant.n_modules();
    j["cells"] = plant.cells().size();
    j["step_s"] = sc.run.step_s;
    if (sc.run.max_step_s > sc.run.step_s)
        j["max_step_s"] = sc.run.max_step_s; // only when set: the fixed grid's summaries stay as they were
    j["bus_logs"] = sc.run.bus_logs;
    j["hdf5"] = sc.run.hdf5;
    j["rows"] = rec.rows();
    j["events"] = facts.events;
    j["energy_wh"] = {{"port", e.port_j / 3600.0},
                      {"cells_in", e.cell_in_j / 3600.0},
                      {"cells_exact_in", e.cell_exact_in_j / 3600.0},
                      {"cells_stored", e.cell_stored_j / 3600.0},
                      {"cells_heat", e.cell_heat_j / 3600.0},
                      {"network_loss", e.network_loss_j / 3600.0},
                      {"bleed", e.bleed_j / 3600.0}};
    j["can"] = {{"frames", top.can().frames()},
                {"bus_load", top.can().load(facts.simulated_s)},
                {"bitrate_bps", top.can().bitrate_bps()}};
    j["rs485"] = {{"frames", st.rs485().frames()}, {"collisions", st.rs485().collisions()}};
    nlohmann::ordered_json mods = nlohmann::ordered_json::array();
    for (std::size_t m = 0; m < plant.n_modules(); ++m)
        mods.push_back({{"name", "m" + std::to_string(m)},
                        {"true_soc_pct", 100.0 * plant.module_soc(m)},
                        {"switch_closed", plant.switch_closed(m)},
                        {"fuse_blown", plant.fuse_blown(m)}});
    j["stack"] = {{"true_soc_pct", 100.0 * plant.stack_soc()}, {"modules", mods}};
    const num::stack_network& pn = plant.power_network();
    // From the initial temperatures on (the recorder starts there), so also without a step.
    const std::vector<double>& max_temp_k = rec.max_branch_temp_k();
    nlohmann::ordered_json branches = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < pn.cables().size(); ++k) {
        const auto el = pn.index().cable_elements[k];
        branches.push_back({{"name", pn.cables()[k].name()},
                            {"kind", "cable"},
                            {"energy_lost_wh", pn.loss_energy_j()[static_cast<Eigen::Index>(el)] / 3600.0},
                            {"max_temp_c", max_temp_k[k] - kelvin_offset},
                            {"rating_c", pn.thermal().rating_k()[static_cast<Eigen::Index>(k)] - kelvin_offset},
                            {"over_rating", max_temp_k[k] > pn.thermal().rating_k()[static_cast<Eigen::Index>(k)]}});
    }
    for (std::size_t k = 0; k < pn.contacts().size(); ++k) {
        const auto el = pn.index().contact_elements[k];
        const std::size_t t = pn.cables().size() + k;
        branches.push_back({{"name", pn.contacts()[k].name()},
                            {"kind", "contact"},
                            {"torque_nm", pn.contacts()[k].torque_nm()},
                            {"energy_lost_wh", pn.loss_energy_j()[static_cast<Eigen::Index>(el)] / 3600.0},
                            {"max_temp_c", max_temp_k[t] - kelvin_offset},
                            {"rating_c", pn.thermal().rating_k()[static_cast<Eigen::Index>(t)] - kelvin_offset},
                            {"over_rating", max_temp_k[t] > pn.thermal().rating_k()[static_cast<Eigen::Index>(t)]}});
    }
    j["network"] = {{"topology", num::to_string(pn.topology())},
                    {"energy_lost_wh", e.network_loss_j / 3600.0},
                    {"max_kcl_residual_a", rec.max_kcl_a()},
                    {"branches", branches}};
    nlohmann::ordered_json ex = nlohmann::ordered_json::array();
    for (const auto& r : results)
        ex.push_back({{"name", r.name},
                      {"passed", r.passed},
                      {"t_s", std::isnan(r.t_s) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.t_s)},
                      {"message", r.message}});
    if (sc.aging.enabled) {
        const num::cell_array& cells = plant.cells();
        nlohmann::ordered_json am = nlohmann::ordered_json::array();
        for (std::size_t m = 0; m < plant.n_modules(); ++m) {
            const auto n = static_cast<Eigen::Index>(plant.cells_per_module());
            const auto seg = cells.soh().segment(static_cast<Eigen::Index>(m) * n, n);
            double efc = 0.0;
            for (Eigen::Index k = 0; k < n; ++k)
                efc += cells.aging(static_cast<std::size_t>(static_cast<Eigen::Index>(m) * n + k)).efc;
            am.push_back({{"name", "m" + std::to_string(m)},
                          {"capacity_pct", 100.0 * module_mean(plant, cells.soh(), m)},
                          {"capacity_min_pct", 100.0 * seg.minCoeff()},
                          {"resistance_pct", 100.0 * module_mean(plant, cells.resistance_factor(), m)},
                          {"efc", efc / static_cast<double>(n)}});
        }
        j["aging"] = {{"span_days", sc.aging.span_s / 86400.0},
                      {"windows", sc.aging.windows},
                      {"windows_done", facts.aging_windows_done},
                      {"window_s", sc.aging.window_s},
                      {"jump_days", sc.aging.jump_s / 86400.0},
                      {"age_days", cells.age_s() / 86400.0},
                      {"modules", am}};
    }
    j["expectations"] = ex;
    j["expectations_passed"] =
        std::all_of(results.begin(), results.end(), [](const expectation_result& r) { return r.passed; });
    return j;
}

} // namespace stacksim::sim
