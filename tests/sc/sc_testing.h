// Shared harness for SystemC benches (after VCML's): gtest's main, SystemC warnings and errors
// turned into test failures, a fresh kernel per test process.
//
// SystemC allows one elaboration per kernel, so every TEST in a bench runs in its own process:
// CTest runs them one by one through gtest_discover_tests. Running a bench binary by hand with
// several tests at once fails with E529 -- use ctest or --gtest_filter.
#pragma once

#include <gtest/gtest.h>
#include <systemc>

namespace stacksim::sctest {

// Seconds since the start of simulation, as a double.
inline double now_s() { return sc_core::sc_time_stamp().to_seconds(); }

} // namespace stacksim::sctest
