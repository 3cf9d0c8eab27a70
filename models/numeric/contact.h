// Bolted contact (cable lug on a module terminal or on the external bus bar).
//
// Torque law [assumption: no public source relates torque to contact resistance; the anchors
// are cell-and-cable-data.md §10.2]:
//   R(tau, T) = min(r_max, r_nom (tau_nom / min(tau, tau_nom))^n) (1 + alpha (T - T_ref))
// (over-torque gives no further gain; tau <= 0 gives r_max). tau_nom = 14 Nm at module terminals, 40 Nm on the bus bar ([4K4PRO] U2).
// Loosening (optional, two independent laws that multiply): the effective torque relaxes from the
// torque applied at the last tightening, tau(t) = tau_0 exp(-t / t_loosen) p(t); t_loosen = inf
// means no exponential drift; p is the preload left by embedding, creep and thermal cycling over
// months (bolt_preload.h; p = 1 while its law is inactive, the default).
#pragma once

#include <limits>
#include <string>

#include "numeric/bolt_preload.h"
#include "numeric/enum_names.h"

namespace stacksim::num {

enum class contact_location { terminal, busbar };

inline const enum_names<contact_location, 2> contact_location_names{
    "contact location", {{{contact_location::terminal, "terminal"}, {contact_location::busbar, "busbar"}}}};

inline const char* to_string(contact_location l) { return contact_location_names.name(l); }

// Read from models/params/wiring_default.yaml (contact.*; the temperature law is the copper's), so
// no values of its own.
struct contact_law {
    double nominal_torque_nm{};
    double r_nominal_ohm{};
    double torque_exponent{};
    double r_max_ohm{};
    double alpha_per_k{};
    double reference_temp_k{};

    // Resistance at torque_nm and the reference temperature.
    double r_ref_ohm(double torque_nm) const;
    // The copper's temperature law: resistance at temp_k over that at the reference temperature.
    double temperature_factor(double temp_k) const { return 1.0 + alpha_per_k * (temp_k - reference_temp_k); }
    double resistance_ohm(double torque_nm, double temp_k) const {
        return r_ref_ohm(torque_nm) * temperature_factor(temp_k);
    }
};

class contact {
public:
    contact(std::string name, contact_location location, double torque_nm, const contact_law& law,
            double loosening_time_s = std::numeric_limits<double>::infinity());

    const std::string& name() const { return m_name; }
    contact_location location() const { return m_location; }
    const contact_law& law() const { return m_law; }
    double applied_torque_nm() const { return m_torque0_nm; }
    double loosening_time_s() const { return m_loosen_s; }
    double age_s() const { return m_age_s; }
    // Effective torque now (after loosening).
    double torque_nm() const;
    // The law at the effective torque; its torque factor (a power) is kept while the torque
    // stays the same, as it does unless the contact loosens or its preload law runs.
    double resistance_ohm(double temp_k) const {
        const double torque = torque_nm();
        if (!(torque == m_r_ref_torque_nm)) {
            m_r_ref_ohm = m_law.r_ref_ohm(torque);
            m_r_ref_torque_nm = torque;
        }
        return m_r_ref_ohm * m_law.temperature_factor(temp_k);
    }

    // (Re-)tighten to torque_nm: restarts the loosening clocks (the 3-month inspection).
    void set_torque_nm(double torque_nm);
    void set_loosening_time_s(double t_s);
    // The preload law over months (inactive by default); the preload starts full now.
    void set_preload_law(const bolt_preload_law& law);
    const bolt_preload& preload() const { return m_preload; }
    // Simulated time at the contact's temperature temp_k and the ambient (the preload law counts
    // the contact's swings and its rise above ambient).
    void advance(double dt_s, double temp_k, double ambient_k);
    // Fast aging: dt_s of life without simulated time (bolt_preload::jump); the exponential drift
    // ages too.
    void jump(double dt_s);
    void start_window() { m_preload.start_window(); }

private:
    std::string m_name;
    contact_location m_location;
    contact_law m_law;
    double m_torque0_nm;
    double m_loosen_s;
    double m_age_s = 0.0;
    bolt_preload m_preload;
    mutable double m_r_ref_torque_nm = std::numeric_limits<double>::quiet_NaN(); // torque of m_r_ref_ohm
    mutable double m_r_ref_ohm = 0.0;
};

} // namespace stacksim::num
