// The RS485 bridge node (bus/tlm/rs485_bridge.h) on a real chain, with a fake host stream and the
// pacer's contract on a simulated wall clock (host_bench.h): the host's bytes arrive stamped with
// a wall-clock time, the pacer delivers them at the matching simulated instant, and the chain
// takes it from there.
//
// Expected times are computed here from the definitions (protocols.md §3.2: a character of 8N1 is
// 10 bits; a frame of n characters lasts n * 10 / baud; propagation 5 ns/m; driver enable before
// the first start bit; the BMS's answer starts response_latency_s after the request's end), and
// frames are checked against LENGTH / CHKSUM computed here from protocols.md §2.3, not with the
// project's codec.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "battery/afe.h"
#include "battery/bms.h"
#include "battery/module_params.h"
#include "battery/stack_master.h"
#include "bms_bench.h"
#include "host_bench.h"
#include "sc_testing.h"
#include "tlm/rs485_bridge.h"
#include "tlm/rs485_chain.h"

using namespace stacksim;
using namespace stacksim::models;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

constexpr double baud = 9600.0;
constexpr double char_s = 10.0 / baud;  // 8N1
constexpr double enable_s = 10e-6;      // driver enable
constexpr double ns_per_m = 5e-9;
constexpr double lead_m = 2.0;          // bridge -- m0
constexpr double hop_m = 3.0;           // m0 -- m1
constexpr double latency_s = 0.02;      // BMS turnaround (bms.response_latency_s, module_4k4pro.yaml)

// Requests written out as characters (protocols.md §2.3 worked example for ADR 2; the others with
// LENGTH and CHKSUM computed by hand the same way).
const std::string req_42_adr2 = "~20024642E00202FD33\r";   // 0x42, INFO 02
const std::string req_42_adr3 = "~20034642E00203FD31\r";   // sum 0x02CF -> FD31

// "~" + body + CHKSUM + CR with CHKSUM from its definition: two's complement of the 16-bit sum of
// the ASCII codes of the body (VER through INFO).
std::string frame_with_chksum(const std::string& body) {
    unsigned sum = 0;
    for (char c : body)
        sum += static_cast<unsigned char>(c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", (0x10000u - sum % 0x10000u) % 0x10000u);
    return "~" + body + buf + "\r";
}

// A request: VER 20, ADR, CID1 46, CID2, LENGTH for `info_hex` (LCHKSUM from its definition).
std::string request(unsigned adr, unsigned cid2, const std::string& info_hex) {
    const unsigned lenid = static_cast<unsigned>(info_hex.size());
    const unsigned lchk = (16 - ((lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)) % 16) % 16;
    char head[16];
    std::snprintf(head, sizeof head, "20%02X46%02X%04X", adr, cid2, (lchk << 12) | lenid);
    return frame_with_chksum(head + info_hex);
}

using sctest::hex;

// A response frame checked by the definitions: '~' ... CR, LENID = INFO characters, LCHKSUM,
// CHKSUM over the characters as sent, upper-case hex.
::testing::AssertionResult valid_response(const std::string& f, unsigned adr, unsigned rtn) {
    if (f.size() < 18 || f.front() != '~' || f.back() != '\r')
        return ::testing::AssertionFailure() << "not a frame: " << f;
    for (std::size_t i = 1; i + 1 < f.size(); ++i)
        if (!std::isxdigit(static_cast<unsigned char>(f[i])) || std::islower(static_cast<unsigned char>(f[i])))
            return ::testing::AssertionFailure() << "not upper-case hex at " << i << ": " << f;
    const unsigned length = hex(f, 9, 4), lenid = length & 0xFFF;
    if (lenid != f.size() - 18)
        return ::testing::AssertionFailure() << "LENID " << lenid << " for " << f.size() - 18 << " INFO characters";
    if ((length >> 12) != (16 - ((lenid >> 8) + ((lenid >> 4) & 0xF) + (lenid & 0xF)) % 16) % 16)
        return ::testing::AssertionFailure() << "LCHKSUM of " << f;
    if (frame_with_chksum(f.substr(1, f.size() - 6)) != f)
        return ::testing::AssertionFailure() << "CHKSUM of " << f;
    if (hex(f, 3, 2) != adr || hex(f, 5, 2) != 0x46 || hex(f, 7, 2) != rtn)
        return ::testing::AssertionFailure() << "ADR/CID1/RTN of " << f;
    return ::testing::AssertionSuccess();
}

bus::rs485_chain_config link_chain() {
    bus::rs485_chain_config c;
    c.format = proto::uart_format{static_cast<std::uint32_t>(baud), 8, 'N', 1};
    c.driver_enable_s = enable_s;
    c.propagation_s_per_m = ns_per_m;
    c.hop_length_m = {hop_m};
    c.lead_node = true;
    c.lead_length_m = lead_m;
    return c;
}

using sctest::quiet_afe;

// The file's BMS at `address` (2 = the master); the subs wait for the master's join command.
bms_config module_cfg(std::uint8_t address) {
    bms_config c = sctest::file_bms();
    c.address = address;
    c.wait_for_join = address != c.master_address;
    return c;
}

// The bridge at the lead position of a chain; its fake stream stays reachable through `port`.
// attach() binds it to the chain (first, so it is the lead node) and starts it. The most-derived
// constructor calls it once every module exists: with the bind in this constructor, GCC 12 -O3
// (through -fipa-cp-clone) built a link_stack whose sc_module_name stack came out empty
// (a crash in ~sc_module_name); -O2, clang -O3 and the bind after construction do not.
struct bridge_on_chain {
    sctest::sim_wall_clock clock;
    bus::rs485_chain chain;
    sctest::fake_stream_port* port = nullptr; // owned by the bridge
    bus::rs485_bridge bridge;

    explicit bridge_on_chain(bus::rs485_chain_config c = link_chain())
        : chain("chain", c, 1), bridge("host", "fake", opener(), config(clock)) {}
    void attach() {
        bridge.rs485.bind(chain.rs485_rx);
        bridge.start([] {});
    }
    bus::rs485_bridge::stream_opener opener() {
        return [this] {
            auto p = std::make_unique<sctest::fake_stream_port>();
            port = p.get();
            return std::unique_ptr<host::stream_port>(std::move(p));
        };
    }
    static bus::rs485_bridge_config config(const sctest::sim_wall_clock& clock) {
        bus::rs485_bridge_config c;
        c.clock = clock.fn();
        return c;
    }
    void send(const std::string& bytes, double at_s) { port->inject(bytes, clock.at(at_s)); }
    void run_to(double t_s) { sctest::pace(bridge, clock, t_s); }
    std::vector<host::notice> notices() {
        std::vector<host::notice> n;
        bridge.take_notices(n);
        return n;
    }
};

// The bridge at the master's free port, the master BMS with its poll logic, one sub.
struct link_stack : bridge_on_chain {
    sctest::recorder ev;
    sctest::scripted_plant master_plant{"master_plant"}, sub_plant{"sub_plant"};
    afe master_afe{"master_afe", quiet_afe()}, sub_afe{"sub_afe", quiet_afe()};
    bms master_bms{"master_bms", module_cfg(2), quiet_afe(), ev};
    bms sub_bms{"sub_bms", module_cfg(3), quiet_afe(), ev};
    stack_master master{"master", master_config(), master_bms, ev};

    link_stack() {
        attach();
        master_afe.plant.bind(master_plant);
        sub_afe.plant.bind(sub_plant);
        master_bms.afe_out.bind(master_afe.bus_in);
        sub_bms.afe_out.bind(sub_afe.bus_in);
        master_bms.rs485.bind(chain.rs485_rx);
        sub_bms.rs485.bind(chain.rs485_rx);
    }
    static stack_master_config master_config() { return sctest::file_master({3}); }
    std::vector<sctest::fake_stream_port::written> answers_from(unsigned adr, double after_s) const {
        return sctest::answers_from(*port, adr, after_s);
    }
};

using station = sctest::rs485_station;

} // namespace

TEST(rs485_bridge, a_host_request_goes_on_the_wire_at_its_arrival_with_the_chains_timing) {
    bridge_on_chain b;
    b.attach();
    station m0("m0"), m1("m1");
    m0.rs485.bind(b.chain.rs485_rx);
    m1.rs485.bind(b.chain.rs485_rx);
    b.send(req_42_adr2, 1.25);
    b.run_to(2.0);
    ASSERT_EQ(m0.received.size(), 1u);
    ASSERT_EQ(m1.received.size(), 1u);
    const double start_s = 1.25 + enable_s;
    EXPECT_EQ(m0.received[0].chars, req_42_adr2);
    EXPECT_FALSE(m0.received[0].garbled);
    EXPECT_NEAR(m0.received[0].start.to_seconds(), start_s + lead_m * ns_per_m, 1e-12);
    EXPECT_NEAR(m0.received[0].end.to_seconds(), start_s + 20 * char_s + lead_m * ns_per_m, 1e-12);
    EXPECT_NEAR(m1.received[0].end.to_seconds(), start_s + 20 * char_s + (lead_m + hop_m) * ns_per_m, 1e-12);
    EXPECT_EQ(m0.received[0].sender, "host");
    EXPECT_EQ(b.bridge.frames_sent(), 1u);
    EXPECT_EQ(b.bridge.stats().rx, 1u);
    EXPECT_EQ(b.bridge.stats().malformed, 0u);
}

TEST(rs485_bridge, two_requests_in_one_write_go_out_back_to_back) {
    bridge_on_chain b;
    b.attach();
    station m0("m0"), m1("m1");
    m0.rs485.bind(b.chain.rs485_rx);
    m1.rs485.bind(b.chain.rs485_rx);
    b.send(req_42_adr2 + req_42_adr3, 0.5);
    b.run_to(1.0);
    ASSERT_EQ(m0.received.size(), 2u);
    EXPECT_FALSE(m0.received[0].garbled || m0.received[1].garbled) << "one UART: no overlap with itself";
    // The second starts when the first has released the line (its end; no disable time here) plus
    // the driver enable.
    EXPECT_NEAR(m0.received[1].start.to_seconds(), 0.5 + enable_s + 20 * char_s + enable_s + lead_m * ns_per_m, 1e-12);
    EXPECT_EQ(m0.received[1].chars, req_42_adr3);
}

TEST(rs485_bridge, frames_on_the_line_reach_the_host_at_their_end_time_here) {
    bridge_on_chain b;
    b.attach();
    station m0("m0"), m1("m1");
    m0.rs485.bind(b.chain.rs485_rx);
    m1.rs485.bind(b.chain.rs485_rx);
    const std::string answer = "~20024600B01402DDE0AF0002E4FA38C0F915\r"; // protocols.md §2.3 example 4 (0x92)
    m1.schedule = {{0.5, answer}};
    b.run_to(1.0);
    ASSERT_EQ(b.port->writes.size(), 1u);
    EXPECT_EQ(b.port->writes[0].bytes, answer);
    EXPECT_NEAR(b.port->writes[0].t_s, 0.5 + enable_s + 38 * char_s + (hop_m + lead_m) * ns_per_m, 1e-12);
    EXPECT_EQ(b.bridge.stats().tx, 1u);
}

TEST(rs485_bridge, without_a_client_frames_for_the_host_are_dropped_and_counted) {
    bridge_on_chain b;
    b.attach();
    station m0("m0");
    m0.rs485.bind(b.chain.rs485_rx);
    m0.schedule = {{0.2, req_42_adr3}, {0.4, req_42_adr3}};
    b.port->connected = false;
    b.run_to(0.3);
    EXPECT_EQ(b.bridge.stats().dropped, 1u);
    b.port->connected = true;
    b.run_to(1.0);
    EXPECT_EQ(b.bridge.stats().dropped, 1u);
    EXPECT_EQ(b.bridge.stats().tx, 1u);
}

TEST(rs485_bridge, a_sub_answers_the_host_at_its_simulated_end_time_with_valid_length_and_chksum) {
    link_stack s;
    const double at_s = 0.7; // the master's first poll cycle is over (one sub: ~0.5 s)
    s.send(req_42_adr3, at_s);
    s.run_to(1.0 - 1e-6); // before the master's next cycle
    const auto answers = s.answers_from(3, at_s);
    ASSERT_EQ(answers.size(), 1u);
    const std::string& a = answers[0].bytes;
    EXPECT_TRUE(valid_response(a, 3, 0x00));
    // Request end at the sub, then the turnaround, then the answer's characters, then the wire back.
    const double request_end_at_sub = at_s + enable_s + 20 * char_s + (lead_m + hop_m) * ns_per_m;
    const double answer_end_here = request_end_at_sub + latency_s + enable_s + a.size() * char_s + (hop_m + lead_m) * ns_per_m;
    EXPECT_NEAR(answers[0].t_s, answer_end_here, 1e-12);
    // INFO: INFOFLAG, ADR, 16 cells, 4 temperatures (one NTC per 4 cells), ... (protocols.md §2.5).
    EXPECT_EQ(hex(a, 15, 2), 3u);
    EXPECT_EQ(hex(a, 17, 2), 16u);
    EXPECT_EQ(hex(a, 19, 4), 3300u) << "cell 1 in mV (the scripted plant's 3.30 V)";
}

TEST(rs485_bridge, every_console_command_is_answered_by_master_and_sub) {
    link_stack s;
    // 0x42, 0x44, 0x47 (INFO = ADR), 0x4F, 0x51 (no INFO), 0x92, 0x93 (INFO = ADR): one at a time,
    // in the quiet part of each master poll cycle (0.6 .. 0.95 s).
    struct ask {
        unsigned cid2;
        bool with_adr;
        std::size_t chars; // 0: not fixed (0x42, 0x44 depend on cells and sensors)
    };
    const std::vector<ask> asks = {{0x42, true, 0},  {0x44, true, 0},   {0x47, true, 68}, {0x4F, false, 18},
                                   {0x51, false, 82}, {0x92, true, 38}, {0x93, true, 52}};
    double t = 0.6;
    for (unsigned adr : {2u, 3u}) {
        for (const ask& q : asks) {
            char info[4];
            std::snprintf(info, sizeof info, "%02X", adr);
            s.send(request(adr, q.cid2, q.with_adr ? info : ""), t);
            s.run_to(t + 0.3);
            const auto answers = s.answers_from(adr, t);
            ASSERT_EQ(answers.size(), 1u) << "ADR " << adr << " CID2 " << q.cid2;
            const std::string& a = answers[0].bytes;
            EXPECT_TRUE(valid_response(a, adr, 0x00)) << "CID2 " << q.cid2;
            if (q.chars) {
                EXPECT_EQ(a.size(), q.chars) << "CID2 " << q.cid2;
            }
            if (q.cid2 == 0x93) { // INFO: ADR, then "STACKSIM-4K4-00N" in ASCII (assumed serial numbers)
                EXPECT_EQ(a.substr(13, 2 + 32), std::string(info) + "535441434B53494D2D344B342D3030" + "3" +
                                                    std::to_string(adr));
            }
            t += 1.0;
        }
    }
}

TEST(rs485_bridge, a_wrong_chksum_gets_rtn_02_and_an_unknown_address_silence) {
    link_stack s;
    std::string bad = req_42_adr3;
    bad[bad.size() - 2] = bad[bad.size() - 2] == '1' ? '2' : '1';
    s.send(bad, 0.6);
    s.run_to(0.95);
    auto answers = s.answers_from(3, 0.6);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_TRUE(valid_response(answers[0].bytes, 3, 0x02)) << "RTN 02 CHKSUM error, empty INFO";
    EXPECT_EQ(answers[0].bytes.size(), 18u);
    // A well-formed request to an address nobody has: no module answers (none is addressed).
    const std::size_t before = s.port->writes.size();
    s.send(request(9, 0x42, "09"), 1.6);
    s.run_to(1.95);
    for (std::size_t i = before; i < s.port->writes.size(); ++i)
        EXPECT_NE(hex(s.port->writes[i].bytes, 3, 2), 9u) << s.port->writes[i].bytes;
    // An unknown command to the sub: RTN 04 (CID2 invalid).
    s.send(request(3, 0x60, ""), 2.6);
    s.run_to(2.95);
    answers = s.answers_from(3, 2.6);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_TRUE(valid_response(answers[0].bytes, 3, 0x04));
    EXPECT_EQ(s.bridge.stats().malformed, 1u) << "the bad CHKSUM, reported by the bridge too";
}

TEST(rs485_bridge, a_collision_with_the_masters_poll_garbles_both) {
    link_stack s;
    s.run_to(0.99);
    const std::uint64_t collisions = s.chain.collisions();
    const std::size_t writes = s.port->writes.size();
    // The master's cycle starts at 1.0 s with a 20-character 0x42 poll of ADR 3 (20.8 ms); the host
    // starts its own request 5 ms into it.
    s.send(req_42_adr2, 1.005);
    s.run_to(1.15);
    EXPECT_EQ(s.chain.collisions(), collisions + 1);
    ASSERT_GT(s.port->writes.size(), writes);
    const std::string& heard = s.port->writes[writes].bytes;
    EXPECT_NEAR(s.port->writes[writes].t_s, 1.0 + enable_s + 20 * char_s + lead_m * ns_per_m, 1e-12)
        << "the master's poll, as the host heard it";
    EXPECT_NE(heard.find('\x7F'), std::string::npos) << "garbled: " << heard;
    // Neither request is answered (the sub's answer would end ~1.19 s, the master's ~1.17 s).
    s.run_to(1.3);
    EXPECT_TRUE(s.answers_from(2, 1.0).empty());
    EXPECT_TRUE(s.answers_from(3, 1.0).empty());
    EXPECT_GE(s.sub_bms.rs485_rejected(), 1u);
    EXPECT_EQ(s.ev.of("rs485_rejected", 1.0).size(), 1u) << "the master logs the garbled frame it heard";
}

TEST(rs485_bridge, garbage_is_counted_reported_and_the_run_goes_on) {
    link_stack s;
    station probe("probe"); // a third node hears what the bridge put on the line
    probe.rs485.bind(s.chain.rs485_rx);
    s.send(std::string("\x01\x02noise", 7), 0.6);
    s.send(req_42_adr3, 1.6);
    s.run_to(1.95);
    EXPECT_EQ(s.bridge.stats().rx, 2u);
    EXPECT_EQ(s.bridge.stats().malformed, 1u);
    const auto notices = s.notices();
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].kind, "malformed");
    EXPECT_NE(notices[0].detail.find("no CR"), std::string::npos) << notices[0].detail;
    EXPECT_NE(notices[0].detail.find("\\x01\\x02noise"), std::string::npos) << notices[0].detail;
    // The noise was on the wire (ended by 50 ms of silence) and the valid request after it is answered.
    bool noise_on_wire = false;
    for (const auto& f : probe.received)
        noise_on_wire = noise_on_wire || f.chars == std::string("\x01\x02noise", 7);
    EXPECT_TRUE(noise_on_wire);
    EXPECT_EQ(s.answers_from(3, 1.6).size(), 1u);
}

TEST(rs485_bridge, the_master_answers_the_whole_stack_analog_request) {
    link_stack s;
    // ~20024642E002FFFD09: 0x42 to the system (ADR 2, INFO FF), protocols.md §2.3's second vector.
    s.send("~20024642E002FFFD09\r", 0.6);
    s.run_to(0.95);
    const auto answers = s.answers_from(2, 0.6);
    ASSERT_EQ(answers.size(), 1u);
    const std::string& a = answers[0].bytes;
    EXPECT_TRUE(valid_response(a, 2, 0x00));
    // INFOFLAG, module count 2 (the master and its sub, as the master last heard it), then two
    // blocks of 16 cells, 4 temperatures and 4 user items: 2 + 2 x 59 bytes (protocols.md §2.5).
    EXPECT_EQ(hex(a, 15, 2), 2u);
    EXPECT_EQ(a.size(), 18u + 2 * (2 + 2 * 59));
    EXPECT_EQ(hex(a, 17, 2), 16u) << "the master's block: 16 cells";
    EXPECT_EQ(hex(a, 19, 4), 3300u);
    const std::size_t second = 13 + 2 * (2 + 59);
    EXPECT_EQ(hex(a, second, 2), 16u) << "the sub's block";
    EXPECT_EQ(hex(a, second + 2, 4), 3300u);
}
