// Simulation objects for Python: run in steps, read state, change inputs, get numpy arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "py_util.h"
#include "numeric/param_file.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "sim/system.h"

namespace py = pybind11;

namespace stacksim::py_bind {

namespace {

std::unique_ptr<sim::simulation> make_simulation(const std::string& path, const std::string& yaml_text,
                                                 const std::vector<std::string>& set, std::optional<std::uint64_t> seed,
                                                 const std::string& out, double max_input_mb, double max_profile_mb) {
    const std::uint64_t* s = seed ? &*seed : nullptr;
    num::input_limits limits; // the CLI's --max-input-mb / --max-profile-mb (numeric/input_file.h)
    try {
        limits.yaml_bytes = num::input_limits::bytes_from_mb(max_input_mb);
        limits.profile_bytes = num::input_limits::bytes_from_mb(max_profile_mb);
    } catch (const std::invalid_argument& e) {
        throw py::value_error(std::string("max_input_mb / max_profile_mb: ") + e.what());
    }
    sim::scenario sc = yaml_text.empty()
                           ? sim::load_scenario(path, set, s, limits)
                           : sim::load_scenario_text(yaml_text, path.empty() ? "<text>" : path, set, s, limits);
    return std::make_unique<sim::simulation>(std::move(sc), out);
}

} // namespace

void bind_sim(py::module_& m) {
    py::register_exception<num::input_error>(m, "InputError", PyExc_ValueError);

    py::class_<sim::simulation>(m, "Simulation",
                                "One simulation with its own SystemC kernel. Drive time with run_until/run_for.")
        .def(py::init(&make_simulation), py::arg("path") = "", py::arg("yaml_text") = "",
             py::arg("set") = std::vector<std::string>{}, py::arg("seed") = std::nullopt, py::arg("out") = "",
             py::arg("max_input_mb") = static_cast<double>(num::input_limits{}.yaml_bytes) / num::input_limits::mib,
             py::arg("max_profile_mb") = static_cast<double>(num::input_limits{}.profile_bytes) / num::input_limits::mib,
             "Load and validate a scenario (a file path, or YAML text), elaborate the system. "
             "out: directory for the output files ('' = in memory only). max_input_mb / max_profile_mb: "
             "size limits of the YAML files and CSV profiles read (the CLI's --max-input-mb / --max-profile-mb).")
        .def_property_readonly("time_s", &sim::simulation::time_s)
        .def("run_until", &sim::simulation::run_until, py::arg("t_s"), py::call_guard<py::gil_scoped_release>(),
             "Advance simulated time to t_s (s).")
        .def("run_for", &sim::simulation::run_for, py::arg("dt_s"), py::call_guard<py::gil_scoped_release>(),
             "Advance simulated time by dt_s (s).")
        .def("run", [](sim::simulation& s) { return s.run(); }, py::call_guard<py::gil_scoped_release>(),
             "Run to the scenario's duration.")
        .def("finish", [](sim::simulation& s) { return s.finish().dump(); },
             "Write summary.json (if writing files); returns the summary as JSON text.")
        .def_property_readonly("columns", &sim::simulation::columns)
        .def_property_readonly("t_s", [](const sim::simulation& s) { return to_numpy(s.times_s()); })
        .def("series", [](const sim::simulation& s, const std::string& c) { return to_numpy(s.series(c)); },
             py::arg("column"), "Recorded values of one signal, as a numpy array.")
        .def_property_readonly("duration_s", [](const sim::simulation& s) { return s.config().run.duration_s; })
        .def_property_readonly("module_count",
                               [](sim::simulation& s) { return s.top().battery().plant().n_modules(); },
                               "Number of modules in the stack.")
        .def("inject", &sim::simulation::inject, py::arg("event_yaml"), py::arg("origin") = "<injected event>",
             "Inject one scenario event (YAML/JSON text {action: ..., ...}); without t_s it applies now.")
        .def("set_inverter_power_w",
             [](sim::simulation& s, double p_w) { s.top().inverter().set_power_override_w(p_w); }, py::arg("power_w"),
             "Replace the inverter's power profile from now on (+ = charging); NaN returns to the profile.")
        .def("module_current_a", [](sim::simulation& s, std::size_t module) {
            s.top().battery().sync();
            return s.top().battery().plant().module_current_a(module);
        }, py::arg("module"))
        .def("stack_voltage_v", [](sim::simulation& s) {
            s.top().battery().sync();
            return s.top().battery().plant().module_voltage_v(0);
        })
        .def("fuse_damage", [](sim::simulation& s, std::size_t module) {
            s.top().battery().sync();
            return s.top().battery().plant().fuse_damage(module);
        }, py::arg("module"), "Melting damage of module's fuse, 0..1 (1 = blown; docs/models/network.md).")
        .def("fuse_blown", [](sim::simulation& s, std::size_t module) {
            s.top().battery().sync();
            return s.top().battery().plant().fuse_blown(module);
        }, py::arg("module"))
        .def("inverter_current_a", [](sim::simulation& s) {
            s.top().battery().sync();
            return s.top().battery().plant().port_current_a();
        });
}

} // namespace stacksim::py_bind
