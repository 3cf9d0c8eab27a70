#include "numeric/wiring_params.h"

#include <cmath>
#include <limits>

#include "numeric/field_table.h"
#include "numeric/units.h"

namespace stacksim::num {

namespace {
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

// ---------------------------------------------------------------- field tables

namespace {

using W = wiring_params;

// cable_table: {source, cross_section_mm2: [...], class2_mohm_per_m: [...], class5_mohm_per_m: [...],
// class5_tinned_mohm_per_m: [...]}: one column per conductor class, one value per cross-section.
void read_cable_table(const param_node& root, const char* key, W& p) {
    const param_node tab = root.sourced(key);
    tab.allow_only({"source", "note", "cross_section_mm2", "class2_mohm_per_m", "class5_mohm_per_m",
                    "class5_tinned_mohm_per_m"});
    p.cables.cross_section_mm2 = tab.at("cross_section_mm2").as_axis(0.1, 1000.0, 1);
    const std::size_t n = p.cables.cross_section_mm2.size();
    auto column = [&](const char* column_key) {
        const param_node c = tab.at(column_key);
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
}

// The file's top level: the cable table is the one entry there.
const field_table<W>& root_fields() {
    static const field_table<W> t{
        {"cable_table", &read_cable_table, "ohm/m", 1e-6, 10,
         "IEC 60228 DC conductor resistance at the reference temperature by cross-section (mm2) and class, in mOhm/m"},
    };
    return t;
}

// copper: the conductor material (the cable table's temperature law and the cables' heat capacity).
const field_table<W>& copper_fields() {
    static const field_table<W> t{
        {"resistivity_ohm_m", +[](W& p) -> double& { return p.cables.resistivity_ohm_m; }, "ohm m", 1e-9, 1e-6,
         "copper resistivity at the reference temperature"},
        {"alpha_per_k", +[](W& p) -> double& { return p.cables.alpha_per_k; }, "1/K", 0.0, 0.01,
         "temperature coefficient of resistance (cables and contacts)"},
        {"reference_temp_c", +[](W& p) -> double& { return p.cables.reference_temp_k; }, "degC", -50.0, 100.0,
         "temperature of the cable table and of r_nominal_ohm", nullptr, nullptr, zero_celsius_k},
        {"density_kg_per_m3", +[](W& p) -> double& { return p.cable_thermal.copper_density_kg_per_m3; }, "kg/m3",
         1000.0, 20000.0, "copper density (cable heat capacity)"},
        {"specific_heat_j_per_kg_k", +[](W& p) -> double& { return p.cable_thermal.copper_specific_heat_j_per_kg_k; },
         "J/(kg K)", 100.0, 1000.0, "copper specific heat (cable heat capacity)"},
    };
    return t;
}

// contact.*: the torque law both locations share.
const field_table<contact_law>& contact_shared_fields() {
    using S = contact_law;
    static const field_table<S> t{
        {"torque_exponent", &S::torque_exponent, "1", 0.0, 10.0,
         "R = r_nominal (nominal torque / torque)^n below the nominal torque"},
        {"r_max_ohm", &S::r_max_ohm, "ohm", 1e-7, 1.0, "upper bound of a loose or corroded contact (>= every r_nominal_ohm)"},
    };
    return t;
}

// contact.terminal.*, contact.busbar.*: one location's contact.
const field_table<contact_law>& contact_location_fields() {
    using S = contact_law;
    static const field_table<S> t{
        {"nominal_torque_nm", &S::nominal_torque_nm, "N m", 0.1, 1000.0, "tightening torque the joint is specified for"},
        {"r_nominal_ohm", &S::r_nominal_ohm, "ohm", 1e-9, 1.0, "contact resistance at the nominal torque and the reference temperature"},
    };
    return t;
}

// contact.loosening_time_s (a default of the stack's wiring).
const field_table<wiring_defaults>& contact_wear_fields() {
    using S = wiring_defaults;
    static const field_table<S> t{
        {"loosening_time_s", &S::loosening_time_s, "s", 0.0, 1e12, "time constant of contacts loosening (0: none)"},
    };
    return t;
}

// contact.loosening.*: the preload law over months (bolt_preload.h), used when a scenario has a
// maintenance section.
const field_table<bolt_preload_law>& contact_loosening_fields() {
    using S = bolt_preload_law;
    static const field_table<S> t{
        {"embedding_fraction", &S::embedding_fraction, "1", 0.0, 0.9, "preload lost to embedding after installation, in total"},
        {"embedding_time_s", &S::embedding_time_s, "s", 1.0, 1e9, "time constant of embedding"},
        {"creep_per_decade", &S::creep_per_decade, "1", 0.0, 0.5, "preload lost to creep per decade of time since tightening"},
        {"creep_onset_s", &S::creep_onset_s, "s", 1.0, 1e9, "time after a tightening from which creep goes logarithmic"},
        {"cycle_loss_per_cycle", &S::cycle_loss_per_cycle, "1", 0.0, 0.5,
         "preload lost per full temperature cycle of range cycle_reference_k"},
        {"cycle_reference_k", &S::cycle_reference_k, "K", 0.1, 500.0, "range of the reference cycle"},
        {"cycle_exponent", &S::cycle_exponent, "1", 0.0, 10.0, "loss per cycle ~ (range / reference)^exponent"},
        {"cycle_hysteresis_k", &S::cycle_hysteresis_k, "K", 0.0, 100.0, "smallest temperature reversal counted"},
    };
    return t;
}

// module.*: one module between its cell stack and its terminals.
void read_fuse_curve(const param_node& parent, const char* key, module_internals& m) {
    m.fuse = fuse_curve::from(parent.sourced(key));
}

const field_table<module_internals>& module_fields() {
    using S = module_internals;
    static const field_table<S> t{
        {"busbar_ohm", &S::busbar_ohm, "ohm", 1e-9, 1.0, "internal bus bars and wiring"},
        {"switch_on_ohm", &S::switch_on_ohm, "ohm", 1e-9, 1.0, "main switch on-resistance"},
        {"precharge_ohm", &S::precharge_ohm, "ohm", 1e-3, 1e6, "pre-charge resistor"},
        {"precharge_switch_on_ohm", &S::precharge_switch_on_ohm, "ohm", 1e-9, 100.0, "pre-charge switch on-resistance"},
        {"fuse_ohm", &S::fuse_ohm, "ohm", 1e-9, 1.0, "module fuse resistance"},
        {"fuse_rating_a", &S::fuse_rating_a, "A", 0.1, 1e5, "module fuse rating (carried indefinitely)"},
        {"fuse_curve", &read_fuse_curve, "s", 1e-9, 1e9,
         "pre-arcing time-current characteristic {current_a: [A...], melt_time_s: [s...]}, first current above fuse_rating_a"},
        {"fuse_cooling_time_s", +[](S& m) -> double& { return m.fuse.cooling_time_s; }, "s", 1e-3, 1e6,
         "relaxation of the fuse's damage below the curve's first current"},
    };
    return t;
}

// defaults.*: the wiring of a stack when a scenario does not say otherwise.
void read_conductor_class(const param_node& parent, const char* key, wiring_defaults& d) {
    const param_node n = parent.sourced(key);
    n.allow_only({"value", "source", "note"});
    const std::string cls = n.at("value").as_choice({"class2", "class5", "class5_tinned", "ideal"});
    n.record(n.path(), cls, n.at("source").as_string());
    d.inter_module.cls = d.inverter.cls = d.busbar_drop.cls = parse_conductor_class(cls);
}

void read_inverter_sizes(const param_node& parent, const char* key, wiring_defaults& d) {
    const param_node by = parent.sourced(key);
    by.allow_only({"value", "source", "note"});
    d.inverter_cross_section_mm2_by_modules = by.at("value").as_numbers(0.1, 1000.0, 1);
    by.record(by.path(), "list", by.at("source").as_string());
}

const field_table<wiring_defaults>& defaults_fields() {
    using S = wiring_defaults;
    static const field_table<S> t{
        {"conductor_class", &read_conductor_class, "choice", 0, 0, "class2, class5, class5_tinned or ideal, for every default cable"},
        {"inter_module_length_m", +[](S& d) -> double& { return d.inter_module.length_m; }, "m", 0.01, 100.0,
         "jumper between neighbouring modules"},
        {"inter_module_cross_section_mm2", +[](S& d) -> double& { return d.inter_module.cross_section_mm2; }, "mm2", 0.1,
         1000.0, "jumper cross-section (a size of the cable table)"},
        {"inverter_length_m", +[](S& d) -> double& { return d.inverter.length_m; }, "m", 0.01, 100.0, "inverter cable"},
        {"inverter_cross_section_mm2_by_modules", &read_inverter_sizes, "mm2", 0.1, 1000.0,
         "inverter cable cross-section by number of modules (entry n-1, beyond the list its last)"},
        {"busbar_drop_length_m", +[](S& d) -> double& { return d.busbar_drop.length_m; }, "m", 0.01, 100.0,
         "module to external bus bar"},
        {"busbar_drop_cross_section_mm2", +[](S& d) -> double& { return d.busbar_drop.cross_section_mm2; }, "mm2", 0.1,
         1000.0, "module to bus bar cross-section (a size of the cable table)"},
        {"terminal_torque_nm", &S::terminal_torque_nm, "N m", 0.0, 1000.0, "torque on the module terminals"},
        {"busbar_torque_nm", &S::busbar_torque_nm, "N m", 0.0, 1000.0, "torque on the external bus bar"},
    };
    return t;
}

// cable_thermal.*: one lumped thermal node per cable.
const field_table<cable_thermal_params>& cable_thermal_fields() {
    using S = cable_thermal_params;
    static const field_table<S> t{
        {"stranding_fill", &S::stranding_fill, "1", 0.1, 1.0, "copper fill factor of the stranded conductor"},
        {"insulation_thickness_mm", &S::insulation_thickness_mm, "mm", 0.0, 20.0, "insulation wall"},
        {"insulation_density_kg_per_m3", &S::insulation_density_kg_per_m3, "kg/m3", 0.0, 5000.0, "insulation density"},
        {"insulation_specific_heat_j_per_kg_k", &S::insulation_specific_heat_j_per_kg_k, "J/(kg K)", 0.0, 5000.0,
         "insulation specific heat"},
        {"h_w_per_m2_k", &S::h_w_per_m2_k, "W/(m2 K)", 0.1, 1000.0, "heat transfer from the cable surface to ambient"},
        {"rating_c", &S::rating_k, "degC", 0.0, 500.0, "insulation temperature rating", nullptr, nullptr, zero_celsius_k},
    };
    return t;
}

// contact_thermal.*: one lumped thermal node per contact.
const field_table<contact_thermal_params>& contact_thermal_fields() {
    using S = contact_thermal_params;
    static const field_table<S> t{
        {"heat_capacity_j_per_k", &S::heat_capacity_j_per_k, "J/K", 1e-3, 1e6, "lug, bolt and nearby terminal"},
        {"conductance_w_per_k", &S::conductance_w_per_k, "W/K", 1e-4, 1e4, "to cable, terminal and air"},
        {"rating_c", &S::rating_k, "degC", 0.0, 500.0, "temperature rating", nullptr, nullptr, zero_celsius_k},
    };
    return t;
}

// ---------------------------------------------------------------- reader, one step per section

void read_contact_section(const param_node& ct, W& p) {
    std::vector<std::string> keys = keys_of(contact_shared_fields(), {"terminal", "busbar", "loosening"});
    append_keys(keys, contact_wear_fields());
    ct.allow_only(keys);
    contact_law shared;
    read_fields(ct, contact_shared_fields(), shared);
    for (const char* loc : {"terminal", "busbar"}) {
        const param_node l = ct.at(loc);
        l.allow_only(keys_of(contact_location_fields()));
        contact_law law = shared;
        read_fields(l, contact_location_fields(), law);
        law.alpha_per_k = p.cables.alpha_per_k;
        law.reference_temp_k = p.cables.reference_temp_k;
        if (law.r_max_ohm < law.r_nominal_ohm)
            ct.at("r_max_ohm").fail("r_max_ohm >= r_nominal_ohm of every location");
        (std::string(loc) == "terminal" ? p.terminal : p.busbar) = law;
    }
    read_fields(ct, contact_wear_fields(), p.defaults);
    const param_node lo = ct.at("loosening");
    lo.allow_only(keys_of(contact_loosening_fields()));
    read_fields(lo, contact_loosening_fields(), p.loosening);
}

void read_module_section(const param_node& m, W& p) {
    m.allow_only(keys_of(module_fields()));
    read_fields(m, module_fields(), p.module);
    p.module.fuse.check();
    // A fuse carries its rated current indefinitely: the curve starts above it.
    if (!(p.module.fuse.min_current_a() > p.module.fuse_rating_a))
        m.at("fuse_curve").at("current_a").fail("a first current above fuse_rating_a (" +
                                                std::to_string(p.module.fuse_rating_a) + " A): a fuse never melts at its rating");
}

void read_defaults_section(const param_node& d, W& p) {
    d.allow_only(keys_of(defaults_fields()));
    read_fields(d, defaults_fields(), p.defaults); // the inverter cable's size: inverter_for(n_modules)
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
        check_size({1.0, a, p.defaults.inverter.cls}, "inverter_cross_section_mm2_by_modules");
}

} // namespace

wiring_params wiring_params::from(const param_node& root) {
    root.allow_only({"copper", "cable_table", "contact", "module", "defaults", "cable_thermal", "contact_thermal"});
    wiring_params p;
    const param_node cu = root.at("copper");
    cu.allow_only(keys_of(copper_fields()));
    read_fields(cu, copper_fields(), p);
    read_fields(root, root_fields(), p);
    read_contact_section(root.at("contact"), p);
    read_module_section(root.at("module"), p);
    read_defaults_section(root.at("defaults"), p);
    const param_node t = root.at("cable_thermal");
    t.allow_only(keys_of(cable_thermal_fields()));
    read_fields(t, cable_thermal_fields(), p.cable_thermal);
    const param_node k = root.at("contact_thermal");
    k.allow_only(keys_of(contact_thermal_fields()));
    read_fields(k, contact_thermal_fields(), p.contact_thermal);
    p.records = root.records();
    return p;
}

std::vector<field_info> wiring_param_fields() {
    std::vector<field_info> out;
    describe_fields(out, "copper", copper_fields());
    describe_fields(out, "", root_fields());
    describe_fields(out, "contact", contact_shared_fields());
    describe_fields(out, "contact.terminal", contact_location_fields());
    describe_fields(out, "contact.busbar", contact_location_fields());
    describe_fields(out, "contact", contact_wear_fields());
    describe_fields(out, "contact.loosening", contact_loosening_fields());
    describe_fields(out, "module", module_fields());
    describe_fields(out, "defaults", defaults_fields());
    describe_fields(out, "cable_thermal", cable_thermal_fields());
    describe_fields(out, "contact_thermal", contact_thermal_fields());
    return out;
}

wiring_params wiring_params::load_file(const std::string& path) {
    return from(param_node::load_file(path));
}

} // namespace stacksim::num
