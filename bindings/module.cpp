// stacksim._core: one PYBIND11_MODULE calling one bind_* function per area (pybind11 FAQ).
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace stacksim::py_bind {
void bind_sim(py::module_& m);
void bind_cell(py::module_& m);
void bind_bms(py::module_& m);
void bind_can(py::module_& m);
} // namespace stacksim::py_bind

PYBIND11_MODULE(_core, m) {
    m.doc() = "stacksim C++ core: simulations of stacked 48 V LFP battery modules";
    stacksim::py_bind::bind_sim(m);
    stacksim::py_bind::bind_cell(m);
    stacksim::py_bind::bind_bms(m);
    stacksim::py_bind::bind_can(m);
}

// Debian's libsystemc leaves sc_main undefined and is linked with BIND_NOW: the extension must
// define it with default visibility or the import fails (systemc-style.md §8). Never called.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char**) { return 0; }
