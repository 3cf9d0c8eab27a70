// Python hooks for the CAN link and inverter: free functions taking a Simulation, so a Python
// controller can inject faults and read state between run_for() calls. The faults that are
// scenario events (can_node, can_errors, can_drop) are applied as such (Simulation.inject).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>

#include "sim/simulation.h"
#include "sim/system.h"

namespace py = pybind11;

namespace stacksim::py_bind {

namespace {

models::can_link& link(sim::simulation& s) {
    models::can_link* l = s.top().battery().module(0).can();
    if (!l)
        throw std::runtime_error("module m0 has no builtin CAN link (its BMS is a firmware)");
    return *l;
}

// "inverter" / "battery" for a full CAN node name (as in can_nodes()); other text unchanged.
std::string short_node_name(sim::simulation& s, const std::string& node) {
    if (node == s.top().inverter().can_node_name())
        return "inverter";
    if (node == s.top().battery().module(0).bms_view().can_node_name())
        return "battery";
    return node;
}

// CAN faults set from Python take the scenario events' route (sim/event_dispatch.h, as the
// bind_bms.cpp setters): checked, applied now, logged in events.jsonl, seen by the expectations.
void apply_now(sim::simulation& s, const nlohmann::json& event, const char* origin) {
    s.inject(event.dump(), origin);
}

} // namespace

void bind_can(py::module_& m) {
    m.def("can_set_online",
          [](sim::simulation& s, const std::string& node, bool online) {
              apply_now(s, {{"action", "can_node"}, {"node", short_node_name(s, node)}, {"online", online}},
                        "can_set_online");
          },
          py::arg("sim"), py::arg("node"), py::arg("online"),
          "Disconnect (False) or reconnect a CAN node: 'inverter', 'battery' or a node name. A disconnected "
          "node neither sends nor receives.");
    m.def("can_corrupt_next", [](sim::simulation& s, unsigned n) {
              apply_now(s, {{"action", "can_errors"}, {"frames", n}}, "can_corrupt_next");
          }, py::arg("sim"),
          py::arg("n_frames"), "The next n frames get a bit error (error frame, retransmission).");
    m.def("can_drop_next", [](sim::simulation& s, unsigned n) {
              apply_now(s, {{"action", "can_drop"}, {"frames", n}}, "can_drop_next");
          }, py::arg("sim"),
          py::arg("n_frames"), "The next n frames vanish unseen by the receivers.");
    m.def("can_set_shorted", [](sim::simulation& s, bool on) { s.top().can().set_shorted(on); }, py::arg("sim"),
          py::arg("shorted"), "CAN-H/CAN-L short: nothing gets through while set.");
    m.def("inverter_set_heartbeat", [](sim::simulation& s, bool on) { s.top().inverter().set_heartbeat_enabled(on); },
          py::arg("sim"), py::arg("enabled"),
          "Stop (False) / resume the inverter's 0x305/0x306/0x307; it keeps receiving.");
    m.def("battery_set_can_transmit", [](sim::simulation& s, bool on) { link(s).set_transmit_enabled(on); },
          py::arg("sim"), py::arg("enabled"), "Stop (False) / resume the master's CAN message set; it keeps receiving.");
    m.def("can_nodes",
          [](sim::simulation& s) {
              py::list out;
              for (const auto& n : s.top().can().nodes()) {
                  py::dict d;
                  d["name"] = n.name;
                  d["tec"] = n.tec;
                  d["rec"] = n.rec;
                  d["state"] = bus::to_string(n.state);
                  d["online"] = n.online;
                  d["frames_sent"] = n.frames_sent;
                  d["frames_received"] = n.frames_received;
                  d["errors"] = n.errors;
                  out.append(d);
              }
              return out;
          },
          py::arg("sim"), "Per-node CAN statistics and error state.");
    m.def("can_bus_load", [](sim::simulation& s) { return s.top().can().load(s.time_s()); }, py::arg("sim"),
          "Fraction of the simulated time the CAN bus was busy.");
    m.def("inverter_view",
          [](sim::simulation& s) {
              const models::inverter& inv = s.top().inverter();
              const models::inverter_view& v = inv.view();
              py::dict d;
              d["limits_valid"] = v.limits_valid;
              d["cvl_v"] = v.cvl_v;
              d["ccl_a"] = v.ccl_a;
              d["dcl_a"] = v.dcl_a;
              d["dvl_v"] = v.dvl_v;
              d["soc_pct"] = v.soc_pct;
              d["soh_pct"] = v.soh_pct;
              d["voltage_v"] = v.voltage_v;
              d["current_a"] = v.current_a;
              d["temp_c"] = v.temp_c;
              d["charge_enable"] = v.charge_enable;
              d["discharge_enable"] = v.discharge_enable;
              d["force_charge_1"] = v.force_charge_1;
              d["force_charge_2"] = v.force_charge_2;
              d["full_charge_request"] = v.full_charge_request;
              d["last_battery_frame_s"] = v.last_battery_frame_s;
              d["last_355_s"] = v.last_355_s;
              d["standby"] = inv.standby();
              d["in_cv"] = inv.in_cv();
              d["command_a"] = inv.command_a();
              d["requested_a"] = inv.requested_a();
              d["ac_power_w"] = inv.ac_power_w();
              d["grid_power_w"] = inv.grid_power_w();
              return d;
          },
          py::arg("sim"), "What the inverter has decoded from the battery, and its state.");
    m.def("battery_can_state",
          [](sim::simulation& s) {
              models::can_link& l = link(s);
              const proto::battery_can_state& st = l.last_state();
              py::dict d;
              d["heartbeat_lost"] = l.heartbeat_lost();
              d["last_heartbeat_s"] = l.last_heartbeat_s();
              d["cvl_v"] = st.cvl_v;
              d["ccl_a"] = st.ccl_a;
              d["dcl_a"] = st.dcl_a;
              d["soc_pct"] = st.soc_pct;
              d["charge_enable"] = st.charge_enable;
              d["discharge_enable"] = st.discharge_enable;
              d["force_charge_1"] = st.force_charge_1;
              d["force_charge_2"] = st.force_charge_2;
              d["full_charge_request"] = st.full_charge_request;
              d["message_set"] = l.config().can_message_set.name;
              return d;
          },
          py::arg("sim"), "The master's CAN link: heartbeat supervision and the state it last sent.");
}

} // namespace stacksim::py_bind
