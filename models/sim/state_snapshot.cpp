#include "sim/state_snapshot.h"

#include <algorithm>
#include <cmath>

#include <systemc>

#include "numeric/units.h"
#include "sim/system.h"

namespace stacksim::sim {

nlohmann::ordered_json state_snapshot(system& top) {
    models::stack& st = top.battery();
    st.sync();
    const num::stack_plant& plant = st.plant();
    const std::size_t n = plant.n_modules();
    nlohmann::ordered_json j;
    j["time_s"] = sc_core::sc_time_stamp().to_seconds();
    j["stack_voltage_v"] = plant.module_voltage_v(0);
    j["inverter_current_a"] = plant.port_current_a();
    auto current = nlohmann::ordered_json::array(), damage = nlohmann::ordered_json::array(),
         blown = nlohmann::ordered_json::array(), modules = nlohmann::ordered_json::array();
    for (std::size_t m = 0; m < n; ++m) {
        current.push_back(plant.module_current_a(m));
        damage.push_back(plant.fuse_damage(m));
        blown.push_back(plant.fuse_blown(m));
        const models::battery_module& bm = st.module(m);
        const models::module_report& r = bm.bms_view().report();
        const auto [vmin, vmax] = r.cell_v.empty() ? std::pair{0.0, 0.0}
                                                   : std::pair{*std::min_element(r.cell_v.begin(), r.cell_v.end()),
                                                               *std::max_element(r.cell_v.begin(), r.cell_v.end())};
        const double tmax_k = r.temp_k.empty() ? num::zero_celsius_k : *std::max_element(r.temp_k.begin(), r.temp_k.end());
        modules.push_back({{"name", "m" + std::to_string(m)},
                           {"address", r.address},
                           {"voltage_v", r.voltage_v},
                           {"current_a", plant.module_current_a(m)},
                           {"soc_pct", 100.0 * r.soc},
                           {"true_soc_pct", 100.0 * plant.module_soc(m)},
                           {"cell_v_min", vmin},
                           {"cell_v_max", vmax},
                           {"temp_c_max", tmax_k - num::zero_celsius_k},
                           {"switch_closed", r.switch_closed},
                           {"protection", r.protection},
                           {"protection_bits", r.protection_bits},
                           {"warning_bits", r.warning_bits},
                           {"locked_out", r.locked_out},
                           {"joined", r.joined},
                           {"powered", r.powered}});
    }
    j["module_current_a"] = current;
    j["fuse_damage"] = damage;
    j["fuse_blown"] = blown;
    j["modules"] = modules;
    const models::module_bms_view& master = st.module(0).bms_view();
    if (const proto::battery_can_state* state = master.can_state()) {
        const auto& s = *state;
        j["limits"] = {{"cvl_v", s.cvl_v},
                       {"ccl_a", s.ccl_a},
                       {"dcl_a", s.dcl_a},
                       {"dvl_v", s.dvl_v},
                       {"soc_pct", s.soc_pct},
                       {"charge_enable", s.charge_enable},
                       {"discharge_enable", s.discharge_enable},
                       {"heartbeat_lost", master.heartbeat_lost().value_or(false)}};
    }
    j["inverter"] = {{"current_a", plant.port_current_a()}, {"standby", top.inverter().standby()}};
    return j;
}

} // namespace stacksim::sim
