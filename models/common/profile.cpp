#include "common/profile.h"

#include <algorithm>
#include <cmath>

#include "numeric/interpolate.h"

namespace stacksim::models {

double profile::at(double t) const {
    if (t_s.empty())
        return 0.0;
    if (period_s > 0.0)
        t -= period_s * std::floor(t / period_s);
    if (mode == interp::linear)
        return num::interp_clamped(t_s.begin(), value.begin(), t_s.size(), t);
    if (t <= t_s.front())
        return value.front();
    if (t >= t_s.back())
        return value.back();
    const auto it = std::upper_bound(t_s.begin(), t_s.end(), t);
    const std::size_t i = static_cast<std::size_t>(it - t_s.begin()); // t_s[i-1] <= t < t_s[i]
    return value[i - 1];
}

} // namespace stacksim::models
