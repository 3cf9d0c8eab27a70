// Python hooks for the BMS, AFE and RS485 chain: free functions taking a Simulation, so a Python
// controller can inject faults and read state between run_for() calls. The fault setters are
// scenario events applied now (Simulation.inject): logged, and seen by the expectations.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>

#include "py_util.h"
#include "sim/simulation.h"
#include "sim/system.h"

namespace py = pybind11;

namespace stacksim::py_bind {

namespace {

std::size_t module_index(sim::simulation& s, const index_arg& m) {
    return checked(m, s.top().battery().n_modules(), "module");
}

models::battery_module& module(sim::simulation& s, const index_arg& m) {
    return s.top().battery().module(module_index(s, m));
}

// A fault set from Python takes the scenario events' route (sim/event_dispatch.h): the same
// checks, applied now (at t = 0: at the first instant after it, as a scenario event), logged in
// events.jsonl and seen by the expectations. `origin` names the setter in messages.
void apply_now(sim::simulation& s, const nlohmann::json& event, const char* origin) {
    s.inject(event.dump(), origin);
}

// The Python setter `name`(sim, module, <index_key>, <value_key>) of an AFE fault at one of module
// m<module>'s cells (index_key "cell") or NTC sensors ("sensor"): the event {action, module,
// <index_key>, <value_key>}, both indices checked first (IndexError naming the range), applied now.
template <class V>
void def_afe_fault(py::module_& m, const char* name, const char* action, const char* index_key, const char* value_key,
                   const char* doc) {
    m.def(
        name,
        [=](sim::simulation& s, const index_arg& mod, const index_arg& index, V value) {
            const std::size_t mi = module_index(s, mod);
            const models::afe* a = module(s, mod).bms_view().builtin_afe();
            if (!a)
                throw std::runtime_error(std::string(name) + ": module m" + std::to_string(mi) +
                                         " runs a firmware (its AFE is a BQ76952, without these faults)");
            const auto& afe = *a;
            const std::size_t n = std::string(index_key) == "cell" ? afe.config().cells : afe.n_ntc();
            apply_now(s, {{"action", action}, {"module", mi}, {index_key, checked(index, n, index_key)}, {value_key, value}},
                      name);
        },
        py::arg("sim"), py::arg("module"), py::arg(index_key), py::arg(value_key), doc);
}

py::list channel_names(std::uint32_t bits) {
    py::list out;
    for (std::size_t ch = 0; ch < models::n_prot_channels; ++ch)
        if (bits & models::bms::flag(static_cast<models::prot_channel>(ch)))
            out.append(models::prot_channel_name(static_cast<models::prot_channel>(ch)));
    if (bits & models::bms::prot_short_circuit)
        out.append("short_circuit");
    if (bits & models::bms::prot_lockout)
        out.append("lockout");
    return out;
}

} // namespace

void bind_bms(py::module_& m) {
    m.def("rs485_set_hop_cut",
          [](sim::simulation& s, const index_arg& hop, bool cut) {
              const auto& chain = s.top().battery().rs485();
              apply_now(s, {{"action", "rs485_hop_cut"}, {"hop", checked(hop, chain.n_hops(), "hop")}, {"cut", cut}},
                        "rs485_set_hop_cut");
          },
          py::arg("sim"), py::arg("hop"), py::arg("cut"),
          "Cut (True) or repair the RS485 cable of hop `hop` (between module m<hop> port B and m<hop+1> port A).");
    m.def("rs485_corrupt_next", [](sim::simulation& s, unsigned n) {
              apply_now(s, {{"action", "rs485_noise"}, {"frames", n}}, "rs485_corrupt_next");
          },
          py::arg("sim"), py::arg("n_frames"), "Flip one bit of one character in each of the next n frames.");
    m.def("rs485_stats",
          [](sim::simulation& s) {
              auto& chain = s.top().battery().rs485();
              py::dict d;
              d["frames"] = chain.frames();
              d["collisions"] = chain.collisions();
              const models::stack_master* ms = s.top().battery().module(0).master();
              d["master_rejected"] = ms ? py::cast(ms->rs485_rejected()) : py::none(); // a firmware keeps its own
              py::list subs;
              for (std::size_t k = 0; k < s.top().battery().n_modules(); ++k) {
                  const models::bms* b = s.top().battery().module(k).controller();
                  py::dict n;
                  n["rejected"] = b ? py::cast(b->rs485_rejected()) : py::none(); // a firmware keeps its own
                  n["answered"] = b ? py::cast(b->rs485_answered()) : py::none();
                  subs.append(n);
              }
              d["modules"] = subs;
              return d;
          },
          py::arg("sim"), "Frame, collision and rejection counters of the chain and every module.");
    m.def("bms_state",
          [](sim::simulation& s, const index_arg& mod) {
              const auto& view = module(s, mod).bms_view();
              const auto& r = view.report();
              py::dict d;
              // Measured values do not exist before the first measurement: None, as the outputs'
              // empty fields (docs/outputs.md, "Missing values"). A firmware gives only the groups
              // it publishes (stacksim_fw_module_status); what only the builtin BMS keeps is None.
              const bool measured = r.time_s >= 0.0;
              const bool builtin = view.builtin_bms() != nullptr;
              using g = models::report_group;
              auto value = [&](g group, auto v) -> py::object {
                  return measured && view.reported(group) ? py::cast(v) : py::none();
              };
              auto own = [&](auto v, bool needs_measurement) -> py::object {
                  return builtin && (measured || !needs_measurement) ? py::cast(v) : py::none();
              };
              d["address"] = r.address;
              d["powered"] = r.powered;
              d["joined"] = own(r.joined, false);
              d["master_lost"] = own(r.master_lost, false);
              d["switch_closed"] = r.switch_closed;
              d["protection"] = own(r.protection, false);
              d["protection_bits"] = value(g::protection, r.protection_bits);
              d["warning_bits"] = value(g::protection, r.warning_bits);
              d["protections"] = measured && view.reported(g::protection) ? channel_names(r.protection_bits) : py::list();
              d["warnings"] = measured && view.reported(g::protection) ? channel_names(r.warning_bits) : py::list();
              d["sensor_faults"] = own(r.sensor_faults, false);
              d["soc"] = value(g::soc, r.soc);
              d["voltage_v"] = own(r.voltage_v, true);
              d["stack_v"] = own(r.stack_v, true);
              d["locked_out"] = own(r.locked_out, false);
              d["current_a"] = own(r.current_a, true);
              d["cvl_v"] = value(g::limits, r.cvl_v);
              d["ccl_a"] = value(g::limits, r.ccl_a);
              d["dcl_a"] = value(g::limits, r.dcl_a);
              const bool enables = builtin || view.reported(g::enable);
              d["charge_enable"] = enables ? py::cast(r.charge_enable) : py::none();
              d["discharge_enable"] = enables ? py::cast(r.discharge_enable) : py::none();
              d["calibrated"] = own(r.calibrated, false);
              d["time_s"] = r.time_s;
              return d;
          },
          py::arg("sim"), py::arg("module"), "The BMS's view of module m<module> (its last measurement).");
    m.def("master_state",
          [](sim::simulation& s) {
              auto& view = s.top().battery().module(0).bms_view();
              const models::stack_aggregate* a = view.aggregate();
              if (!a)
                  throw std::runtime_error("module m0 is not a master");
              const bool computed = a->time_s >= 0.0; // the stack view exists from the first CAN cycle
              // A firmware master gives only the groups it publishes (stacksim_fw_stack_status).
              auto value = [&](models::aggregate_group g, auto v) -> py::object {
                  return computed && view.aggregated(g) ? py::cast(v) : py::none();
              };
              using g = models::aggregate_group;
              py::dict d;
              d["modules_present"] = value(g::present, a->modules_present);
              d["ccl_a"] = value(g::limits, a->ccl_a);
              d["dcl_a"] = value(g::limits, a->dcl_a);
              d["cvl_v"] = value(g::limits, a->cvl_v);
              // What only the builtin master keeps: None for a firmware master.
              const models::stack_master* ms = s.top().battery().module(0).master();
              d["modules_protected"] = ms && computed ? py::cast(a->modules_protected) : py::none();
              d["cluster_stop"] = ms ? py::cast(a->cluster_stop) : py::none();
              d["first_start_hold"] = ms ? py::cast(a->first_start_hold) : py::none();
              d["modules_uncalibrated"] = ms ? py::cast(a->modules_uncalibrated) : py::none();
              if (ms) {
                  py::list lost, joined;
                  for (std::size_t k = 0; k < ms->n_subs(); ++k) {
                      lost.append(ms->sub_lost(k));
                      joined.append(ms->sub_joined(k));
                  }
                  d["sub_lost"] = lost; // chain order: Sub#1 = m1, ...
                  d["sub_joined"] = joined;
              } else {
                  d["sub_lost"] = py::none();
                  d["sub_joined"] = py::none();
              }
              return d;
          },
          py::arg("sim"),
          "The master's aggregate and its view of every sub (chain order); for a firmware master the "
          "groups it publishes, None for the rest.");
    m.def("bms_set_powered", [](sim::simulation& s, const index_arg& mod, bool on) {
              apply_now(s, {{"action", "module_power"}, {"module", module_index(s, mod)}, {"on", on}}, "bms_set_powered");
          },
          py::arg("sim"), py::arg("module"), py::arg("on"),
          "Switch module m<module>'s BMS off (its switch opens; no measurement, RS485 or CAN) or on.");
    def_afe_fault<bool>(m, "afe_set_open_wire", "open_wire", "cell", "open", "Open (or repair) a cell sense wire.");
    def_afe_fault<bool>(m, "afe_set_ntc_stuck", "ntc_stuck", "sensor", "stuck", "Freeze an NTC at its last reading.");
    def_afe_fault<double>(m, "afe_set_ntc_drift", "ntc_drift", "sensor", "k_per_s", "Let an NTC drift (K/s from now).");
}

} // namespace stacksim::py_bind
