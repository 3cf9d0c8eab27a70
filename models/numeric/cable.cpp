#include "numeric/cable.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace stacksim::num {

double cable_table::r_ref_ohm_per_m(double mm2, conductor_class c) const {
    if (!(mm2 > 0.0) || !std::isfinite(mm2))
        throw std::invalid_argument("cable cross-section must be > 0 mm2");
    if (c == conductor_class::ideal)
        return resistivity_ohm_m / (mm2 * 1e-6);
    const std::vector<double>& col = c == conductor_class::class2   ? class2_ohm_per_m
                                     : c == conductor_class::class5 ? class5_ohm_per_m
                                                                    : class5_tinned_ohm_per_m;
    for (std::size_t k = 0; k < cross_section_mm2.size() && k < col.size(); ++k)
        if (std::abs(cross_section_mm2[k] - mm2) <= 1e-9 * mm2)
            return col[k];
    std::ostringstream os;
    os << "cable cross-section " << mm2 << " mm2 is not in the IEC 60228 " << to_string(c)
       << " table (sizes:";
    for (double a : cross_section_mm2)
        os << ' ' << a;
    os << "); use conductor class 'ideal' for rho/A";
    throw std::invalid_argument(os.str());
}

cable::cable(std::string name, const cable_spec& spec, const cable_table& table)
    : m_name(std::move(name)), m_spec(spec), m_r20_ohm(0.0), m_alpha_per_k(table.alpha_per_k),
      m_ref_temp_k(table.reference_temp_k) {
    if (!(spec.length_m > 0.0) || !std::isfinite(spec.length_m))
        throw std::invalid_argument("cable '" + m_name + "': length must be > 0 m");
    try {
        m_r20_ohm = table.r_ref_ohm_per_m(spec.cross_section_mm2, spec.cls) * spec.length_m;
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("cable '" + m_name + "': " + e.what());
    }
}

} // namespace stacksim::num
