// Physical constants shared by every layer. Plain C++ (no SystemC, no Eigen): the numeric core,
// the SystemC models, the tools and the tests include it alike.
#pragma once

namespace stacksim::num {

// 0 degC in kelvin: temp_k = temp_c + zero_celsius_k. Parameters and outputs speak Celsius
// (temp_c), the cell and thermal models Kelvin (temp_k).
inline constexpr double zero_celsius_k = 273.15;

} // namespace stacksim::num
