// RS485 chain bench: character timing, propagation, collisions, cuts.
#include <string>
#include <vector>

#include "sc_testing.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using sc_core::sc_time;
using sc_core::SC_SEC;

namespace {

using station = sctest::rs485_station;

bus::rs485_chain_config config(std::uint32_t baud) {
    bus::rs485_chain_config c;
    c.format = proto::uart_format{baud, 8, 'N', 1};
    c.driver_enable_s = 0.0;
    c.propagation_s_per_m = 5e-9;
    c.hop_length_m = {2.0, 3.0};
    return c;
}

const std::string frame_128 = "~" + std::string(126, 'A') + "\r";

} // namespace

TEST(rs485_chain, frame_of_128_chars_at_9600_lasts_133_333_ms) {
    bus::rs485_chain chain("chain", config(9600), 1);
    station m0("m0"), m1("m1"), m2("m2");
    for (station* s : {&m0, &m1, &m2})
        s->rs485.bind(chain.rs485_rx);
    m0.schedule = {{1.0, frame_128}};
    sc_core::sc_start(sc_time(2, SC_SEC));
    ASSERT_EQ(m1.received.size(), 1u);
    const auto& f = m1.received[0];
    // 128 characters x 10 bits / 9600 baud, exactly; plus 2 m of propagation at 5 ns/m.
    const double expect_s = 128.0 * 10.0 / 9600.0;
    EXPECT_NEAR((f.end - f.start).to_seconds(), expect_s, 1e-12);
    EXPECT_NEAR(f.start.to_seconds(), 1.0 + 2.0 * 5e-9, 1e-12);
    EXPECT_NEAR(m0.released.to_seconds(), 1.0 + expect_s, 1e-12);
    EXPECT_FALSE(f.garbled);
    EXPECT_EQ(f.chars, frame_128);
    ASSERT_EQ(m2.received.size(), 1u);
    EXPECT_NEAR(m2.received[0].end.to_seconds(), 1.0 + expect_s + 5.0 * 5e-9, 1e-12);
}

TEST(rs485_chain, frame_of_128_chars_at_115200_lasts_11_111_ms) {
    bus::rs485_chain chain("chain", config(115200), 1);
    station m0("m0"), m1("m1");
    m0.rs485.bind(chain.rs485_rx);
    m1.rs485.bind(chain.rs485_rx);
    m0.schedule = {{0.5, frame_128}};
    std::vector<std::pair<double, double>> logged;
    chain.on_frame([&](const bus::rs485_frame& f, std::size_t) { logged.emplace_back(f.start.to_seconds(), f.end.to_seconds()); });
    sc_core::sc_start(sc_time(1, SC_SEC));
    ASSERT_EQ(m1.received.size(), 1u);
    EXPECT_NEAR((m1.received[0].end - m1.received[0].start).to_seconds(), 128.0 * 10.0 / 115200.0, 1e-12);
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_NEAR(logged[0].second - logged[0].first, 128.0 * 10.0 / 115200.0, 1e-12);
    // Character i starts i character times after the frame.
    EXPECT_NEAR((m1.received[0].char_start(127) - m1.received[0].start).to_seconds(), 127 * 10.0 / 115200.0, 1e-12);
}

TEST(rs485_chain, overlapping_frames_are_garbled_for_everyone) {
    bus::rs485_chain chain("chain", config(9600), 1);
    station m0("m0"), m1("m1"), m2("m2");
    for (station* s : {&m0, &m1, &m2})
        s->rs485.bind(chain.rs485_rx);
    m0.schedule = {{0.0, "~20034642E00203FD31\r"}};
    m2.schedule = {{0.010, "~20034600C0040000FDAE\r"}};
    sc_core::sc_start(sc_time(1, SC_SEC));
    ASSERT_EQ(m1.received.size(), 2u);
    EXPECT_TRUE(m1.received[0].garbled);
    EXPECT_TRUE(m1.received[1].garbled);
    EXPECT_NE(m1.received[0].chars, "~20034642E00203FD31\r");
    ASSERT_EQ(m0.received.size(), 1u);
    EXPECT_TRUE(m0.received[0].garbled);
    EXPECT_EQ(chain.collisions(), 1u);
}

TEST(rs485_chain, a_cut_hop_silences_everything_beyond_it) {
    bus::rs485_chain chain("chain", config(9600), 1);
    station m0("m0"), m1("m1"), m2("m2");
    for (station* s : {&m0, &m1, &m2})
        s->rs485.bind(chain.rs485_rx);
    m0.schedule = {{0.1, "~20034642E00203FD31\r"}};
    m2.schedule = {{0.5, "~20044642E00204FD2F\r"}};
    std::vector<std::size_t> hops;
    chain.on_frame([&](const bus::rs485_frame&, std::size_t hop) { hops.push_back(hop); });
    sc_core::sc_start(sc_time(0.01, SC_SEC));
    chain.set_hop_cut(1, true);
    sc_core::sc_start(sc_time(1, SC_SEC));
    EXPECT_EQ(m1.received.size(), 1u); // m0's frame
    EXPECT_TRUE(m2.received.empty());
    EXPECT_TRUE(m0.received.empty()); // m2's answer never crosses the cut
    EXPECT_EQ(hops, (std::vector<std::size_t>{0}));
}

TEST(rs485_chain, a_lead_node_sits_before_node_one_and_keeps_the_hop_numbers) {
    // lead --2 m-- m0 --2 m-- m1 --3 m-- m2: hops keep 0 = m0-m1, 1 = m1-m2; the lead cable is apart.
    bus::rs485_chain_config c = config(9600);
    c.lead_node = true;
    c.lead_length_m = 2.0;
    bus::rs485_chain chain("chain", c, 1);
    station lead("lead"), m0("m0"), m1("m1"), m2("m2");
    for (station* s : {&lead, &m0, &m1, &m2})
        s->rs485.bind(chain.rs485_rx);
    lead.schedule = {{1.0, frame_128}};
    std::vector<std::pair<std::size_t, double>> hops;
    std::vector<double> lead_segments;
    chain.on_frame([&](const bus::rs485_frame& f, std::size_t hop) { hops.emplace_back(hop, f.start.to_seconds()); });
    chain.on_lead_frame([&](const bus::rs485_frame& f) { lead_segments.push_back(f.start.to_seconds()); });
    sc_core::sc_start(sc_time(2, SC_SEC));
    EXPECT_EQ(chain.n_nodes(), 4u);
    EXPECT_EQ(chain.n_hops(), 2u);
    const double frame_s = 128.0 * 10.0 / 9600.0;
    ASSERT_EQ(m0.received.size(), 1u);
    ASSERT_EQ(m2.received.size(), 1u);
    EXPECT_NEAR(m0.received[0].start.to_seconds(), 1.0 + 2.0 * 5e-9, 1e-12);
    EXPECT_NEAR(m2.received[0].end.to_seconds(), 1.0 + frame_s + 7.0 * 5e-9, 1e-12);
    // The lead cable at the lead's end; hop 0 at m0's end (2 m away), hop 1 at m1's end (4 m).
    ASSERT_EQ(lead_segments.size(), 1u);
    EXPECT_NEAR(lead_segments[0], 1.0, 1e-12);
    ASSERT_EQ(hops.size(), 2u);
    EXPECT_EQ(hops[0].first, 0u);
    EXPECT_NEAR(hops[0].second, 1.0 + 2.0 * 5e-9, 1e-12);
    EXPECT_EQ(hops[1].first, 1u);
    EXPECT_NEAR(hops[1].second, 1.0 + 4.0 * 5e-9, 1e-12);
    // Only the module hops are numbered: 0 and 1, no third.
    chain.set_hop_cut(1, true);
    EXPECT_TRUE(chain.hop_cut(1));
    EXPECT_FALSE(chain.hop_cut(0));
    EXPECT_THROW(chain.set_hop_cut(2, true), std::out_of_range);
}

TEST(rs485_chain, a_cut_numbered_hop_behind_a_lead_node_silences_what_lies_beyond_it) {
    bus::rs485_chain_config c = config(9600);
    c.lead_node = true;
    bus::rs485_chain chain("chain", c, 1);
    station lead("lead"), m0("m0"), m1("m1"), m2("m2");
    for (station* s : {&lead, &m0, &m1, &m2})
        s->rs485.bind(chain.rs485_rx);
    lead.schedule = {{0.1, "~20034642E00203FD31\r"}};
    sc_core::sc_start(sc_time(0.01, SC_SEC));
    chain.set_hop_cut(1, true); // m1 - m2
    sc_core::sc_start(sc_time(1, SC_SEC));
    EXPECT_EQ(m0.received.size(), 1u);
    EXPECT_EQ(m1.received.size(), 1u);
    EXPECT_TRUE(m2.received.empty());
}

// Every receiver is called once, at the frame's end at the sender, in order of arrival; the frame
// each gets is timed at that receiver (later by its propagation delay), which is what it times its
// reactions from.
TEST(rs485_chain, every_receiver_is_called_at_the_senders_end_with_the_frame_timed_here) {
    bus::rs485_chain chain("chain", config(9600), 1);
    station m0("m0"), m1("m1"), m2("m2");
    for (station* s : {&m0, &m1, &m2})
        s->rs485.bind(chain.rs485_rx);
    m1.schedule = {{0.25, "~20034642E00203FD31\r"}};
    sc_core::sc_start(sc_time(1, SC_SEC));
    const double end_s = 0.25 + 20 * 10.0 / 9600.0; // at the sender (driver enable 0)
    ASSERT_EQ(m0.received.size(), 1u);
    ASSERT_EQ(m2.received.size(), 1u);
    EXPECT_TRUE(m1.received.empty());
    EXPECT_NEAR(m0.received_at[0].to_seconds(), end_s, 1e-12);
    EXPECT_EQ(m0.received_at[0], m2.received_at[0]);
    EXPECT_NEAR(m0.received[0].end.to_seconds(), end_s + 2.0 * 5e-9, 1e-12); // 2 m away
    EXPECT_NEAR(m2.received[0].end.to_seconds(), end_s + 3.0 * 5e-9, 1e-12); // 3 m away
    EXPECT_NEAR(m2.received[0].start.to_seconds(), 0.25 + 3.0 * 5e-9, 1e-12);
}

namespace {
// Answers every frame it hears from inside rs485_receive (the chain must allow a transmission
// from a receiver's callback), and records what it hears.
struct echo_station : sc_core::sc_module, bus::rs485_host {
    std::vector<bus::rs485_frame> received;
    explicit echo_station(const sc_core::sc_module_name& n) : sc_core::sc_module(n), bus::rs485_host("rs485") {}
    void rs485_receive(const bus::rs485_frame& f) override {
        received.push_back(f);
        if (f.chars != "ECHO")
            rs485_send("ECHO");
    }
    std::string rs485_node_name() const override { return basename(); }
};
} // namespace

TEST(rs485_chain, a_receiver_may_transmit_from_its_callback) {
    bus::rs485_chain chain("chain", config(9600), 1);
    station m0("m0"), m2("m2");
    echo_station m1("m1");
    m0.rs485.bind(chain.rs485_rx);
    m1.rs485.bind(chain.rs485_rx);
    m2.rs485.bind(chain.rs485_rx);
    m0.schedule = {{0.1, "HELLO"}, {0.2, "AGAIN"}};
    sc_core::sc_start(sc_time(1, SC_SEC));
    // m1 hears both and answers each at once from its callback, i.e. at the request's end at m0
    // (a node that times from its own end uses frame.end); m2 hears all four, none overlapping.
    ASSERT_EQ(m1.received.size(), 2u);
    ASSERT_EQ(m0.received.size(), 2u);
    ASSERT_EQ(m2.received.size(), 4u); // HELLO, ECHO, AGAIN, ECHO
    const double req_end_s = 0.1 + 5 * 10.0 / 9600.0;
    EXPECT_EQ(m0.received[0].chars, "ECHO");
    EXPECT_FALSE(m0.received[0].garbled);
    EXPECT_NEAR(m0.received[0].start.to_seconds(), req_end_s + 2.0 * 5e-9, 1e-12);
    EXPECT_NEAR(m0.received[0].end.to_seconds(), req_end_s + 4 * 10.0 / 9600.0 + 2.0 * 5e-9, 1e-12);
    for (const auto& f : m2.received)
        EXPECT_FALSE(f.garbled) << f.chars;
    EXPECT_EQ(chain.collisions(), 0u);
    EXPECT_EQ(chain.frames(), 4u);
}
