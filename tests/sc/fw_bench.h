// Bench parts for the firmware host (test_firmware_bms.cpp): a module around a firmware_bms with a
// stub plant and a stub I2C target, and an event sink that keeps what the firmware logged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm_utils/simple_target_socket.h>

#include "battery/module_plant_if.h"
#include "common/event_sink.h"
#include "firmware/firmware_bms.h"
#include "tlm/i2c_socket.h"

namespace stacksim::fwtest {

struct logged {
    double t_s;
    std::string source, kind;
    nlohmann::json details;
};

class recording_sink : public models::event_sink {
public:
    std::vector<logged> events;
    void event(const std::string& source, const std::string& kind, const nlohmann::json& details) override {
        events.push_back({sc_core::sc_time_stamp().to_seconds(), source, kind, details});
    }
    std::vector<logged> of_kind(const std::string& kind) const {
        std::vector<logged> out;
        for (const auto& e : events)
            if (e.kind == kind)
                out.push_back(e);
        return out;
    }
    std::vector<std::string> messages(const std::string& kind) const {
        std::vector<std::string> out;
        for (const auto& e : of_kind(kind))
            out.push_back(e.details.value("message", std::string()));
        return out;
    }
};

// "a=1 b=2,3" -> {a: "1", b: "2,3"}
inline std::map<std::string, std::string> fields(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string tok;
    while (in >> tok) {
        const auto eq = tok.find('=');
        if (eq != std::string::npos)
            out[tok.substr(0, eq)] = tok.substr(eq + 1);
    }
    return out;
}

class stub_plant : public models::module_plant_if {
public:
    std::vector<std::pair<double, bool>> switch_calls, precharge_calls;
    std::size_t n_cells() const override { return 16; }
    double cell_voltage_v(std::size_t) override { return 3.3; }
    double cell_temp_k(std::size_t) override { return 298.15; }
    double module_voltage_v() override { return 52.8; }
    double module_current_a() override { return 0.0; }
    void set_balancing(std::uint32_t) override {}
    void set_switch(bool closed) override { switch_calls.push_back({sc_core::sc_time_stamp().to_seconds(), closed}); }
    void set_precharge(bool closed) override {
        precharge_calls.push_back({sc_core::sc_time_stamp().to_seconds(), closed});
    }
};

// Answers at 0x08 (ADDRESS_ERROR elsewhere); a read returns 0xA0, 0xA1, ...; each transfer adds
// its wire time (START, address, data with ACKs, STOP or repeated START: 2 + 9 (1 + n) bits) to
// `delay`, and remembers it.
class stub_i2c_target : public sc_core::sc_module {
public:
    struct transfer {
        bool read;
        unsigned addr, len;
        bool stop;
        double scl_hz;
        sc_core::sc_time duration;
    };
    tlm_utils::simple_target_socket<stub_i2c_target> i2c_in;
    std::vector<transfer> transfers;

    explicit stub_i2c_target(const sc_core::sc_module_name& n) : sc_core::sc_module(n), i2c_in("i2c_in") {
        i2c_in.register_b_transport(this, &stub_i2c_target::b_transport);
    }

private:
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const bus::i2c_extension* ext = nullptr;
        gp.get_extension(ext);
        const double scl = ext ? ext->scl_hz : 100e3;
        const unsigned n = gp.get_data_length();
        const sc_core::sc_time d((2.0 + 9.0 * (1 + n)) / scl, sc_core::SC_SEC);
        transfers.push_back({gp.is_read(), static_cast<unsigned>(gp.get_address()), n, ext ? ext->stop : true, scl, d});
        if (gp.get_address() != 0x08) {
            delay += sc_core::sc_time((2.0 + 9.0) / scl, sc_core::SC_SEC); // the address byte, NACKed
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (gp.is_read())
            for (unsigned i = 0; i < n; ++i)
                gp.get_data_ptr()[i] = static_cast<unsigned char>(0xA0 + i);
        delay += d;
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// A module "mN" holding a firmware_bms wired to a stub plant and the stub I2C target.
class fw_module : public sc_core::sc_module {
public:
    stub_plant cells;
    stub_i2c_target i2c;
    std::unique_ptr<models::firmware_bms> bms;

    fw_module(const sc_core::sc_module_name& n, const models::battery_module_config& cfg, models::event_sink& events)
        : sc_core::sc_module(n), i2c("i2c") {
        bms = std::make_unique<models::firmware_bms>("bms", cfg, cells, events);
        bms->i2c_out.bind(i2c.i2c_in);
    }
};

// A configuration for module `index` of `count` running `path`.
inline models::battery_module_config fw_config(const std::string& path, std::size_t index, std::size_t count,
                                               const std::string& isolation = "process") {
    models::battery_module_config c;
    c.bms.master_address = 1;
    c.bms.address = static_cast<std::uint8_t>(index + 1);
    c.bms.capacity_ah = 100.0;
    c.firmware.path = path;
    c.firmware.isolation = isolation;
    c.firmware.watchdog_s = 0.5;
    c.firmware.i2c_hz = 400e3;
    c.firmware.config = {{"module.index", std::to_string(index)},
                         {"module.count", std::to_string(count)},
                         {"module.master", index == 0 ? "1" : "0"},
                         {"module.cells", "16"},
                         {"probe.greeting", "hello world"}};
    return c;
}

} // namespace stacksim::fwtest
