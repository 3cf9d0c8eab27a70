// A time profile: piecewise-linear (or stepwise) values over simulated time.
#pragma once

#include <string>
#include <vector>

namespace stacksim::sim {

struct profile {
    enum class interp { linear, step };
    std::vector<double> t_s;
    std::vector<double> value;
    interp mode = interp::linear;

    static profile constant(double v) { return profile{{0.0}, {v}, interp::step}; }
    // Value at t: held before the first and after the last point.
    double at(double t) const;
    // Next time > t at which a step profile changes value (for event-aligned steps); +inf if none.
    double next_change_after(double t) const;
};

} // namespace stacksim::sim
