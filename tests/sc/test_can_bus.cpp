// CAN bus bench: timing, arbitration, ACK and fault confinement against the standard's numbers.
#include <vector>

#include "protocol/can_bits.h"
#include "sc_testing.h"
#include "tlm/can_bus.h"

using namespace stacksim;
using sc_core::sc_time;
using sc_core::SC_SEC;
using sc_core::SC_US;

namespace {

using node = sctest::can_station;

proto::can_frame frame(std::uint32_t id, std::vector<std::uint8_t> data) {
    proto::can_frame f{};
    f.id = id;
    f.dlc = static_cast<std::uint8_t>(data.size());
    for (std::size_t i = 0; i < data.size(); ++i)
        f.data[i] = data[i];
    return f;
}

constexpr double bit_500k_s = 2e-6;

} // namespace

TEST(can_bus, frame_ends_after_its_exact_length) {
    // protocols.md §3.1 (verified against can-utils' exact length): ID 0x305 with 8 zero bytes is
    // 125 bits including the 3-bit intermission, i.e. EOF after 122 bits = 244 us at 500 kbit/s.
    bus::can_bus can("can", 500000.0);
    node a("a"), b("b");
    a.can_tx.bind(can.can_rx);
    b.can_tx.bind(can.can_rx);
    a.schedule = {{0.0, frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0})}};
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    ASSERT_EQ(b.received.size(), 1u);
    EXPECT_NEAR(b.received[0].t_s, 122 * bit_500k_s, 1e-12);
    ASSERT_EQ(a.sent.size(), 1u);
    EXPECT_NEAR(a.sent[0].t_s, 122 * bit_500k_s, 1e-12);
    EXPECT_TRUE(b.received[0].frame == a.schedule[0].second);
}

TEST(can_bus, lower_id_wins_and_loser_follows_after_intermission) {
    bus::can_bus can("can", 500000.0);
    node a("a"), b("b"), c("c");
    for (node* n : {&a, &b, &c})
        n->can_tx.bind(can.can_rx);
    const auto f_high = frame(0x356, {0x10, 0x14, 0xFE, 0xFF, 0xFA, 0x00});
    const auto f_low = frame(0x351, {0x30, 0x02, 0xF4, 0x01, 0xE8, 0x03, 0xD0, 0x01});
    a.schedule = {{0.0, f_high}};
    b.schedule = {{0.0, f_low}};
    sc_core::sc_start(sc_time(2, sc_core::SC_MS));
    ASSERT_EQ(c.received.size(), 2u);
    EXPECT_EQ(c.received[0].frame.id, 0x351u);
    EXPECT_EQ(c.received[1].frame.id, 0x356u);
    const unsigned low_bits = proto::can_frame_bits(f_low, false);
    const unsigned high_bits = proto::can_frame_bits(f_high, false);
    EXPECT_NEAR(c.received[0].t_s, low_bits * bit_500k_s, 1e-12);
    // The loser's SOF is right after the winner's 3-bit intermission.
    EXPECT_NEAR(c.received[1].t_s, (low_bits + 3 + high_bits) * bit_500k_s, 1e-12);
}

TEST(can_bus, frames_submitted_during_an_idle_intermission_wait_for_its_end_and_contend_there) {
    // A lone frame ends at 244 us; its 3-bit intermission runs to 250 us with nothing queued.
    // 0x356 comes at 246 us and 0x351 at 248 us: neither may start before 250 us, and there they
    // contend, so 0x351 goes first although it came later. A frame submitted once the bus is
    // idle (1 ms) starts at once.
    bus::can_bus can("can", 500000.0);
    node a("a"), b("b"), c("c"), d("d");
    for (node* n : {&a, &b, &c, &d})
        n->can_tx.bind(can.can_rx);
    const auto f_first = frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0});
    const auto f_high = frame(0x356, {0x10, 0x14, 0xFE, 0xFF, 0xFA, 0x00});
    const auto f_low = frame(0x351, {0x30, 0x02, 0xF4, 0x01, 0xE8, 0x03, 0xD0, 0x01});
    a.schedule = {{0.0, f_first}, {1e-3, f_first}};
    b.schedule = {{246e-6, f_high}};
    c.schedule = {{248e-6, f_low}};
    sc_core::sc_start(sc_time(2, sc_core::SC_MS));
    ASSERT_EQ(d.received.size(), 4u);
    const unsigned first_bits = proto::can_frame_bits(f_first, false);
    const unsigned low_bits = proto::can_frame_bits(f_low, false);
    const unsigned high_bits = proto::can_frame_bits(f_high, false);
    ASSERT_EQ(first_bits, 122u);
    const double idle_s = (first_bits + 3) * bit_500k_s; // 250 us
    EXPECT_EQ(d.received[1].frame.id, 0x351u);
    EXPECT_NEAR(d.received[1].t_s, idle_s + low_bits * bit_500k_s, 1e-12);
    EXPECT_EQ(d.received[2].frame.id, 0x356u);
    EXPECT_NEAR(d.received[2].t_s, idle_s + (low_bits + 3 + high_bits) * bit_500k_s, 1e-12);
    EXPECT_NEAR(d.received[3].t_s, 1e-3 + first_bits * bit_500k_s, 1e-12);
    // Bus time: three frames with their intermissions, and the fourth.
    EXPECT_NEAR(can.busy_s(), (first_bits + 3 + low_bits + 3 + high_bits + 3 + first_bits + 3) * bit_500k_s, 1e-12);
}

TEST(can_bus, lone_node_becomes_error_passive_but_not_bus_off) {
    // ISO 11898-1: each ACK error adds 8 to TEC; at 128 the node is error-passive; an
    // error-passive transmitter's ACK error while alone on the bus is not counted, so it never
    // reaches bus-off.
    bus::can_bus can("can", 500000.0);
    node a("a");
    a.can_tx.bind(can.can_rx);
    a.schedule = {{0.0, frame(0x351, {1, 2, 3, 4, 5, 6, 7, 8})}};
    sc_core::sc_start(sc_time(50, sc_core::SC_MS));
    const auto& n = can.nodes().at(0);
    EXPECT_EQ(n.tec, 128u);
    EXPECT_EQ(n.state, bus::can_error_state::error_passive);
    EXPECT_TRUE(a.sent.empty());
}

TEST(can_bus, failing_frames_reach_error_passive_then_bus_off_and_recover) {
    bus::can_bus can("can", 500000.0);
    node a("a"), b("b");
    a.can_tx.bind(can.can_rx);
    b.can_tx.bind(can.can_rx);
    a.schedule = {{0.0, frame(0x351, {1, 2, 3, 4, 5, 6, 7, 8})}};
    can.corrupt_next(32); // 32 bit errors x 8 = 256: bus-off on the 32nd
    std::vector<std::pair<double, std::string>> events;
    can.on_event([&](const sc_time& t, const std::string& who, const std::string& what) {
        events.emplace_back(t.to_seconds(), who + ": " + what);
    });
    sc_core::sc_start(sc_time(30, sc_core::SC_MS));
    // Passive after 16 errors (TEC 128), bus-off after 32 (TEC 256).
    auto find = [&](const std::string& s) {
        for (const auto& e : events)
            if (e.second.find(s) != std::string::npos)
                return e.first;
        return -1.0;
    };
    EXPECT_GT(find("error-passive"), 0.0);
    const double off_s = find("bus-off");
    ASSERT_GT(off_s, 0.0);
    EXPECT_LT(find("error-passive"), off_s);
    EXPECT_EQ(b.received.size(), 0u);
    // Recovery after 128 x 11 recessive bits.
    const double active_again = [&] {
        double t = -1;
        for (const auto& e : events)
            if (e.second.find("error-active") != std::string::npos)
                t = e.first;
        return t;
    }();
    // The node goes bus-off when it detects the 32nd error; the other nodes' error flag (6) and
    // delimiter (8) follow, then 128 sequences of 11 recessive bits bring it back.
    EXPECT_NEAR(active_again - off_s, (6 + 8 + 128 * 11) * bit_500k_s, 1e-12);
    EXPECT_EQ(can.nodes().at(0).tec, 0u);
    EXPECT_EQ(can.nodes().at(0).state, bus::can_error_state::error_active);
}

TEST(can_bus, disconnected_receiver_means_no_ack) {
    bus::can_bus can("can", 250000.0);
    node a("a"), b("b");
    a.can_tx.bind(can.can_rx);
    b.can_tx.bind(can.can_rx);
    a.schedule = {{0.001, frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0})}};
    sc_core::sc_start(sc_time(0.5, sc_core::SC_MS));
    can.set_online("b", false);
    sc_core::sc_start(sc_time(10, sc_core::SC_MS));
    EXPECT_TRUE(b.received.empty());
    EXPECT_GE(can.nodes().at(0).tec, 8u);
}
