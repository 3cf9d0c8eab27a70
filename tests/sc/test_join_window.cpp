// Join-window bench (weco-stack.md §3 "Voltage match before paralleling": every battery measured
// on its own, i.e. open-circuit voltages, must differ by less than 1.5 V, [4K4-family] U17): a
// master BMS with its stack_master and one sub BMS on a real RS485 chain, each on a scripted
// plant. Under load the master's cells read below their open-circuit voltage (ohmic and
// polarisation drop), so a loaded bus can look close to a sub that is far away in open-circuit
// voltage. The master must judge the open-circuit voltages: its own is known only once the bus
// has rested (|I| < join_rest_current_a for join_rest_time_s, as module_4k4pro.yaml sets them).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/module_params.h"
#include "battery/stack_master.h"
#include "bms_bench.h"
#include "sc_testing.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using namespace stacksim::models;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {


using sctest::quiet_afe;

bms_config module_cfg(std::uint8_t address) {
    bms_config c = sctest::file_bms();
    c.address = address;
    c.master_address = 2;
    c.measure_period_s = 0.1;
    c.wait_for_join = address != 2;
    return c;
}

struct stack_bench {
    sctest::recorder ev;
    bus::rs485_chain chain{"chain", bus::rs485_chain_config{}, 1};
    sctest::scripted_plant master_plant{"master_plant"}, sub_plant{"sub_plant"};
    afe master_afe{"master_afe", quiet_afe()}, sub_afe{"sub_afe", quiet_afe()};
    bms master_bms{"master_bms", module_cfg(2), quiet_afe(), ev};
    bms sub_bms{"sub_bms", module_cfg(3), quiet_afe(), ev};
    stack_master master{"master", master_config(), master_bms, ev};

    stack_bench() {
        master_afe.plant.bind(master_plant);
        sub_afe.plant.bind(sub_plant);
        master_bms.afe_out.bind(master_afe.bus_in);
        sub_bms.afe_out.bind(sub_afe.bus_in);
        master_bms.rs485.bind(chain.rs485_rx);
        sub_bms.rs485.bind(chain.rs485_rx);
    }
    static stack_master_config master_config() { return sctest::file_master({3}); }
    void run_to(double t_s) { sc_core::sc_start(sc_time(t_s - sctest::now_s(), SC_SEC)); }
    // The master under an 8 kW-class discharge: 52 A out of its module, its cells 80 mV below
    // their 3.30 V open-circuit voltage (16 x 0.08 = 1.28 V of ohmic and polarisation drop).
    void load_master() {
        master_plant.current_a = -52.0;
        master_plant.cell_v.assign(16, 3.22);
    }
    void rest_master() {
        master_plant.current_a = 0.0;
        master_plant.cell_v.assign(16, 3.30);
    }
};

} // namespace

// The sub's open-circuit voltage is 16 x 3.14 = 50.24 V, the master's 16 x 3.30 = 52.80 V:
// 2.56 V apart, beyond the 1.5 V window. Under load the master's cells read 51.52 V, only 1.28 V
// above the sub: the loaded bus looks close, the open-circuit voltages are not. The sub must stay
// open through the load and after it.
TEST(join_window, refused_on_open_circuit_voltages_even_when_the_loaded_bus_is_close) {
    const stack_master_config cfg = sctest::file_params().master;
    ASSERT_DOUBLE_EQ(cfg.join_window_v, 1.5);
    stack_bench b;
    b.sub_plant.cell_v.assign(16, 3.14);
    b.run_to(5.0);
    const auto refused = b.ev.of("sub_join_refused");
    ASSERT_EQ(refused.size(), 1u) << "refused at start-up, at rest";
    EXPECT_NEAR(refused[0].details.at("difference_v").get<double>(), 50.24 - 52.80, 1e-6);
    b.load_master();
    b.run_to(700.0); // 695 s at 52 A: 10 Ah, far more than the charge a rest OCV stays valid for
    EXPECT_TRUE(b.ev.of("sub_join").empty()) << "admitted against the loaded bus (1.28 V)";
    EXPECT_FALSE(b.sub_plant.ever_closed);
    const auto deferred = b.ev.of("sub_join_deferred");
    ASSERT_EQ(deferred.size(), 1u) << "the master says once that it waits for the bus to rest";
    EXPECT_NE(deferred[0].details.value("reason", "").find("rest"), std::string::npos) << deferred[0].details.dump();
    // The load stops; after join_rest_time_s of rest the master knows its open-circuit voltage
    // again and refuses on it.
    b.rest_master();
    b.run_to(700.0 + cfg.join_rest_time_s + 5.0);
    EXPECT_TRUE(b.ev.of("sub_join").empty());
    EXPECT_FALSE(b.sub_plant.ever_closed);
    const auto refused_again = b.ev.of("sub_join_refused", 700.0);
    ASSERT_EQ(refused_again.size(), 1u);
    EXPECT_NEAR(refused_again[0].t_s, 700.0 + cfg.join_rest_time_s, 1.5) << "one poll period after the rest";
    EXPECT_NEAR(refused_again[0].details.at("master_voltage_v").get<double>(), 52.80, 1e-6);
    EXPECT_NEAR(refused_again[0].details.at("difference_v").get<double>(), 50.24 - 52.80, 1e-6);
}

// A sub that is within the window in open-circuit voltage (16 x 3.28 = 52.48 V, 0.32 V below
// the master) joins once the bus has rested, not before (the master's loaded cells, 51.52 V,
// cannot tell its open-circuit voltage).
TEST(join_window, joins_within_the_window_once_the_bus_has_rested) {
    const stack_master_config cfg = sctest::file_params().master;
    stack_bench b;
    b.sub_plant.cell_v.assign(16, 3.14);
    b.run_to(5.0);
    b.load_master();
    b.run_to(100.0);
    b.sub_plant.cell_v.assign(16, 3.28); // e.g. charged on its own meanwhile
    b.run_to(400.0);
    EXPECT_TRUE(b.ev.of("sub_join").empty()) << "no join while the bus is loaded";
    b.rest_master();
    b.run_to(400.0 + cfg.join_rest_time_s - 2.0);
    EXPECT_TRUE(b.ev.of("sub_join").empty()) << "no join before join_rest_time_s of rest";
    b.run_to(400.0 + cfg.join_rest_time_s + 3.0);
    const auto joined = b.ev.of("sub_join");
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_NEAR(joined[0].t_s, 400.0 + cfg.join_rest_time_s, 2.0);
    EXPECT_NEAR(joined[0].details.at("difference_v").get<double>(), 52.48 - 52.80, 1e-6);
    EXPECT_TRUE(b.sub_plant.sw);
}
