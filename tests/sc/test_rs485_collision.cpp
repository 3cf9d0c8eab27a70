// Collision on the RS485 chain, end to end with a real BMS: two stations send a valid 0x42 poll
// for the same sub at overlapping times. The chain garbles both frames for every receiver; the
// BMS detects them (checksum/garble), counts them as rejected and never answers or acts on them.
// A single clean poll afterwards is answered (the sub works), and a frame with a wrong checksum
// addressed to it gets RTN 0x02 (CHKSUM error), counted, not acted on.
#include <string>
#include <vector>

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/module_params.h"
#include "protocol/pylon_rs485.h"
#include "bms_bench.h"
#include "sc_testing.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using namespace stacksim::models;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

class flat_plant : public sc_core::sc_module, public module_plant_if {
public:
    explicit flat_plant(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {}
    std::size_t n_cells() const override { return 16; }
    double cell_voltage_v(std::size_t) override { return 3.30; }
    double cell_temp_k(std::size_t) override { return 298.15; }
    double module_voltage_v() override { return 52.8; }
    double module_current_a() override { return 0.0; }
    void set_balancing(std::uint32_t) override {}
    void set_switch(bool) override {}
    void set_precharge(bool) override {}
};

using station = sctest::rs485_station;

} // namespace

TEST(rs485_collision, garbled_polls_are_counted_and_never_answered) {
    null_event_sink events;
    bus::rs485_chain chain("chain", bus::rs485_chain_config{}, 1);
    station a("a"), b("b");
    flat_plant plant("plant");
    const afe_config acfg = sctest::quiet_afe();
    afe front("afe", acfg);
    bms_config cfg = sctest::file_bms();
    cfg.address = 3; // a sub
    cfg.master_address = 2;
    bms sub("sub", cfg, acfg, events);
    front.plant.bind(plant);
    sub.afe_out.bind(front.bus_in);
    a.rs485.bind(chain.rs485_rx);
    sub.rs485.bind(chain.rs485_rx);
    b.rs485.bind(chain.rs485_rx);

    const std::string poll = proto::encode_frame(0x20, 3, proto::cid1_battery, 0x42, {3});
    ASSERT_EQ(poll, "~20034642E00203FD31\r"); // spec-style example for ADR 3 (rs485.log of the default run)
    // 20 characters at 9600 8N1 = 20.83 ms: b starts 5 ms into a's frame -> both garbled.
    a.schedule = {{1.000, poll}, {3.000, poll}};
    b.schedule = {{1.005, poll}};
    std::string bad = poll;
    bad[bad.size() - 2] = bad[bad.size() - 2] == '1' ? '2' : '1'; // wrong CHKSUM digit
    b.schedule.push_back({5.000, bad});
    sc_core::sc_start(sc_time(2.0, SC_SEC));
    EXPECT_EQ(chain.collisions(), 1u);
    EXPECT_EQ(sub.rs485_rejected(), 2u) << "both garbled copies detected";
    EXPECT_EQ(sub.rs485_answered(), 0u) << "nothing acts on a garbled frame";
    for (const auto* s : {&a, &b})
        for (const auto& f : s->received)
            EXPECT_NE(f.sender, "sub") << "the sub must stay silent";

    sc_core::sc_start(sc_time(2.0, SC_SEC)); // the clean poll at 3 s is answered
    EXPECT_EQ(sub.rs485_answered(), 1u);
    ASSERT_FALSE(a.received.empty());
    const auto answer = proto::decode_frame(a.received.back().chars);
    EXPECT_TRUE(answer.ok);
    EXPECT_EQ(answer.frame.adr, 3);

    sc_core::sc_start(sc_time(2.0, SC_SEC)); // the bad checksum at 5 s: RTN 0x02, counted
    EXPECT_EQ(sub.rs485_rejected(), 3u);
    EXPECT_EQ(sub.rs485_answered(), 1u);
    ASSERT_FALSE(b.received.empty());
    const auto rtn = proto::decode_frame(b.received.back().chars);
    EXPECT_TRUE(rtn.ok);
    EXPECT_EQ(rtn.frame.cid2, static_cast<std::uint8_t>(proto::rtn::chksum_error));
}
