// The physical constants of base/units/units.h under the numeric core's namespace, so the models,
// tools and tests write num::zero_celsius_k; the value itself is defined there only.
#pragma once

#include "units/units.h"

namespace stacksim::num {

// 0 degC in kelvin: temp_k = temp_c + zero_celsius_k (units/units.h).
using units::zero_celsius_k;

} // namespace stacksim::num
