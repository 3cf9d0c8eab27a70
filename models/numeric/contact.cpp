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
    const double drift = std::isinf(m_loosen_s) ? m_torque0_nm : m_torque0_nm * std::exp(-m_age_s / m_loosen_s);
    return m_preload.active() ? drift * m_preload.fraction() : drift;
}

void contact::set_torque_nm(double torque_nm) {
    if (!std::isfinite(torque_nm) || torque_nm < 0.0)
        throw std::invalid_argument("contact '" + m_name + "': torque must be >= 0 Nm");
    m_torque0_nm = torque_nm;
    m_age_s = 0.0;
    m_preload.tighten();
}

void contact::advance(double dt_s, double temp_k, double ambient_k) {
    m_age_s += dt_s;
    if (m_preload.active())
        m_preload.advance(dt_s, temp_k, ambient_k, m_law.r_ref_ohm(torque_nm()));
}

void contact::jump(double dt_s) {
    if (m_preload.active()) {
        // The torque law at preload p, with the exponential drift where it stands at the jump's start.
        const double drift_nm = std::isinf(m_loosen_s) ? m_torque0_nm : m_torque0_nm * std::exp(-m_age_s / m_loosen_s);
        m_preload.jump(dt_s, [&](double p) { return m_law.r_ref_ohm(drift_nm * p); });
    }
    m_age_s += dt_s;
}

void contact::set_preload_law(const bolt_preload_law& law) {
    m_preload = bolt_preload(law);
}

void contact::set_loosening_time_s(double t_s) {
    if (!(t_s > 0.0))
        throw std::invalid_argument("contact '" + m_name + "': loosening time must be > 0 s (inf = no drift)");
    m_loosen_s = t_s;
}

} // namespace stacksim::num
