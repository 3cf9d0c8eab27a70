// Physical constants shared by every layer, defined once. Plain C++ (no SystemC, no Eigen, no
// other header): the numeric core (numeric/units.h), the wire protocols, the SystemC models, the
// tools and the tests include it alike.
#pragma once

namespace stacksim::units {

// 0 degC in kelvin: temp_k = temp_c + zero_celsius_k. Parameters and outputs speak Celsius
// (temp_c), the cell and thermal models Kelvin (temp_k), CAN's 0x373 sends kelvin.
inline constexpr double zero_celsius_k = 273.15;

} // namespace stacksim::units
