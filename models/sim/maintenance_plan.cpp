#include "sim/maintenance_plan.h"

#include "numeric/units.h"
#include "stack/stack.h"

namespace stacksim::sim {

maintenance_plan maintenance_plan::from(const num::param_node& node, const num::wiring_params& wiring) {
    node.allow_only({"inspect_every_days", "retorque_nm", "found_loose_below_pct", "resistance_limit_pct"});
    maintenance_plan m;
    m.enabled = true;
    const num::param_node every = node.at("inspect_every_days");
    if (every.is_scalar() && every.yaml().Scalar() == "never")
        m.inspect_every_s = 0.0;
    else
        m.inspect_every_s = every.as_number(0.01, 36500.0) * 86400.0;
    m.retorque_terminal_nm = wiring.defaults.terminal_torque_nm;
    m.retorque_busbar_nm = wiring.defaults.busbar_torque_nm;
    if (auto rt = node.find("retorque_nm")) {
        rt->allow_only({"terminal", "busbar"});
        m.retorque_terminal_nm = rt->number_or("terminal", m.retorque_terminal_nm, 0.1, 1000.0);
        m.retorque_busbar_nm = rt->number_or("busbar", m.retorque_busbar_nm, 0.1, 1000.0);
    }
    m.found_loose_below_pct = node.number_or("found_loose_below_pct", 0.0, 0.0, 100.0);
    m.resistance_limit_pct = node.number_or("resistance_limit_pct", m.resistance_limit_pct, 100.0, 1e6);
    return m;
}

nlohmann::json maintenance_plan::inspect(models::stack& st, double life_s, std::size_t number,
                                                 std::vector<std::string>& loose) const {
    st.sync();
    num::stack_network& pn = st.plant().power_network();
    nlohmann::json contacts = nlohmann::json::array();
    for (std::size_t k = 0; k < pn.contacts().size(); ++k) {
        const num::contact& c = pn.contacts()[k];
        const double temp_k = pn.contact_temp_k(k);
        const double target_nm =
            c.location() == num::contact_location::terminal ? retorque_terminal_nm : retorque_busbar_nm;
        const double before_nm = c.torque_nm();
        const double preload = c.preload().fraction();
        const double r_before = c.resistance_ohm(temp_k);
        const bool is_loose = found_loose_below_pct > 0.0 && before_nm < found_loose_below_pct / 100.0 * target_nm;
        pn.set_contact_torque_nm(k, target_nm);
        nlohmann::json e;
        e["contact"] = c.name();
        e["location"] = num::to_string(c.location());
        e["torque_before_nm"] = before_nm;
        e["torque_after_nm"] = pn.contacts()[k].torque_nm();
        e["preload_pct"] = 100.0 * preload;
        e["r_before_uohm"] = 1e6 * r_before;
        e["r_after_uohm"] = 1e6 * pn.contacts()[k].resistance_ohm(temp_k);
        e["temp_c"] = temp_k - num::zero_celsius_k;
        e["found_loose"] = is_loose;
        if (is_loose)
            loose.push_back(c.name());
        contacts.push_back(std::move(e));
    }
    nlohmann::json report;
    report["inspection"] = number;
    report["life_days"] = life_s / 86400.0;
    report["found_loose"] = loose.size();
    report["contacts"] = std::move(contacts);
    return report;
}

} // namespace stacksim::sim
