// Parameters of the stack power network, read from models/params/wiring_default.yaml: cable
// table, contact laws, module internals, default wiring and cable/contact thermal constants.
//
// Each section of the file is read by field tables (numeric/field_table.h, the tables are in
// wiring_params.cpp): unknown keys are refused, every value is range-checked and recorded with its
// source. Keys in degC set members in K; the cable table's mOhm/m columns become Ohm/m. The
// structs carry no values of their own (zero until read): the file is the one source of every
// value, and tests load it (wiring_params::load_file).
#pragma once

#include <string>
#include <vector>

#include "numeric/cable.h"
#include "numeric/contact.h"
#include "numeric/fuse.h"
#include "numeric/param_file.h"

namespace stacksim::num {

struct field_info; // numeric/field_table.h

struct module_internals {
    double busbar_ohm{};
    double switch_on_ohm{};
    double precharge_ohm{};
    double precharge_switch_on_ohm{};
    double fuse_ohm{};
    double fuse_rating_a{};
    fuse_curve fuse;              // pre-arcing time-current characteristic (fuse.h)
};

struct wiring_defaults {
    cable_spec inter_module;                          // daisy-chain jumpers
    cable_spec inverter;                              // cross-section from the list below
    std::vector<double> inverter_cross_section_mm2_by_modules;
    cable_spec busbar_drop;                           // module to external bus bar
    double terminal_torque_nm{};
    double busbar_torque_nm{};
    double loosening_time_s{};                        // 0 = none

    // Inverter cable for n_modules (the list's entry n-1, or its last).
    cable_spec inverter_for(std::size_t n_modules) const;
};

struct cable_thermal_params {
    double copper_density_kg_per_m3{};
    double copper_specific_heat_j_per_kg_k{};
    double stranding_fill{};
    double insulation_thickness_mm{};
    double insulation_density_kg_per_m3{};
    double insulation_specific_heat_j_per_kg_k{};
    double h_w_per_m2_k{};
    double rating_k{};

    // Lumped constants of a whole cable.
    double heat_capacity_j_per_k(const cable_spec& c) const;
    double conductance_w_per_k(const cable_spec& c) const;
};

struct contact_thermal_params {
    double heat_capacity_j_per_k{};
    double conductance_w_per_k{};
    double rating_k{};
};

struct wiring_params {
    cable_table cables;
    contact_law terminal;
    contact_law busbar;
    bolt_preload_law loosening; // contact.loosening.*: preload over months (scenarios with maintenance)
    module_internals module;
    wiring_defaults defaults;
    cable_thermal_params cable_thermal;
    contact_thermal_params contact_thermal;
    std::vector<param_record> records; // every parameter read, with its source

    const contact_law& law(contact_location l) const { return l == contact_location::terminal ? terminal : busbar; }

    static wiring_params from(const param_node& root);
    static wiring_params load_file(const std::string& path);
};

// Every parameter of the wiring file: key path, unit, range, description (`stacksim describe`,
// stacksim.parameter_fields() in Python, and the test that the tables and the YAML agree).
std::vector<field_info> wiring_param_fields();

} // namespace stacksim::num
