// Exact conversions between seconds and SystemC time for bus timing.
#pragma once
#include <cstdint>
#include <systemc>

namespace stacksim::bus {
// Simulated time from a whole number of picoseconds (the kernel resolution is set to 1 ps or finer).
sc_core::sc_time from_ps(std::uint64_t ps);
// Seconds as a double, for logs and outputs (whole seconds come out exact).
double to_s(const sc_core::sc_time& t);
} // namespace stacksim::bus
