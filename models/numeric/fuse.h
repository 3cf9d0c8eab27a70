// A fuse's pre-arcing time-current characteristic and its melting state (docs/models/network.md,
// "Module fuse"). No SystemC.
//
// Characteristic: a table of (current_a, melt_time_s) points, strictly increasing currents and
// strictly decreasing times, interpolated linearly in log(I)-log(t); above the last point the
// last segment's I^2 t law continues (t = t_last (I_last / I)^slope), below the first point the
// fuse never melts.
//
// Varying current (Miner's rule, the usual approximation for fuses): while |i| >= the first
// point's current, damage grows by dt / t_melt(|i|); below it, damage relaxes towards 0 as
// exp(-dt / cooling_time_s). The fuse blows when damage reaches 1 (and stays blown: a real fuse is
// replaced by hand). For a constant current above the first point it blows after exactly
// t_melt(I) (the step in which damage crosses 1 is the step of the blow).
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "numeric/param_file.h"

namespace stacksim::num {

struct fuse_curve {
    std::vector<double> current_a;   // strictly increasing, > 0
    std::vector<double> melt_time_s; // strictly decreasing, > 0
    double cooling_time_s{};         // relaxation of the damage below the first current

    // Throws std::invalid_argument when the table is not a valid characteristic.
    void check() const;
    double min_current_a() const { return current_a.front(); }
    // Pre-arcing time at |i| (infinity below the first point).
    double melt_time_s_at(double current_a) const;

    // The table of a sourced entry `fuse_curve: {current_a: [...], melt_time_s: [...], source: "..."}`
    // (recorded); cooling_time_s stays 0. The caller sets cooling_time_s (a parameter of
    // its own, module.fuse_cooling_time_s) and then calls check().
    static fuse_curve from(const param_node& curve);
};

class fuse {
public:
    fuse() = default;
    explicit fuse(fuse_curve curve);

    // Advance by dt_s with the current held at current_a. Returns true if the fuse blew in this
    // step (damage crossed 1); a blown fuse stays blown and ignores further updates.
    bool update(double dt_s, double current_a);
    bool blown() const { return m_blown; }
    double damage() const { return m_damage; } // 0..1 (1 once blown)
    double blow_time_s() const { return m_blow_time_s; } // time of update() at the blow (NaN before)
    double time_s() const { return m_time_s; }           // sum of the dt of every update
    // Time above the curve's first current since the damage last started from 0 (at the blow:
    // how long the overload that blew it lasted).
    double overload_s() const { return std::isnan(m_overload_start_s) ? 0.0 : (m_blown ? m_blow_time_s : m_time_s) - m_overload_start_s; }
    // Time until the blow if |current_a| is held from now (infinity below the curve or blown).
    double time_to_blow_s(double current_a) const;
    const fuse_curve& curve() const { return m_curve; }
    // Back to new (a fuse replaced).
    void reset();

private:
    fuse_curve m_curve;
    double m_damage = 0.0;
    double m_time_s = 0.0;
    double m_blow_time_s = std::numeric_limits<double>::quiet_NaN();
    double m_overload_start_s = std::numeric_limits<double>::quiet_NaN();
    bool m_blown = false;
};

} // namespace stacksim::num
