// stacksim.cell: the stack's own cell core for single-cell studies (no SystemC involved).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "py_util.h"
#include "numeric/cell_params.h"
#include "numeric/cell_simulation.h"

namespace py = pybind11;

namespace stacksim::py_bind {

void bind_cell(py::module_& m) {
    m.def(
        "simulate_cell",
        [](const std::string& params_path, const std::vector<double>& t_s, const std::vector<double>& current_a,
           double ambient_c, double dt_s, double initial_soc, double initial_hysteresis) {
            const std::string path = params_path.empty() ? num::default_cell_params_path() : params_path;
            num::cell_simulation_result r;
            {
                py::gil_scoped_release release;
                r = num::simulate_cell(path, t_s, current_a, ambient_c, dt_s, initial_soc, initial_hysteresis);
            }
            py::dict out;
            out["t_s"] = to_numpy(r.t_s);
            out["current_a"] = to_numpy(r.current_a);
            out["voltage_v"] = to_numpy(r.voltage_v);
            out["ocv_v"] = to_numpy(r.ocv_v);
            out["hysteresis_v"] = to_numpy(r.hysteresis_v);
            out["soc"] = to_numpy(r.soc);
            out["temp_c"] = to_numpy(r.temp_c);
            out["heat_w"] = to_numpy(r.heat_w);
            return out;
        },
        py::arg("params_path"), py::arg("t_s"), py::arg("current_a"), py::arg("ambient_c") = 25.0,
        py::arg("dt_s") = 1.0, py::arg("initial_soc") = 1.0, py::arg("initial_hysteresis") = 1.0,
        "Simulate one free-standing cell on a piecewise-constant current profile (+ = charging).");
    m.def("default_cell_params_path", &num::default_cell_params_path);
}

} // namespace stacksim::py_bind
