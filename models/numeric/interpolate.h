// Clamped piecewise-linear interpolation through a table of points (xs ascending): ys.front()
// at or below xs.front(), ys.back() at or above xs.back(), the straight line between the two
// neighbouring points in between. Used by time profiles, the inverter's efficiency curve and
// the BMS's rest-voltage-to-SoC tables.
#pragma once

#include <algorithm>
#include <cstddef>

namespace stacksim::num {

// xs and ys: n >= 1 points each.
inline double interp_clamped(const double* xs, const double* ys, std::size_t n, double x) {
    if (x <= xs[0])
        return ys[0];
    if (x >= xs[n - 1])
        return ys[n - 1];
    const std::size_t k = static_cast<std::size_t>(std::upper_bound(xs, xs + n, x) - xs); // xs[k-1] <= x < xs[k]
    const double f = (x - xs[k - 1]) / (xs[k] - xs[k - 1]);
    return ys[k - 1] + f * (ys[k] - ys[k - 1]);
}

// Any two random-access containers of double with data() and size() (std::vector).
template <typename Table>
double interp_clamped(const Table& xs, const Table& ys, double x) {
    return interp_clamped(xs.data(), ys.data(), xs.size(), x);
}

} // namespace stacksim::num
