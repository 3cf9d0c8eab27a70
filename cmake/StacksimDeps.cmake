# Third-party dependencies, all from Debian 12 packages (tools/setup/install-deps.sh).
find_package(PkgConfig REQUIRED)
# Debian's SystemC ships no CMake config; prefer one if a newer install provides it.
find_package(SystemCLanguage CONFIG QUIET)
if(SystemCLanguage_FOUND)
  add_library(stacksim_systemc INTERFACE)
  target_link_libraries(stacksim_systemc INTERFACE SystemC::systemc)
else()
  pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
  add_library(stacksim_systemc INTERFACE)
  target_link_libraries(stacksim_systemc INTERFACE PkgConfig::SYSTEMC)
endif()
# sc_spawn (per-frame delivery processes, bus-off recovery) needs the dynamic-process API.
target_compile_definitions(stacksim_systemc INTERFACE SC_INCLUDE_DYNAMIC_PROCESSES)

find_package(Eigen3 3.4 REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED CONFIG)
find_package(fmt REQUIRED CONFIG)
# fmt is used header-only, in every target alike: Dragonbox (the shortest digits of every number
# in timeseries.csv, num::write_shortest_text) then compiles into the caller, and takes its
# powers of ten from the full table (617 entries, 9.9 KiB) instead of rebuilding them from a
# compressed one with two more 128-bit products: 29 -> 23 ns a number (bench_number_text). The
# same definitions in every target keep one definition of fmt's inline code in the program.
add_library(stacksim_fmt INTERFACE)
target_link_libraries(stacksim_fmt INTERFACE fmt::fmt-header-only)
target_compile_definitions(stacksim_fmt INTERFACE FMT_USE_FULL_CACHE_DRAGONBOX=1)
find_package(CLI11 REQUIRED CONFIG)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
# timeseries.h5 (run.hdf5): Debian's serial HDF5, C API only; linked to the sim library alone.
# FindHDF5 test-compiles a C program, so C must be enabled (the project itself is C++ only).
enable_language(C)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(Threads REQUIRED)

if(STACKSIM_BUILD_TESTS)
  find_package(GTest REQUIRED CONFIG)
  include(GoogleTest)
endif()
if(STACKSIM_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED CONFIG)
endif()
if(STACKSIM_BUILD_PYTHON)
  # Debian's interpreter: the python3 first on PATH may be a pyenv without numpy/pytest.
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python interpreter for the bindings")
  find_package(Python 3.11 REQUIRED COMPONENTS Interpreter Development.Module)
  find_package(pybind11 2.10 REQUIRED CONFIG)
endif()
