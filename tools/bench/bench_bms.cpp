// The builtin BMS cycle: wall time per measurement cycle of one module (AFE conversion with the
// parameter file's noise, the burst read, the BMS's measurement, protections, limits and
// balancing), with its counters per cycle: heap allocations (global operator new counted), AFE
// transactions, AFE bus time, SystemC delta cycles. No plant physics: each module's plant is a
// constant 16-cell module, so the figure is the BMS/AFE layer alone.
//   bench_bms [MODULES [SIMULATED_S]]      default 5 modules, 600 s (10 Hz: 6000 cycles each)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <systemc>

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/module_params.h"
#include "numeric/cell_params.h"
#include "tlm/rs485_chain.h"

#include "counting_new.h" // tests/sc: every heap allocation of the process, counted

using namespace stacksim;
using namespace stacksim::models;

namespace {

class constant_plant : public sc_core::sc_module, public module_plant_if {
public:
    explicit constant_plant(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {}
    std::size_t n_cells() const override { return 16; }
    double cell_voltage_v(std::size_t c) override { return 3.30 + 0.001 * static_cast<double>(c % 3); }
    double cell_temp_k(std::size_t) override { return 298.15; }
    double module_voltage_v() override { return 52.8; }
    double module_current_a() override { return m_closed ? -20.0 : 0.0; }
    void set_balancing(std::uint32_t) override {}
    void set_switch(bool closed) override { m_closed = closed; }
    void set_precharge(bool) override {}

private:
    bool m_closed = false;
};

struct module_bench {
    constant_plant plant;
    afe front;
    bms ctl;
    bus::rs485_chain chain;
    module_bench(const std::string& n, const module_params& p, const bms_config& b, event_sink& ev)
        : plant((n + "_plant").c_str()),
          front((n + "_afe").c_str(), p.afe),
          ctl((n + "_bms").c_str(), b, p.afe, ev),
          chain((n + "_chain").c_str(), bus::rs485_chain_config{}, 1) {
        front.plant.bind(plant);
        ctl.afe_out.bind(front.bus_in);
        ctl.rs485.bind(chain.rs485_rx);
    }
};

} // namespace

extern "C" int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
    const std::size_t modules = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 5;
    const double sim_s = argc > 2 ? std::strtod(argv[2], nullptr) : 600.0;
    const module_params p = load_module_params(default_module_params_path());
    bms_config b = p.bms;
    b.address = b.master_address; // each module alone on its chain: its own master, never "lost"
    b.capacity_ah = num::load_cell_params(num::default_cell_params_path()).capacity_ah;
    b.precharge_time_s = 0.0;
    b.initial_soc = 0.5;
    null_event_sink ev;
    std::vector<std::unique_ptr<module_bench>> m;
    for (std::size_t i = 0; i < modules; ++i)
        m.push_back(std::make_unique<module_bench>("m" + std::to_string(i), p, b, ev));
    sc_core::sc_start(sc_core::sc_time(1.0, sc_core::SC_SEC)); // start-up: switches closed
    std::uint64_t tx0 = 0;
    double bus0_s = 0.0;
    for (const auto& x : m) {
        tx0 += x->ctl.afe_transactions();
        bus0_s += x->ctl.afe_bus_time().to_seconds();
    }
    const std::size_t alloc0 = stacksim::testing::allocations();
    const auto delta0 = sc_core::sc_delta_count();
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start(sc_core::sc_time(sim_s, sc_core::SC_SEC));
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::uint64_t tx = 0;
    double bus_s = 0.0;
    for (const auto& x : m) {
        tx += x->ctl.afe_transactions();
        bus_s += x->ctl.afe_bus_time().to_seconds();
    }
    const double cycles = static_cast<double>(modules) * sim_s / b.measure_period_s;
    std::printf("bench_bms: %zu modules x %.0f s = %.0f measurement cycles in %.3f s wall\n", modules, sim_s, cycles,
                wall_s);
    std::printf("  per cycle: %.3f us wall, %.2f heap allocations, %.2f AFE transactions, %.1f us AFE bus time, "
                "%.2f delta cycles (whole kernel)\n",
                1e6 * wall_s / cycles, static_cast<double>(stacksim::testing::allocations() - alloc0) / cycles,
                static_cast<double>(tx - tx0) / cycles, 1e6 * (bus_s - bus0_s) / cycles,
                static_cast<double>(sc_core::sc_delta_count() - delta0) / cycles);
    std::printf("  simulated/wall for the BMS/AFE layer of %zu modules: %.0fx\n", modules, sim_s / wall_s);
    return 0;
}
