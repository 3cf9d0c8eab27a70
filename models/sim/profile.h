// A time profile: piecewise-linear (or stepwise) values over simulated time, optionally
// repeating with a period (a daily load curve used for every day of a long run).
#pragma once

#include <string>
#include <vector>

namespace stacksim::sim {

struct profile {
    enum class interp { linear, step };
    std::vector<double> t_s;
    std::vector<double> value;
    interp mode = interp::linear;
    double period_s = 0.0; // > 0: value(t) = value(t mod period_s); period_s >= the last point's time

    static profile constant(double v) { return profile{{0.0}, {v}, interp::step, 0.0}; }
    // Value at t: held before the first and after the last point (within a period if periodic).
    double at(double t) const;
};

} // namespace stacksim::sim
