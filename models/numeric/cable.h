// Copper cable: IEC 60228 maximum DC resistance at 20 degC per conductor class, times length,
// and R(T) = R20 (1 + alpha (T - 20 degC)), alpha = 0.00393 /K (IEC 60287 Table 1).
// Cross-sections not in the table are refused for the tabulated classes (the error lists the
// sizes); conductor_class::ideal uses rho / A for any size (annealed copper, no stranding or
// tolerance allowance: slightly below every tabulated class).
#pragma once

#include <string>
#include <vector>

#include "numeric/enum_names.h"

namespace stacksim::num {

enum class conductor_class { class2, class5, class5_tinned, ideal };

inline const enum_names<conductor_class, 4> conductor_class_names{
    "conductor class",
    {{{conductor_class::class2, "class2"},
      {conductor_class::class5, "class5"},
      {conductor_class::class5_tinned, "class5_tinned"},
      {conductor_class::ideal, "ideal"}}}};

inline const char* to_string(conductor_class c) { return conductor_class_names.name(c); }
// "class2", "class5", "class5_tinned", "ideal"; throws std::invalid_argument otherwise.
inline conductor_class parse_conductor_class(const std::string& s) { return conductor_class_names.parse(s); }

// Conductor resistance data (read from models/params/wiring_default.yaml).
struct cable_table {
    std::vector<double> cross_section_mm2;        // strictly increasing
    std::vector<double> class2_ohm_per_m;         // at the reference temperature
    std::vector<double> class5_ohm_per_m;
    std::vector<double> class5_tinned_ohm_per_m;
    double resistivity_ohm_m{};                   // annealed copper at the reference temperature
    double alpha_per_k{};                         // temperature coefficient at the reference temperature
    double reference_temp_k{};

    // Resistance per metre at the reference temperature; throws std::invalid_argument for a
    // size not in the table (tabulated classes) or a non-positive size.
    double r_ref_ohm_per_m(double cross_section_mm2, conductor_class c) const;
};

// Geometry of one cable (scenario data, no source needed).
struct cable_spec {
    double length_m{};
    double cross_section_mm2{};
    conductor_class cls = conductor_class::class5;
};

class cable {
public:
    cable(std::string name, const cable_spec& spec, const cable_table& table);

    const std::string& name() const { return m_name; }
    const cable_spec& spec() const { return m_spec; }
    double length_m() const { return m_spec.length_m; }
    double cross_section_mm2() const { return m_spec.cross_section_mm2; }
    conductor_class cls() const { return m_spec.cls; }
    double r20_ohm() const { return m_r20_ohm; } // at the table's reference temperature
    double alpha_per_k() const { return m_alpha_per_k; }
    double resistance_ohm(double temp_k) const {
        return m_r20_ohm * (1.0 + m_alpha_per_k * (temp_k - m_ref_temp_k));
    }

private:
    std::string m_name;
    cable_spec m_spec;
    double m_r20_ohm;
    double m_alpha_per_k;
    double m_ref_temp_k;
};

} // namespace stacksim::num
