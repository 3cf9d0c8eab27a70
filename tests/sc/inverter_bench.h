// Inverter bench for the SystemC tests of the inverter (test_inverter_limits.cpp,
// test_inverter_profiles.cpp): a scripted battery node on a real CAN bus (its message set every
// second from `state`) and a Thevenin battery on the DC port that logs every commanded current.
#pragma once

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "inverter/inverter.h"
#include "protocol/pylon_can.h"
#include "sc_testing.h"
#include "tlm/can_bus.h"

namespace invtest {

using namespace stacksim;
using sc_core::sc_time;
using sc_core::SC_SEC;

// A battery with OCV linear in charge plus R0 and one RC branch, integrated exactly between the
// inverter's calls (the current is piecewise constant): v = ocv(q) + r0 i + v_rc.
class thevenin_battery : public sc_core::sc_module, public bus::dc_fw_if {
public:
    bus::dc_target_socket dc_in;
    double ocv0_v = 52.0, dv_per_ah = 0.4, r0_ohm = 0.01, r1_ohm = 0.01, tau_s = 20.0;
    double q_ah = 0, v_rc = 0, i_a = 0;
    double t_last_s = 0;
    std::vector<std::pair<double, double>> commands; // (t, current)

    explicit thevenin_battery(const sc_core::sc_module_name& n) : sc_core::sc_module(n), dc_in("dc_in") {
        dc_in.bind(static_cast<bus::dc_fw_if&>(*this));
    }
    void advance() {
        const double t = sctest::now_s();
        const double dt = t - t_last_s;
        if (dt > 0) {
            q_ah += i_a * dt / 3600.0;
            const double a = std::exp(-dt / tau_s);
            v_rc = v_rc * a + i_a * r1_ohm * (1 - a);
            t_last_s = t;
        }
    }
    double voltage() const { return ocv0_v + dv_per_ah * q_ah + r0_ohm * i_a + v_rc; }
    void dc_set_current(double current_a) override {
        advance();
        i_a = current_a;
        commands.emplace_back(sctest::now_s(), current_a);
    }
    void dc_set_power(double) override { ADD_FAILURE() << "the inverter commands a current"; }
    double dc_voltage_v() override {
        advance();
        return voltage();
    }
    double dc_current_a() override { return i_a; }
};

// The master BMS as a script: every second the set 0x351, 0x355, 0x356, 0x35C from `state`.
class scripted_battery : public sc_core::sc_module, public bus::can_host {
public:
    proto::battery_can_state state;
    bool transmit = true;
    proto::can_message_set set{"bench", {{0x351, 8}, {0x355, 4}, {0x356, 6}, {0x35C, 2}}, "BENCH"}; // sent every second
    std::vector<std::pair<double, proto::can_frame>> sent;     // (EOF, frame)
    std::vector<std::pair<double, proto::can_frame>> received; // (EOF, frame)

    explicit scripted_battery(const sc_core::sc_module_name& n) : sc_core::sc_module(n), bus::can_host("can_tx") {
        state.cvl_v = 56.0;
        state.ccl_a = 50.0;
        state.dcl_a = 100.0;
        state.dvl_v = 46.0;
        state.soc_pct = 50.0;
        state.soh_pct = 100.0;
        state.voltage_v = 52.0;
        state.charge_enable = state.discharge_enable = true;
        SC_HAS_PROCESS(scripted_battery);
        SC_THREAD(run);
    }
    void can_receive(const proto::can_frame& f) override { received.emplace_back(sctest::now_s(), f); }
    void can_sent(const proto::can_frame& f, unsigned) override { sent.emplace_back(sctest::now_s(), f); }
    std::string can_node_name() const override { return name(); }

private:
    void run() {
        for (;;) {
            sc_core::wait(sc_time(1.0, SC_SEC));
            if (!transmit)
                continue;
            for (const auto& f : proto::encode_message_set(set, state))
                can_send(f);
        }
    }
};

// Every event with its simulated time.
struct recording_sink : models::event_sink {
    std::vector<std::pair<double, std::string>> events; // (t, kind)
    std::vector<nlohmann::json> details;
    void event(const std::string&, const std::string& kind, const nlohmann::json& d) override {
        events.emplace_back(sctest::now_s(), kind);
        details.push_back(d);
    }
    // Time of the first event of this kind, -1 if none.
    double first(const std::string& kind) const {
        for (const auto& [t, k] : events)
            if (k == kind)
                return t;
        return -1;
    }
};

struct bench {
    recording_sink events;
    bus::can_bus can{"can", 500000.0};
    scripted_battery bat{"bat"};
    thevenin_battery dc{"dc"};
    models::inverter inv;

    explicit bench(models::inverter_config cfg) : inv("inverter", cfg, events) {
        bat.can_tx.bind(can.can_rx);
        inv.can_tx.bind(can.can_rx);
        inv.dc_port.bind(dc.dc_in);
    }
    // EOF time of the first 0x351 / 0x35C sent at or after t_s.
    double first_sent_after(std::uint32_t id, double t_s) const {
        for (const auto& [t, f] : bat.sent)
            if (f.id == id && t >= t_s)
                return t;
        return -1;
    }
    // Commanded current at time t_s (last command at or before t).
    double current_at(double t_s) const {
        double i = 0;
        for (const auto& [t, c] : dc.commands)
            if (t <= t_s)
                i = c;
        return i;
    }
};

// A shipped profile (default well_behaved) from its file: the config carries no values of its own.
inline models::inverter_config base_config(const std::string& profile = "well_behaved") {
    models::inverter_config c;
    c.behaviour = models::load_inverter_profile(profile);
    return c;
}

inline models::inverter_config config(double power_w) {
    models::inverter_config c = base_config();
    c.battery_power_w = models::profile::constant(power_w);
    return c;
}

} // namespace invtest
