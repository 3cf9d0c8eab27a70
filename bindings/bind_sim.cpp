// Simulation objects for Python: run in steps, read state, change inputs, get numpy arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "py_util.h"
#include "battery/module_params.h"
#include "inverter/inverter_profile.h"
#include "numeric/cell_params.h"
#include "numeric/field_table.h"
#include "numeric/param_file.h"
#include "numeric/wiring_params.h"
#include "sim/scenario.h"
#include "sim/simulation.h"
#include "sim/system.h"
#include "sim/version.h"

namespace py = pybind11;

namespace stacksim::py_bind {

namespace {

// seed= from Python: None, or an integer (int, numpy integer) in the scenario key's range;
// anything else is a TypeError, out of range a ValueError, both naming the range.
std::optional<std::uint64_t> seed_from_python(const py::object& seed) {
    if (seed.is_none())
        return std::nullopt;
    const std::string expected = "seed: expected " + sim::seed_range_text() + ", got ";
    if (PyBool_Check(seed.ptr()) || !PyIndex_Check(seed.ptr()))
        throw py::type_error(expected + py::str(py::type::of(seed).attr("__name__")).cast<std::string>() + " " +
                             py::repr(seed).cast<std::string>());
    const py::int_ v(py::reinterpret_steal<py::object>(PyNumber_Index(seed.ptr())));
    if (v < py::int_(0) || v > py::int_(sim::seed_max))
        throw py::value_error(expected + py::repr(v).cast<std::string>());
    return v.cast<std::uint64_t>();
}

std::unique_ptr<sim::simulation> make_simulation(const std::string& path, const std::string& yaml_text,
                                                 const std::vector<std::string>& set, const py::object& seed_arg,
                                                 const std::string& out, double max_input_mb, double max_profile_mb,
                                                 bool keep_series) {
    const std::optional<std::uint64_t> seed = seed_from_python(seed_arg);
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
    return std::make_unique<sim::simulation>(std::move(sc), out, keep_series);
}

// Runs `advance` (run_until / run_for / run) without the GIL, taking it back about every 50 ms of
// wall time to let Python handle signals: Ctrl-C raises KeyboardInterrupt here, the simulation
// standing at a consistent instant with its outputs so far complete (simulation::interrupted).
template <class F> auto interruptible(sim::simulation& s, F&& advance) {
    struct check_scope {
        sim::simulation& s;
        ~check_scope() { s.set_interrupt_check({}); }
    } scope{s};
    s.set_interrupt_check([] {
        py::gil_scoped_acquire gil;
        return PyErr_CheckSignals() != 0; // the handler's exception (KeyboardInterrupt) stays set
    });
    try {
        py::gil_scoped_release release;
        return advance();
    } catch (const sim::interrupted&) {
        throw py::error_already_set();
    }
}

sim::simulation& synced(sim::simulation& s) {
    if (s.background_running())
        throw std::logic_error("the simulation runs in the background (wall-clock mode): read it with state()");
    s.top().battery().sync();
    return s;
}

std::size_t module_index(sim::simulation& s, const index_arg& m) {
    return checked(m, s.top().battery().plant().n_modules(), "module");
}

} // namespace

void bind_sim(py::module_& m) {
    py::register_exception<num::input_error>(m, "InputError", PyExc_ValueError);
    m.attr("SEED_MAX") = sim::seed_max;
    m.def("source_dir", &sim::source_dir, "The repository this build was configured from (scenarios, parameters).");
    m.def(
        "parameter_fields",
        [] {
            py::list out;
            auto add = [&](const char* file, const std::vector<num::field_info>& fields) {
                for (const auto& f : fields) {
                    py::dict d;
                    d["file"] = file;
                    d["key"] = f.key;
                    d["unit"] = f.unit;
                    d["range"] = f.range;
                    d["description"] = f.description;
                    out.append(d);
                }
            };
            add("module", models::module_param_fields());
            add("cell", num::cell_param_fields());
            add("wiring", num::wiring_param_fields());
            add("inverter", models::inverter_profile_fields());
            return out;
        },
        "Every parameter of the parameter files, from the field tables: a list of dicts "
        "{file, key, unit, range, description}; file is 'module', 'cell', 'wiring' or 'inverter' (an "
        "inverter behaviour profile, models/params/inverters/; as in a scenario's parameters.<file>), key "
        "the path in that file, e.g. 'bms.limits.ccl_a'.");
    m.def("version", &stacksim::version, "stacksim's version (as `stacksim --version`).");
    m.def("check_seed", [](const py::object& seed) { return seed_from_python(seed); }, py::arg("seed"),
          "The seed as an int (None stays None); TypeError / ValueError naming the range otherwise.");

    py::class_<sim::simulation>(m, "Simulation",
                                "One simulation with its own SystemC kernel. Drive time with run_until/run_for.")
        .def(py::init(&make_simulation), py::arg("path") = "", py::arg("yaml_text") = "",
             py::arg("set") = std::vector<std::string>{}, py::arg("seed") = py::none(), py::arg("out") = "",
             py::arg("max_input_mb") = static_cast<double>(num::input_limits{}.yaml_bytes) / num::input_limits::mib,
             py::arg("max_profile_mb") = static_cast<double>(num::input_limits{}.profile_bytes) / num::input_limits::mib,
             py::arg("keep_series") = true,
             "Load and validate a scenario (a file path, or YAML text), elaborate the system. "
             "out: directory for the output files ('' = in memory only). max_input_mb / max_profile_mb: "
             "size limits of the YAML files and CSV profiles read (the CLI's --max-input-mb / --max-profile-mb). "
             "keep_series: keep every recorded signal in memory for t_s / series(); False keeps memory bounded "
             "whatever the duration (series() then raises RuntimeError; the rows still go to out's files).")
        .def_property_readonly("time_s", &sim::simulation::time_s)
        .def("run_until", [](sim::simulation& s, double t_s) { interruptible(s, [&] { s.run_until(t_s); }); },
             py::arg("t_s"),
             "Advance simulated time to t_s (s): finite, not in the past, at most max_time_s (else ValueError). "
             "Ctrl-C raises KeyboardInterrupt; the simulation stays usable at the time reached.")
        .def("run_for", [](sim::simulation& s, double dt_s) { interruptible(s, [&] { s.run_for(dt_s); }); },
             py::arg("dt_s"), "Advance simulated time by dt_s >= 0 (s); as run_until.")
        .def("run", [](sim::simulation& s) { return interruptible(s, [&] { return s.run(); }); },
             "Run to the scenario's duration. Ctrl-C raises KeyboardInterrupt.")
        .def("finish", [](sim::simulation& s) { return s.finish().dump(); },
             "Write summary.json (if writing files); returns the summary as JSON text.")
        .def_property_readonly("columns", &sim::simulation::columns)
        .def_property_readonly("t_s", [](const sim::simulation& s) { return to_numpy(s.times_s()); })
        .def("series", [](const sim::simulation& s, const std::string& c) { return to_numpy(s.series(c)); },
             py::arg("column"), "Recorded values of one signal, as a numpy array (needs keep_series=True).")
        .def_property_readonly("duration_s", [](const sim::simulation& s) { return s.config().run.duration_s; })
        .def_property_readonly("module_count",
                               [](sim::simulation& s) { return s.top().battery().plant().n_modules(); },
                               "Number of modules in the stack.")
        .def("inject",
             [](sim::simulation& s, const std::string& text, const std::string& origin) {
                 py::gil_scoped_release release; // in the background: waits for the kernel thread
                 s.inject(text, origin);
             },
             py::arg("event_yaml"), py::arg("origin") = "<injected event>",
             "Inject one scenario event (YAML/JSON text {action: ..., ...}); without t_s it applies now.")
        .def("state_json",
             [](sim::simulation& s) {
                 py::gil_scoped_release release;
                 return s.state().dump();
             },
             "The present state as JSON text (models/sim/state_snapshot.h); safe while running in the background.")
        .def("start_background", &sim::simulation::start_background,
             "Wall-clock mode: run to the scenario's duration on a thread of its own (state()/inject() meanwhile).")
        .def("stop_background",
             [](sim::simulation& s) {
                 py::gil_scoped_release release;
                 s.stop_background();
             },
             "Stop a background run where it stands and wait for it (its outputs complete).")
        .def("wait_background",
             [](sim::simulation& s) {
                 py::gil_scoped_release release;
                 s.wait_background();
             },
             "Wait until a background run reaches the scenario's duration.")
        .def_property_readonly("background_running", &sim::simulation::background_running)
        .def_property_readonly("control_port", &sim::simulation::control_port_number,
                               "The control port's bound TCP port (run.control), -1 without one.")
        .def("set_inverter_power_w",
             [](sim::simulation& s, double p_w) { s.top().inverter().set_power_override_w(p_w); }, py::arg("power_w"),
             "Replace the inverter's power profile from now on (+ = charging); NaN returns to the profile.")
        .def("module_current_a",
             [](sim::simulation& s, const index_arg& mod) {
                 return synced(s).top().battery().plant().module_current_a(module_index(s, mod));
             },
             py::arg("module"), "Current of module m<module> (A, + = charging).")
        .def("stack_voltage_v", [](sim::simulation& s) {
            return synced(s).top().battery().plant().module_voltage_v(0);
        })
        .def("fuse_damage",
             [](sim::simulation& s, const index_arg& mod) {
                 return synced(s).top().battery().plant().fuse_damage(module_index(s, mod));
             },
             py::arg("module"), "Melting damage of module's fuse, 0..1 (1 = blown; docs/models/network.md).")
        .def("fuse_blown",
             [](sim::simulation& s, const index_arg& mod) {
                 return synced(s).top().battery().plant().fuse_blown(module_index(s, mod));
             },
             py::arg("module"))
        .def("inverter_current_a", [](sim::simulation& s) {
            s.top().battery().sync();
            return s.top().battery().plant().port_current_a();
        });
}

} // namespace stacksim::py_bind
