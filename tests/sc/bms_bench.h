// Shared pieces of the BMS benches (a real bms/stack_master on an RS485 chain): a module plant the
// test scripts cell by cell, and an event sink that keeps every event with its time.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "battery/bms.h"
#include "battery/module_params.h"
#include "numeric/cell_params.h"
#include "numeric/units.h"
#include "sc_testing.h"

namespace stacksim::sctest {

// The module parameter file (models/params/module_4k4pro.yaml), read once: the configuration
// structs carry no values of their own, so the benches take every parameter from here.
inline const models::module_params& file_params() {
    static const models::module_params p = models::load_module_params(models::default_module_params_path());
    return p;
}

// The file's AFE with ideal measurement: no noise, gain or offset error, so the scripted values
// are read exactly (to the LSB) and thresholds are crossed when the plant crosses them.
inline models::afe_config quiet_afe() {
    models::afe_config c = file_params().afe;
    c.cell_gain_error = c.cell_offset_v = c.cell_noise_v = 0.0;
    c.module_noise_v = 0.0;
    c.current_offset_a = c.current_noise_a = 0.0;
    return c;
}

// The file's BMS (its scalars and its protection, limit, balancing and SoC tables) as the master
// (address = master_address), counting against the cell file's capacity. No precharge: the
// scripted plant has no precharge path, so the switch closes as soon as the BMS closes it. The
// rest (address, start-up flags, initial SoC) is each bench's own set-up.
inline models::bms_config file_bms() {
    models::bms_config c = file_params().bms;
    c.address = c.master_address;
    c.capacity_ah = num::load_cell_params(num::default_cell_params_path()).capacity_ah;
    c.precharge_time_s = 0.0;
    return c;
}

// The file's stack logic polling `subs`, without stack caps (the benches check the modules' own
// limits as the master combines them).
inline models::stack_master_config file_master(std::vector<std::uint8_t> subs) {
    models::stack_master_config c = file_params().master;
    c.sub_addresses = std::move(subs);
    c.max_ccl_a_by_count.clear();
    c.max_dcl_a_by_count.clear();
    return c;
}

// One module's cells as the test sets them: 16 cells at 3.30 V and 25 degC, a current that flows
// only while the switch is closed, the module voltage the sum of the cells unless overridden.
class scripted_plant : public sc_core::sc_module, public models::module_plant_if {
public:
    std::vector<double> cell_v = std::vector<double>(16, 3.30);
    std::vector<double> temp_k = std::vector<double>(16, 25.0 + num::zero_celsius_k);
    double current_a = 0.0;        // flows only while the switch is closed
    double module_v_override = -1; // < 0: sum of the cells
    bool sw = false;
    bool ever_closed = false;
    std::vector<std::pair<double, bool>> switch_log; // (time s, closed)
    std::uint32_t balance = 0;

    explicit scripted_plant(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {}
    std::size_t n_cells() const override { return cell_v.size(); }
    double cell_voltage_v(std::size_t c) override { return cell_v.at(c); }
    double cell_temp_k(std::size_t c) override { return temp_k.at(c); }
    double module_voltage_v() override {
        if (module_v_override >= 0)
            return module_v_override;
        double s = 0;
        for (double v : cell_v)
            s += v;
        return s;
    }
    double module_current_a() override { return sw ? current_a : 0.0; }
    void set_balancing(std::uint32_t mask) override { balance = mask; }
    void set_switch(bool closed) override {
        sw = closed;
        ever_closed = ever_closed || closed;
        switch_log.push_back({now_s(), closed});
    }
    void set_precharge(bool) override {}
    void set_temp_c(double t_c) { temp_k.assign(temp_k.size(), t_c + num::zero_celsius_k); }
};

struct recorded_event {
    double t_s;
    std::string source, kind;
    nlohmann::json details;
};

// Every event with its simulation time; BMS_DEBUG=1 prints them as they come.
class recorder : public models::event_sink {
public:
    std::vector<recorded_event> events;
    void event(const std::string& source, const std::string& kind, const nlohmann::json& d) override {
        events.push_back({now_s(), source, kind, d});
        if (std::getenv("BMS_DEBUG"))
            std::printf("%.6f %s %s %s\n", now_s(), source.c_str(), kind.c_str(), d.dump().c_str());
    }
    // The events of `kind` at or after after_s, in order.
    std::vector<recorded_event> of(const std::string& kind, double after_s = 0.0) const {
        std::vector<recorded_event> out;
        for (const auto& e : events)
            if (e.kind == kind && e.t_s >= after_s)
                out.push_back(e);
        return out;
    }
    // First `kind` event (warning/protection) of `channel` changing to `state` at or after after_s.
    std::optional<double> first(const std::string& kind, const std::string& channel, const std::string& state,
                                double after_s = 0.0) const {
        for (const auto& e : events)
            if (e.t_s >= after_s && e.kind == kind && e.details.value("channel", "") == channel &&
                e.details.value("state", "") == state)
                return e.t_s;
        return std::nullopt;
    }
};

} // namespace stacksim::sctest
