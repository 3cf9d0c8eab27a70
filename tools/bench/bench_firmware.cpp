// Firmware host: the wall-clock cost of calling a firmware and of its host calls, in the process
// and the in-process mode (docs/firmware.md, "Timing figures").
//   bench_firmware [N]             both modes, N = 20000 per phase
//   bench_firmware MODE N          one mode (process | inprocess)
// A firmware_bms runs tools/bench/fw_bench.c against a stub I2C target (answers at once, adds the
// wire time of each transfer at 400 kHz); the figures are wall time per operation:
//   host call      gpio_read() from inside a callback (the RPC round trip in process mode);
//   I2C            i2c_write_read() of 2 bytes (two TLM transfers + the wait for their wire time);
//   callback       a timer callback that does nothing (kernel event + the call into the firmware).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include <systemc>
#include <tlm_utils/simple_target_socket.h>

#include "firmware/firmware_bms.h"
#include "tlm/i2c_socket.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using clock_type = std::chrono::steady_clock;

namespace {

struct marks : models::event_sink {
    std::map<std::string, clock_type::time_point> at;
    void event(const std::string&, const std::string& kind, const nlohmann::json& d) override {
        if (kind == "mark")
            at[d.value("message", std::string())] = clock_type::now();
    }
    double seconds(const std::string& phase) {
        return std::chrono::duration<double>(at.at(phase + "_end") - at.at(phase + "_begin")).count();
    }
};

struct plant_stub : models::module_plant_if {
    std::size_t n_cells() const override { return 16; }
    double cell_voltage_v(std::size_t) override { return 3.3; }
    double cell_temp_k(std::size_t) override { return 298.15; }
    double module_voltage_v() override { return 52.8; }
    double module_current_a() override { return 0.0; }
    void set_balancing(std::uint32_t) override {}
    void set_switch(bool) override {}
    void set_precharge(bool) override {}
};

struct i2c_stub : sc_core::sc_module {
    tlm_utils::simple_target_socket<i2c_stub> i2c_in{"i2c_in"};
    explicit i2c_stub(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        i2c_in.register_b_transport(this, &i2c_stub::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
        const bus::i2c_extension* ext = nullptr;
        gp.get_extension(ext);
        const double scl = ext ? ext->scl_hz : 100e3;
        delay += sc_core::sc_time((2.0 + 9.0 * (1 + gp.get_data_length())) / scl, sc_core::SC_SEC);
        if (gp.is_read())
            for (unsigned i = 0; i < gp.get_data_length(); ++i)
                gp.get_data_ptr()[i] = static_cast<unsigned char>(i);
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct bench_module : sc_core::sc_module {
    plant_stub cells;
    i2c_stub i2c{"i2c"};
    std::unique_ptr<models::firmware_bms> bms;
    bench_module(const sc_core::sc_module_name& n, const models::battery_module_config& c, models::event_sink& ev)
        : sc_core::sc_module(n) {
        bms = std::make_unique<models::firmware_bms>("bms", c, cells, ev);
        bms->i2c_out.bind(i2c.i2c_in);
    }
};

int run_mode(const std::string& mode, unsigned long n) {
    marks ev;
    models::battery_module_config c;
    c.bms.master_address = 1;
    c.bms.address = 2; // a sub: no CAN port to bind
    c.firmware.path = STACKSIM_FW_BENCH_PATH;
    c.firmware.isolation = mode;
    c.firmware.watchdog_s = 60;
    c.firmware.config["bench.n"] = std::to_string(n);
    bus::rs485_chain_config rc;
    rc.format = proto::uart_format{9600, 8, 'N', 1};
    bus::rs485_chain chain("rs485", rc, 1);
    bench_module m("m1", c, ev);
    m.bms->rs485_port().bind(chain.rs485_rx);
    const auto t0 = clock_type::now();
    sc_core::sc_start(sc_core::sc_time(0.01 + 1.2e-3 * static_cast<double>(n) + 1.0, sc_core::SC_SEC)); // I2C phase: ~123 us each
    const double total_s = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (m.bms->failure()) {
        std::fprintf(stderr, "%s\n", m.bms->failure()->c_str());
        return 1;
    }
    const double per = 1e6 / static_cast<double>(n);
    std::printf("%-9s  host call %7.3f us   I2C write_read %7.3f us (%.3f us per transfer)   callback %7.3f us"
                "   (N = %lu, %.2f s wall)\n",
                mode.c_str(), ev.seconds("host_calls") * per, ev.seconds("i2c") * per, ev.seconds("i2c") * per / 2,
                ev.seconds("callbacks") * per, n, total_s);
    std::printf("%-9s  simulated: one 2-byte write_read at 400 kHz = %.1f us of bus time\n", "",
                1e6 * ((2.0 + 9.0 * 2) + (2.0 + 9.0 * 3)) / 400e3);
    return 0;
}

} // namespace

extern "C" int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
    if (argc == 3)
        return run_mode(argv[1], std::strtoul(argv[2], nullptr, 10));
    const std::string n = argc == 2 ? argv[1] : "20000";
    int rc = 0;
    for (const char* mode : {"process", "inprocess"}) // one kernel per process: run each mode as a child
        rc |= std::system((std::string(argv[0]) + " " + mode + " " + n).c_str());
    return rc == 0 ? 0 : 1;
}
