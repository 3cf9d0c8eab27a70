#include "numeric/contact.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace stacksim::num {

double contact_law::r_ref_ohm(double torque_nm) const {
    if (!std::isfinite(torque_nm))
        throw std::invalid_argument("contact torque must be finite");
    if (torque_nm <= 0.0)
        return r_max_ohm;
    const double tau = std::min(torque_nm, nominal_torque_nm);
    return std::min(r_max_ohm, r_nominal_ohm * std::pow(nominal_torque_nm / tau, torque_exponent));
}

contact::contact(std::string name, contact_location location, double torque_nm, const contact_law& law,
                 double loosening_time_s)
    : m_name(std::move(name)), m_location(location), m_law(law), m_torque0_nm(0.0), m_loosen_s(0.0) {
    set_torque_nm(torque_nm);
    set_loosening_time_s(loosening_time_s);
}

double contact::torque_nm() const {
    if (std::isinf(m_loosen_s))
        return m_torque0_nm;
    return m_torque0_nm * std::exp(-m_age_s / m_loosen_s);
}

void contact::set_torque_nm(double torque_nm) {
    if (!std::isfinite(torque_nm) || torque_nm < 0.0)
        throw std::invalid_argument("contact '" + m_name + "': torque must be >= 0 Nm");
    m_torque0_nm = torque_nm;
    m_age_s = 0.0;
}

void contact::set_loosening_time_s(double t_s) {
    if (!(t_s > 0.0))
        throw std::invalid_argument("contact '" + m_name + "': loosening time must be > 0 s (inf = no drift)");
    m_loosen_s = t_s;
}

} // namespace stacksim::num
