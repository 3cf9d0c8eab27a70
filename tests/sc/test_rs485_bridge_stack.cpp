// The RS485 bridge wired into the whole installation (sim::system from the default scenario with
// rs485.bridge set), with a fake host stream (host_bench.h) and the pacer's contract:
//  - @m0: the host replaces the master on the chain; a scripted master on the host polls the
//    subs, which answer with the chain's timing; the simulated master's polls never reach the
//    chain and it marks its subs lost; a sub joins on the host's join command;
//  - @link: the host sits before m0; every module answers it, and the hops keep their numbers.
// Expected times come from the definitions (8N1 = 10 bits per character at the scenario's 9600
// baud, driver enable 10 us, propagation 5 ns/m over 0.5 m hops and the 2 m link cable, the BMS's
// 20 ms turnaround: module_4k4pro.yaml).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bms_bench.h"
#include "host_bench.h"
#include "sc_testing.h"
#include "sim/scenario.h"
#include "sim/system.h"
#include "stack/rs485_bridge_spec.h"
#include "tlm/rs485_bridge.h"

using namespace stacksim;

namespace {

constexpr double char_s = 10.0 / 9600.0;
constexpr double enable_s = 10e-6;
constexpr double ns_per_m = 5e-9;
constexpr double hop_m = 0.5;
constexpr double link_m = 2.0;
constexpr double latency_s = 0.02;

// A request with LENGTH and CHKSUM from their definitions (protocols.md §2.3).
std::string request(unsigned adr, unsigned cid2, const std::string& info_hex) {
    const unsigned lenid = static_cast<unsigned>(info_hex.size());
    const unsigned lchk = (16 - ((lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)) % 16) % 16;
    char head[16];
    std::snprintf(head, sizeof head, "20%02X46%02X%04X", adr, cid2, (lchk << 12) | lenid);
    const std::string body = head + info_hex;
    unsigned sum = 0;
    for (char c : body)
        sum += static_cast<unsigned char>(c);
    char tail[8];
    std::snprintf(tail, sizeof tail, "%04X", (0x10000u - sum % 0x10000u) % 0x10000u);
    return "~" + body + tail + "\r";
}

using sctest::hex;

struct installation {
    sctest::recorder ev;
    sctest::fake_stream_port* port = nullptr;
    std::string stream;
    sim::scenario sc;
    std::unique_ptr<sim::system> top;
    std::unique_ptr<sctest::sim_wall_clock> clock; // after the bridge: its arrivals follow its epoch
    std::vector<std::pair<std::string, std::size_t>> on_chain; // (sender, hop) of every frame on a hop

    explicit installation(const std::string& spec) {
        sc = sim::load_scenario(sim::source_dir() + "/scenarios/default.yaml", {"run.realtime=1", "rs485.bridge=" + spec});
        sc.stack.rs485_bridge_port = [this](const std::string& s) {
            stream = s;
            auto p = std::make_unique<sctest::fake_stream_port>();
            port = p.get();
            return std::unique_ptr<host::stream_port>(std::move(p));
        };
        top = std::make_unique<sim::system>("top", sc, ev);
        clock = std::make_unique<sctest::sim_wall_clock>();
        top->battery().rs485().on_frame(
            [this](const bus::rs485_frame& f, std::size_t hop) { on_chain.emplace_back(f.sender, hop); });
    }
    void start() { top->battery().rs485_bridge()->start([] {}); }
    void send(const std::string& bytes, double at_s) { port->inject(bytes, clock->at(at_s)); }
    void run_to(double t_s) { sctest::pace(*top->battery().rs485_bridge(), *clock, t_s); }
    std::vector<sctest::fake_stream_port::written> answers_from(unsigned adr, double after_s) const {
        return sctest::answers_from(*port, adr, after_s);
    }
};

} // namespace

TEST(rs485_bridge_stack, at_m0_a_scripted_master_polls_the_subs_with_the_chains_timing) {
    installation i("tcp:0@m0");
    EXPECT_EQ(i.stream, "tcp:0") << "opened with the installation, before any output file (a port in use is bad input)";
    EXPECT_EQ(i.top->battery().rs485_bridge()->describe(), "rs485 bridge @m0: fake stream");
    ASSERT_EQ(i.top->host_inputs().size(), 1u);
    EXPECT_EQ(i.top->host_inputs()[0], i.top->battery().rs485_bridge()) << "the pacer serves it";
    i.start();
    ASSERT_EQ(i.ev.of("rs485_bridge").size(), 1u);
    EXPECT_EQ(i.ev.of("rs485_bridge")[0].details.at("position"), "m0");
    // Poll m1 (ADR 3) and m2 (ADR 4) for analog values, as a master would, one after the other.
    i.send(request(3, 0x42, "03"), 0.5);
    i.send(request(4, 0x42, "04"), 1.0);
    i.run_to(1.5);
    EXPECT_EQ(i.top->battery().rs485().n_nodes(), 3u) << "host, m1, m2: m0's transceiver is off the chain";
    for (unsigned adr : {3u, 4u}) {
        const double at_s = adr == 3 ? 0.5 : 1.0;
        const double to_m = (adr - 2) * hop_m; // the host sits at m0's place
        const auto answers = i.answers_from(adr, at_s);
        ASSERT_EQ(answers.size(), 1u) << "ADR " << adr;
        const std::string& a = answers[0].bytes;
        EXPECT_EQ(a.size(), 18u + 2 * (2 + 1 + 2 * 16 + 1 + 2 * 4 + 2 + 2 + 2 + 1 + 2 + 2 + 6))
            << "0x42 of 16 cells, 4 NTCs, 4 user items";
        const double request_end_at_sub = at_s + enable_s + 20 * char_s + to_m * ns_per_m;
        EXPECT_NEAR(answers[0].t_s, request_end_at_sub + latency_s + enable_s + a.size() * char_s + to_m * ns_per_m, 1e-12)
            << "ADR " << adr;
    }
    // The simulated master polled into its unplugged port: nothing of m0 on the chain.
    for (const auto& [sender, hop] : i.on_chain)
        EXPECT_NE(sender, "m0") << "on hop " << hop;
}

TEST(rs485_bridge_stack, at_m0_the_simulated_master_loses_its_subs_and_a_sub_joins_on_the_hosts_command) {
    installation i("pty:/tmp/stacksim-test-unused@m0");
    i.start();
    EXPECT_EQ(i.stream, "pty:/tmp/stacksim-test-unused");
    const auto& m1 = *i.top->battery().module(1).controller();
    // The master hears no sub: every poll times out (0.5 s, 1 retry: 1.04 s per sub and cycle), so
    // each sub is lost after lost_after_misses (3) cycles: m1 at about 5.2 s, m2 at about 6.2 s.
    i.run_to(8.0);
    const auto lost = i.ev.of("sub_lost");
    ASSERT_EQ(lost.size(), 2u);
    const double per_sub_s = 2 * (enable_s + 20 * char_s + 0.5); // 0x42 poll + timeout, twice
    EXPECT_NEAR(lost[0].t_s, 5 * per_sub_s, 1e-9) << "m1: cycles 1, 2 and its part of cycle 3";
    EXPECT_NEAR(lost[1].t_s, 6 * per_sub_s, 1e-9) << "m2";
    EXPECT_FALSE(m1.report().joined);
    EXPECT_FALSE(m1.report().switch_closed);
    // The host admits m1 (join command 0x99, INFO = ADR, 01) and reads its limits.
    i.send(request(3, 0x99, "0301"), 8.5);
    i.run_to(9.0);
    ASSERT_EQ(i.answers_from(3, 8.5).size(), 1u);
    EXPECT_TRUE(m1.report().joined);
    ASSERT_EQ(i.ev.of("joined", 8.5).size(), 1u);
    i.run_to(9.5);
    EXPECT_TRUE(m1.report().switch_closed) << "closed at its next measurement";
}

TEST(rs485_bridge_stack, at_link_every_module_answers_the_host_and_hops_keep_their_numbers) {
    installation i("tcp:0");
    i.start();
    EXPECT_EQ(i.ev.of("rs485_bridge")[0].details.at("position"), "link");
    // The default stack's master polls m1 and m2 once a second for about 0.79 s (two subs at 9600
    // baud, docs/protocols/rs485.md); its cycles start at x.07 s here (the start-up cycle with the
    // joins took longer than 1 s), so x.90 .. x.99 is quiet: the host asks then.
    double t = 10.90;
    for (unsigned adr : {2u, 3u, 4u}) {
        char info[4];
        std::snprintf(info, sizeof info, "%02X", adr);
        i.send(request(adr, 0x92, info), t);
        i.run_to(t + 0.12);
        const auto answers = i.answers_from(adr, t);
        ASSERT_EQ(answers.size(), 1u) << "ADR " << adr;
        const std::string& a = answers[0].bytes;
        EXPECT_EQ(a.size(), 38u);
        const double to_m = link_m + (adr - 2) * hop_m;
        EXPECT_NEAR(answers[0].t_s,
                    t + enable_s + 20 * char_s + to_m * ns_per_m + latency_s + enable_s + 38 * char_s + to_m * ns_per_m,
                    1e-12)
            << "ADR " << adr;
        // 0x92: ADR, then the CVL in mV: 16 x 3.55 V (bms.limits.cvl_cell_v) = 56.8 V.
        EXPECT_EQ(hex(a, 13, 2), adr);
        EXPECT_EQ(hex(a, 15, 4), 56800u);
        t += 1.0;
    }
    EXPECT_EQ(i.top->battery().rs485().n_nodes(), 4u);
    EXPECT_EQ(i.top->battery().rs485().n_hops(), 2u);
    // The host's frames show up on hop 0 (m0-m1) and hop 1 (m1-m2); nothing is numbered beyond.
    bool host_on_hop0 = false;
    for (const auto& [sender, hop] : i.on_chain) {
        EXPECT_LT(hop, 2u);
        host_on_hop0 = host_on_hop0 || (sender == "host" && hop == 0);
    }
    EXPECT_TRUE(host_on_hop0);
}

TEST(rs485_bridge_spec, streams_and_positions) {
    using models::parse_rs485_bridge_spec;
    using models::rs485_bridge_position;
    auto s = parse_rs485_bridge_spec("pty:/tmp/pylon");
    EXPECT_EQ(s.stream, "pty:/tmp/pylon");
    EXPECT_EQ(s.position, rs485_bridge_position::link) << "link unless given";
    s = parse_rs485_bridge_spec("tcp:127.0.0.1:5000@m0");
    EXPECT_EQ(s.stream, "tcp:127.0.0.1:5000");
    EXPECT_EQ(s.position, rs485_bridge_position::m0);
    s = parse_rs485_bridge_spec("tcp:[::1]:0@link");
    EXPECT_EQ(s.stream, "tcp:[::1]:0");
    s = parse_rs485_bridge_spec("pty:/tmp/a@b@m0"); // a path with '@': the position is after the last one
    EXPECT_EQ(s.stream, "pty:/tmp/a@b");
    EXPECT_EQ(s.position, rs485_bridge_position::m0);
    for (const char* bad : {"", "pty:", "pty:@link", "tcp:", "tcp:65536", "tcp:-1", "tcp::5000", "tcp:host:", "tcp:12x",
                            "serial:/dev/ttyUSB0", "/dev/ttyUSB0", "tcp:5000@", "tcp:5000@m1", "pty:/tmp/a@b"})
        EXPECT_THROW(parse_rs485_bridge_spec(bad), std::invalid_argument) << bad;
}
