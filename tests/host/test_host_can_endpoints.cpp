// The socketcand and SLCAN backends behind make_can_endpoint, driven by minimal clients written
// from the protocol docs (python-can's real interfaces drive them in
// tests/python/test_host_can_endpoints.py), and the backend registry.
#include <algorithm>
#include <atomic>
#include <filesystem>

#include <gtest/gtest.h>

#include <fcntl.h>

#include "host/can_endpoint.h"
#include "host/can_endpoint_registry.h"
#include "host/socketcand_endpoint.h"
#include "host_test_util.h"

namespace stacksim::host {
namespace {

using namespace testing;
namespace fs = std::filesystem;

struct taken {
    std::vector<inbound_frame> frames;
    std::vector<notice> notices;
    void from(can_endpoint& ep) { ep.take(frames, notices); }
    std::size_t count(const std::string& kind) const {
        std::size_t n = 0;
        for (const notice& x : notices)
            n += x.kind == kind;
        return n;
    }
};

TEST(host_can_endpoint_registry, unknown_backends_and_bad_specs_name_the_choices) {
    for (const char* spec : {"bogus:1", "socketcand", "slcan:", "", "vcan0"}) {
        try {
            make_can_endpoint(spec, 500000);
            ADD_FAILURE() << spec;
        } catch (const std::invalid_argument& e) {
            const std::string w = e.what();
            EXPECT_NE(w.find("slcan, socketcan, socketcand"), std::string::npos) << w;
        }
    }
    EXPECT_THROW(make_can_endpoint("socketcand:127.0.0.1:99999", 500000), std::invalid_argument);
    const std::vector<std::string> names = can_endpoint_registry::instance().names();
    for (const char* builtin : {"slcan", "socketcan", "socketcand"})
        EXPECT_NE(std::find(names.begin(), names.end(), builtin), names.end()) << builtin;
}

TEST(host_can_endpoint_registry, another_backend_is_added_without_touching_the_callers) {
    std::string seen;
    can_endpoint_registry::instance().add("pair", [&](const std::string& spec, const std::string& arg, double) {
        seen = spec + "|" + arg;
        int sv[2];
        ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
        ::close(sv[1]);
        return make_socketcan_endpoint_on_fd(sv[0], arg);
    });
    auto ep = make_can_endpoint("pair:left", 250000);
    EXPECT_EQ(seen, "pair:left|left");
    EXPECT_EQ(ep->describe(), "socketcan left");
}

TEST(host_socketcand_endpoint, raw_mode_session_with_a_client_written_from_the_protocol_doc) {
    auto ep = make_can_endpoint("socketcand:0", 500000);
    ASSERT_GT(ep->port(), 0);
    EXPECT_EQ(ep->describe(), "socketcand tcp 127.0.0.1:" + std::to_string(ep->port()));
    ep->start([] {});
    taken t;
    unique_fd c = tcp_connect(ep->port());
    ASSERT_TRUE(c);
    EXPECT_EQ(read_until(c.get(), contains("< hi >")).bytes, "< hi >");
    write_all(c.get(), "< open can0 >");
    EXPECT_EQ(read_until(c.get(), contains("< ok >")).bytes, "< ok >");
    ep->send(proto::make_can_frame(0x351, {1}), 0.5); // BCM mode: not for the client
    EXPECT_EQ(ep->stats().dropped, 1u);
    {
        // The simulation sends all the time; python-can reads the reply to rawmode with one recv()
        // and compares it with "< ok >", so the ok must come alone.
        std::atomic<bool> sending{true};
        std::thread sim([&] {
            for (int i = 1; sending && i < 5000; ++i) {
                ep->send(proto::make_can_frame(0x7F0, {}), 0.001 * i);
                std::this_thread::sleep_for(1ms);
            }
        });
        write_all(c.get(), "< rawmode >");
        pollfd p{c.get(), POLLIN, 0};
        ASSERT_EQ(::poll(&p, 1, 5000), 1);
        char buf[256];
        const ssize_t n = ::recv(c.get(), buf, sizeof buf, 0);
        EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0u), "< ok >");
        EXPECT_NE(read_until(c.get(), contains("< frame 7F0 ")).bytes.find("< frame 7F0 "), std::string::npos);
        sending = false;
        sim.join();
        read_until(c.get(), [](const std::string&) { return false; }, 100ms); // drain
    }
    const std::uint64_t tx_before = ep->stats().tx;
    ep->send(proto::make_can_frame(0x351, {0x2C, 0x02, 0xE8, 0x03}), 12.00025);
    ep->send(proto::make_can_frame(0x305, {}), 12.5);
    EXPECT_EQ(read_until(c.get(), contains("< frame 305")).bytes,
              "< frame 351 12.000250 2C02E803 >< frame 305 12.500000  >");
    EXPECT_EQ(ep->stats().tx, tx_before + 2);

    const auto before = wall_clock::now();
    write_all(c.get(), "< send 305 8 0 a 0 0 ff 10 2c 1 >");
    ASSERT_TRUE(eventually([&] {
        t.from(*ep);
        return !t.frames.empty();
    }));
    EXPECT_EQ(t.frames[0].frame, proto::make_can_frame(0x305, {0, 0x0A, 0, 0, 0xFF, 0x10, 0x2C, 0x01}));
    EXPECT_GE(t.frames[0].arrival, before);

    write_all(c.get(), "garbage\n< bogus >< send 123 9 >< echo >");
    EXPECT_EQ(read_until(c.get(), contains("< echo >")).bytes,
              "< error unknown command >< error syntax error in send >< echo >");
    ASSERT_TRUE(eventually([&] { return ep->stats().malformed == 3; }));
    t.from(*ep);
    EXPECT_EQ(t.count("malformed"), 3u);

    // A second client is told and closed; the first goes on.
    unique_fd second = tcp_connect(ep->port());
    const read_result refused = read_until(second.get(), [](const std::string&) { return false; });
    EXPECT_EQ(refused.bytes, "< error busy: one client at a time >");
    EXPECT_TRUE(refused.eof);
    ep->send(proto::make_can_frame(0x356, {}), 13.0);
    EXPECT_EQ(read_until(c.get(), contains(" >")).bytes, "< frame 356 13.000000  >");

    // Leave and come back: greeted again, and nothing is sent before raw mode.
    c.reset();
    ASSERT_TRUE(eventually([&] {
        t.from(*ep);
        return t.count("disconnected") == 1;
    }));
    unique_fd back = tcp_connect(ep->port());
    EXPECT_EQ(read_until(back.get(), contains("< hi >")).bytes, "< hi >");
    ep->send(proto::make_can_frame(0x356, {}), 14.0);
    EXPECT_EQ(read_until(back.get(), contains(">"), 100ms).bytes, "");
    EXPECT_EQ(ep->stats().connects, 2u);
    t.from(*ep);
    EXPECT_EQ(t.count("refused"), 1u);
    EXPECT_EQ(t.count("listening"), 1u);
    ep->stop();
}

TEST(host_slcan_endpoint, device_session_on_the_pty) {
    const fs::path dir = fs::temp_directory_path() / ("stacksim_slcan_ep_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string link = (dir / "slcan0").string();
    auto ep = make_can_endpoint("slcan:" + link, 500000);
    EXPECT_EQ(ep->describe().rfind("slcan pty " + link + " -> /dev/pts/", 0), 0u) << ep->describe();
    ep->start([] {});
    taken t;
    {
        unique_fd c(::open(link.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
        ASSERT_TRUE(c);
        ASSERT_TRUE(eventually([&] { return ep->stats().connects == 1; }));
        ep->send(proto::make_can_frame(0x351, {1}), 1.0); // channel closed: dropped
        write_all(c.get(), "S5\r");
        EXPECT_EQ(read_until(c.get(), contains("\a")).bytes, "\a");
        ASSERT_TRUE(eventually([&] {
            t.from(*ep);
            return t.count("bitrate_mismatch") == 1;
        }));
        write_all(c.get(), "C\rS6\rZ1\rO\r");
        EXPECT_EQ(read_until(c.get(), [](const std::string& s) { return s.size() >= 4; }).bytes, "\r\r\r\r");
        ep->send(proto::make_can_frame(0x351, {0x2C, 0x02}), 1.25);
        EXPECT_EQ(read_until(c.get(), contains("\r")).bytes, "t35122C0204E2\r");
        write_all(c.get(), "t30580000000000000000\rxyz\r");
        EXPECT_EQ(read_until(c.get(), contains("\a")).bytes, "z\r\a");
        ASSERT_TRUE(eventually([&] {
            t.from(*ep);
            return !t.frames.empty();
        }));
        EXPECT_EQ(t.frames[0].frame, proto::make_can_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0}));
        EXPECT_EQ(ep->stats().malformed, 1u);
        EXPECT_EQ(ep->stats().dropped, 1u);
    }
    ASSERT_TRUE(eventually([&] {
        t.from(*ep);
        return t.count("disconnected") == 1;
    }));
    // Reopened: a fresh session, channel closed until O.
    unique_fd again(::open(link.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    ASSERT_TRUE(eventually([&] { return ep->stats().connects == 2; }));
    ep->send(proto::make_can_frame(0x351, {1}), 2.0);
    EXPECT_EQ(ep->stats().dropped, 2u);
    write_all(again.get(), "O\r");
    EXPECT_EQ(read_until(again.get(), contains("\r")).bytes, "\r");
    ep->send(proto::make_can_frame(0x351, {1}), 2.0);
    EXPECT_EQ(read_until(again.get(), contains("\r")).bytes, "t351101\r");
    ep->stop();
    fs::remove_all(dir);
}

} // namespace
} // namespace stacksim::host
