#include "numeric/wiring_params.h"

#include <cmath>
#include <limits>

#include "numeric/units.h"

namespace stacksim::num {

namespace {
constexpr double kelvin_offset = num::zero_celsius_k;
constexpr double pi = 3.14159265358979323846;
} // namespace

cable_spec wiring_defaults::inverter_for(std::size_t n_modules) const {
    cable_spec c = inverter;
    if (!inverter_cross_section_mm2_by_modules.empty()) {
        const std::size_t k = std::min(n_modules == 0 ? 0 : n_modules - 1, inverter_cross_section_mm2_by_modules.size() - 1);
        c.cross_section_mm2 = inverter_cross_section_mm2_by_modules[k];
    }
    return c;
}

double cable_thermal_params::heat_capacity_j_per_k(const cable_spec& c) const {
    const double a_m2 = c.cross_section_mm2 * 1e-6;
    const double d_m = std::sqrt(4.0 * a_m2 / (pi * stranding_fill));
    const double outer_m = d_m + 2.0 * insulation_thickness_mm * 1e-3;
    const double per_m = copper_density_kg_per_m3 * copper_specific_heat_j_per_kg_k * a_m2 +
                         insulation_density_kg_per_m3 * insulation_specific_heat_j_per_kg_k * pi / 4.0 *
                             (outer_m * outer_m - d_m * d_m);
    return per_m * c.length_m;
}

double cable_thermal_params::conductance_w_per_k(const cable_spec& c) const {
    const double a_m2 = c.cross_section_mm2 * 1e-6;
    const double d_m = std::sqrt(4.0 * a_m2 / (pi * stranding_fill));
    const double outer_m = d_m + 2.0 * insulation_thickness_mm * 1e-3;
    return h_w_per_m2_k * pi * outer_m * c.length_m;
}

wiring_params wiring_params::from(const param_node& root) {
    root.allow_only({"copper", "cable_table", "contact", "module", "defaults", "cable_thermal", "contact_thermal"});
    wiring_params p;

    const param_node cu = root.at("copper");
    cu.allow_only({"resistivity_ohm_m", "alpha_per_k", "reference_temp_c", "density_kg_per_m3", "specific_heat_j_per_kg_k"});
    p.cables.resistivity_ohm_m = cu.param("resistivity_ohm_m", 1e-9, 1e-6);
    p.cables.alpha_per_k = cu.param("alpha_per_k", 0.0, 0.01);
    p.cables.reference_temp_k = cu.param("reference_temp_c", -50.0, 100.0) + kelvin_offset;
    p.cable_thermal.copper_density_kg_per_m3 = cu.param("density_kg_per_m3", 1000.0, 20000.0);
    p.cable_thermal.copper_specific_heat_j_per_kg_k = cu.param("specific_heat_j_per_kg_k", 100.0, 1000.0);

    const param_node tab = root.sourced("cable_table");
    tab.allow_only({"source", "note", "cross_section_mm2", "class2_mohm_per_m", "class5_mohm_per_m",
                    "class5_tinned_mohm_per_m"});
    p.cables.cross_section_mm2 = tab.at("cross_section_mm2").as_axis(0.1, 1000.0, 1);
    const std::size_t n = p.cables.cross_section_mm2.size();
    auto column = [&](const char* key) {
        const param_node c = tab.at(key);
        std::vector<double> v = c.as_numbers(1e-3, 1e4, n);
        if (v.size() != n)
            c.fail("a list of " + std::to_string(n) + " values (one per cross-section)");
        for (double& x : v)
            x *= 1e-3; // mOhm/m -> Ohm/m
        return v;
    };
    p.cables.class2_ohm_per_m = column("class2_mohm_per_m");
    p.cables.class5_ohm_per_m = column("class5_mohm_per_m");
    p.cables.class5_tinned_ohm_per_m = column("class5_tinned_mohm_per_m");
    tab.record(tab.path(), "IEC 60228 table", tab.at("source").as_string());

    const param_node ct = root.at("contact");
    ct.allow_only({"terminal", "busbar", "torque_exponent", "r_max_ohm", "loosening_time_s"});
    const double n_exp = ct.param("torque_exponent", 0.0, 10.0);
    const double r_max = ct.param("r_max_ohm", 1e-7, 1.0);
    for (const char* loc : {"terminal", "busbar"}) {
        const param_node l = ct.at(loc);
        l.allow_only({"nominal_torque_nm", "r_nominal_ohm"});
        contact_law law;
        law.nominal_torque_nm = l.param("nominal_torque_nm", 0.1, 1000.0);
        law.r_nominal_ohm = l.param("r_nominal_ohm", 1e-9, 1.0);
        law.torque_exponent = n_exp;
        law.r_max_ohm = r_max;
        law.alpha_per_k = p.cables.alpha_per_k;
        law.reference_temp_k = p.cables.reference_temp_k;
        if (law.r_max_ohm < law.r_nominal_ohm)
            ct.at("r_max_ohm").fail("r_max_ohm >= r_nominal_ohm of every location");
        (std::string(loc) == "terminal" ? p.terminal : p.busbar) = law;
    }
    p.defaults.loosening_time_s = ct.param("loosening_time_s", 0.0, 1e12);

    const param_node m = root.at("module");
    m.allow_only({"busbar_ohm", "switch_on_ohm", "precharge_ohm", "precharge_switch_on_ohm", "fuse_ohm", "fuse_rating_a",
                "fuse_curve", "fuse_cooling_time_s"});
    p.module.busbar_ohm = m.param("busbar_ohm", 1e-9, 1.0);
    p.module.switch_on_ohm = m.param("switch_on_ohm", 1e-9, 1.0);
    p.module.precharge_ohm = m.param("precharge_ohm", 1e-3, 1e6);
    p.module.precharge_switch_on_ohm = m.param("precharge_switch_on_ohm", 1e-9, 100.0);
    p.module.fuse_ohm = m.param("fuse_ohm", 1e-9, 1.0);
    p.module.fuse_rating_a = m.param("fuse_rating_a", 0.1, 1e5);
    p.module.fuse = fuse_curve::from(m);
    // A fuse carries its rated current indefinitely: the curve starts above it.
    if (!(p.module.fuse.min_current_a() > p.module.fuse_rating_a))
        m.at("fuse_curve").at("current_a").fail("a first current above fuse_rating_a (" +
                                                std::to_string(p.module.fuse_rating_a) + " A): a fuse never melts at its rating");

    const param_node d = root.at("defaults");
    d.allow_only({"inter_module_length_m", "inter_module_cross_section_mm2", "inverter_length_m",
                  "inverter_cross_section_mm2_by_modules", "busbar_drop_length_m", "busbar_drop_cross_section_mm2",
                  "conductor_class", "terminal_torque_nm", "busbar_torque_nm"});
    const param_node cls_node = d.sourced("conductor_class");
    cls_node.allow_only({"value", "source", "note"});
    const std::string cls_s = cls_node.at("value").as_choice({"class2", "class5", "class5_tinned", "ideal"});
    cls_node.record(cls_node.path(), cls_s, cls_node.at("source").as_string());
    const conductor_class cls = parse_conductor_class(cls_s);
    p.defaults.inter_module = {d.param("inter_module_length_m", 0.01, 100.0),
                               d.param("inter_module_cross_section_mm2", 0.1, 1000.0), cls};
    p.defaults.inverter = {d.param("inverter_length_m", 0.01, 100.0), 25.0, cls};
    {
        const param_node by = d.sourced("inverter_cross_section_mm2_by_modules");
        by.allow_only({"value", "source", "note"});
        p.defaults.inverter_cross_section_mm2_by_modules = by.at("value").as_numbers(0.1, 1000.0, 1);
        by.record(by.path(), "list", by.at("source").as_string());
    }
    p.defaults.busbar_drop = {d.param("busbar_drop_length_m", 0.01, 100.0),
                              d.param("busbar_drop_cross_section_mm2", 0.1, 1000.0), cls};
    p.defaults.terminal_torque_nm = d.param("terminal_torque_nm", 0.0, 1000.0);
    p.defaults.busbar_torque_nm = d.param("busbar_torque_nm", 0.0, 1000.0);
    // Check the default sizes against the table now (clear error with the file position).
    auto check_size = [&](const cable_spec& c, const char* key) {
        try {
            (void)p.cables.r_ref_ohm_per_m(c.cross_section_mm2, c.cls);
        } catch (const std::invalid_argument& e) {
            d.at(key).fail(std::string("a size in the cable table: ") + e.what());
        }
    };
    check_size(p.defaults.inter_module, "inter_module_cross_section_mm2");
    check_size(p.defaults.busbar_drop, "busbar_drop_cross_section_mm2");
    for (double a : p.defaults.inverter_cross_section_mm2_by_modules)
        check_size({1.0, a, cls}, "inverter_cross_section_mm2_by_modules");

    const param_node t = root.at("cable_thermal");
    t.allow_only({"stranding_fill", "insulation_thickness_mm", "insulation_density_kg_per_m3",
                  "insulation_specific_heat_j_per_kg_k", "h_w_per_m2_k", "rating_c"});
    p.cable_thermal.stranding_fill = t.param("stranding_fill", 0.1, 1.0);
    p.cable_thermal.insulation_thickness_mm = t.param("insulation_thickness_mm", 0.0, 20.0);
    p.cable_thermal.insulation_density_kg_per_m3 = t.param("insulation_density_kg_per_m3", 0.0, 5000.0);
    p.cable_thermal.insulation_specific_heat_j_per_kg_k = t.param("insulation_specific_heat_j_per_kg_k", 0.0, 5000.0);
    p.cable_thermal.h_w_per_m2_k = t.param("h_w_per_m2_k", 0.1, 1000.0);
    p.cable_thermal.rating_k = t.param("rating_c", 0.0, 500.0) + kelvin_offset;

    const param_node k = root.at("contact_thermal");
    k.allow_only({"heat_capacity_j_per_k", "conductance_w_per_k", "rating_c"});
    p.contact_thermal.heat_capacity_j_per_k = k.param("heat_capacity_j_per_k", 1e-3, 1e6);
    p.contact_thermal.conductance_w_per_k = k.param("conductance_w_per_k", 1e-4, 1e4);
    p.contact_thermal.rating_k = k.param("rating_c", 0.0, 500.0) + kelvin_offset;

    p.records = root.records();
    return p;
}

wiring_params wiring_params::load_file(const std::string& path) {
    return from(param_node::load_file(path));
}

} // namespace stacksim::num
