// Shared harness for SystemC benches (after VCML's): gtest's main, SystemC warnings and errors
// turned into test failures, a fresh kernel per test process.
//
// SystemC allows one elaboration per kernel, so every TEST in a bench runs in its own process:
// CTest runs them one by one through gtest_discover_tests. Running a bench binary by hand with
// several tests at once fails with E529 -- use ctest or --gtest_filter.
#pragma once

#include <gtest/gtest.h>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "tlm/can_bus.h"
#include "tlm/rs485_chain.h"

namespace stacksim::sctest {

// Seconds since the start of simulation, as a double.
inline double now_s() { return sc_core::sc_time_stamp().to_seconds(); }

// For a thread: wait until each (time s, item) of `schedule` in turn (at once when that time has
// passed), then hand the item to `send`.
template <typename T, typename Send>
void run_schedule(const std::vector<std::pair<double, T>>& schedule, Send&& send) {
    for (const auto& [t, item] : schedule) {
        const sc_core::sc_time at(t, sc_core::SC_SEC);
        if (at > sc_core::sc_time_stamp())
            sc_core::wait(at - sc_core::sc_time_stamp());
        send(item);
    }
}

// A CAN frame and when it was seen (end of frame, s).
struct can_record {
    proto::can_frame frame;
    double t_s;
};

// A CAN node that sends its `schedule` (set before sc_start) and records every frame it receives
// and every frame of its own that went out, each at its end of frame.
class can_station : public sc_core::sc_module, public bus::can_host {
public:
    std::vector<can_record> received;
    std::vector<can_record> sent;
    std::vector<std::pair<double, proto::can_frame>> schedule;

    explicit can_station(const sc_core::sc_module_name& n) : sc_core::sc_module(n), bus::can_host("can_tx") {
        SC_HAS_PROCESS(can_station);
        SC_THREAD(run);
    }
    void can_receive(const proto::can_frame& f) override { received.push_back({f, now_s()}); }
    void can_sent(const proto::can_frame& f, unsigned) override { sent.push_back({f, now_s()}); }
    std::string can_node_name() const override { return name(); }

private:
    void run() {
        run_schedule(schedule, [this](const proto::can_frame& f) { can_send(f); });
    }
};

// An RS485 station that sends its `schedule` of character strings (set before sc_start) and
// records every frame it receives; `released` is when the driver of its last frame was released.
class rs485_station : public sc_core::sc_module, public bus::rs485_host {
public:
    std::vector<bus::rs485_frame> received;
    std::vector<sc_core::sc_time> received_at; // the kernel's time of each rs485_receive call
    std::vector<std::pair<double, std::string>> schedule;
    sc_core::sc_time released;

    explicit rs485_station(const sc_core::sc_module_name& n) : sc_core::sc_module(n), bus::rs485_host("rs485") {
        SC_HAS_PROCESS(rs485_station);
        SC_THREAD(run);
    }
    void rs485_receive(const bus::rs485_frame& f) override {
        received.push_back(f);
        received_at.push_back(sc_core::sc_time_stamp());
    }
    std::string rs485_node_name() const override { return basename(); }

private:
    void run() {
        run_schedule(schedule, [this](const std::string& chars) { released = rs485_send(chars); });
    }
};

} // namespace stacksim::sctest
