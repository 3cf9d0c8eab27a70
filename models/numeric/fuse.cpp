#include "numeric/fuse.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace stacksim::num {

namespace {
// Damage within this of 1 counts as 1: the crossing of a constant current's exact melt time is
// not lost to the rounding of dt / t_melt sums (relative 1e-12 of a melt time).
constexpr double damage_tolerance = 1e-12;
// Damage below this counts as a fresh start of an overload (overload_s).
constexpr double start_damage = 1e-9;
} // namespace

void fuse_curve::check() const {
    if (current_a.size() < 2 || current_a.size() != melt_time_s.size())
        throw std::invalid_argument("fuse curve: at least two (current_a, melt_time_s) points, as many times as currents");
    for (std::size_t k = 0; k < current_a.size(); ++k) {
        if (!(current_a[k] > 0.0) || !(melt_time_s[k] > 0.0) || !std::isfinite(current_a[k]) ||
            !std::isfinite(melt_time_s[k]))
            throw std::invalid_argument("fuse curve: point " + std::to_string(k) + " must have a positive current and time");
        if (k > 0 && !(current_a[k] > current_a[k - 1]))
            throw std::invalid_argument("fuse curve: currents must strictly increase (point " + std::to_string(k) + ")");
        if (k > 0 && !(melt_time_s[k] < melt_time_s[k - 1]))
            throw std::invalid_argument("fuse curve: melt times must strictly decrease (point " + std::to_string(k) + ")");
    }
    if (!(cooling_time_s > 0.0))
        throw std::invalid_argument("fuse curve: cooling_time_s must be positive");
}

double fuse_curve::melt_time_s_at(double current) const {
    const double i = std::abs(current);
    if (!(i >= current_a.front()))
        return std::numeric_limits<double>::infinity();
    // Segment k: [current_a[k], current_a[k+1]]; beyond the last point the last segment goes on.
    const auto it = std::upper_bound(current_a.begin(), current_a.end(), i);
    std::size_t k = static_cast<std::size_t>(it - current_a.begin());
    k = std::min(k == 0 ? 0 : k - 1, current_a.size() - 2);
    if (i == current_a[k])
        return melt_time_s[k];
    const double x0 = std::log(current_a[k]), x1 = std::log(current_a[k + 1]);
    const double y0 = std::log(melt_time_s[k]), y1 = std::log(melt_time_s[k + 1]);
    const double x = std::log(i);
    return std::exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0));
}

fuse_curve fuse_curve::from(const param_node& c) {
    c.allow_only({"current_a", "melt_time_s", "source", "note"});
    fuse_curve f;
    f.current_a = c.at("current_a").as_axis(1e-3, 1e7, 2);
    const param_node t = c.at("melt_time_s");
    f.melt_time_s = t.as_numbers(1e-9, 1e9, f.current_a.size());
    if (f.melt_time_s.size() != f.current_a.size())
        t.fail("a list of " + std::to_string(f.current_a.size()) + " times (one per current)");
    for (std::size_t k = 1; k < f.melt_time_s.size(); ++k)
        if (!(f.melt_time_s[k] < f.melt_time_s[k - 1]))
            t.fail("melt times that strictly decrease as the current grows");
    c.record(c.path(), "time-current table", c.at("source").as_string());
    return f;
}

fuse::fuse(fuse_curve curve) : m_curve(std::move(curve)) { m_curve.check(); }

bool fuse::update(double dt_s, double current_a) {
    if (!(dt_s >= 0.0))
        throw std::invalid_argument("fuse::update: dt_s must be >= 0");
    if (m_blown) {
        m_time_s += dt_s;
        return false;
    }
    const double t_melt = m_curve.melt_time_s_at(current_a);
    if (std::isfinite(t_melt)) {
        if (m_damage < start_damage || std::isnan(m_overload_start_s))
            m_overload_start_s = m_time_s;
        m_damage += dt_s / t_melt;
    } else {
        m_damage *= std::exp(-dt_s / m_curve.cooling_time_s);
    }
    m_time_s += dt_s;
    if (m_damage >= 1.0 - damage_tolerance) {
        m_damage = 1.0;
        m_blown = true;
        m_blow_time_s = m_time_s;
        return true;
    }
    return false;
}

double fuse::time_to_blow_s(double current_a) const {
    if (m_blown)
        return std::numeric_limits<double>::infinity();
    const double t_melt = m_curve.melt_time_s_at(current_a);
    if (!std::isfinite(t_melt))
        return std::numeric_limits<double>::infinity();
    return std::max(0.0, 1.0 - m_damage) * t_melt;
}

void fuse::reset() {
    m_damage = 0.0;
    m_blown = false;
    m_overload_start_s = std::numeric_limits<double>::quiet_NaN();
    m_blow_time_s = std::numeric_limits<double>::quiet_NaN();
}

} // namespace stacksim::num
