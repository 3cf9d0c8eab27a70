// The TCP stream port (host/tcp_stream_port.h) with real loopback connections.
#include <gtest/gtest.h>

#include "host/stream_port.h"
#include "host_test_util.h"

namespace stacksim::host {
namespace {

using namespace testing;

TEST(host_tcp_stream_port, binds_loopback_on_a_free_port) {
    auto port = open_stream_port("tcp:0");
    ASSERT_GT(port->port(), 0);
    EXPECT_EQ(port->describe(), "tcp 127.0.0.1:" + std::to_string(port->port()));
    auto explicit_host = open_stream_port("tcp:127.0.0.1:0");
    EXPECT_NE(explicit_host->port(), port->port());
}

TEST(host_tcp_stream_port, serves_a_client_both_ways) {
    auto port = open_stream_port("tcp:0");
    port_recorder rec;
    rec.start(*port);
    EXPECT_TRUE(eventually([&] { return rec.count("listening") == 1; }));
    EXPECT_FALSE(port->write("nobody")); // no client yet
    unique_fd c = tcp_connect(port->port());
    ASSERT_TRUE(c);
    ASSERT_TRUE(eventually([&] { return rec.link_history() == std::vector<bool>{true}; }));
    EXPECT_EQ(rec.count("connected"), 1u);
    EXPECT_NE(rec.detail_of("connected").find("127.0.0.1:"), std::string::npos);
    write_all(c.get(), "hello ");
    write_all(c.get(), "port");
    EXPECT_TRUE(eventually([&] { return rec.got() == "hello port"; })) << rec.got();
    EXPECT_TRUE(port->write("< hi >"));
    EXPECT_TRUE(port->write("< ok >"));
    EXPECT_EQ(read_until(c.get(), contains("< ok >")).bytes, "< hi >< ok >");
    port->stop();
    port->stop(); // idempotent
    EXPECT_TRUE(read_until(c.get(), [](const std::string&) { return false; }, 2000ms).eof);
}

TEST(host_tcp_stream_port, a_second_client_is_told_and_closed_the_first_served_on) {
    auto port = open_stream_port("tcp:0");
    port->set_refusal("< error busy >");
    port_recorder rec;
    rec.start(*port);
    unique_fd first = tcp_connect(port->port());
    ASSERT_TRUE(eventually([&] { return rec.count("connected") == 1; }));
    unique_fd second = tcp_connect(port->port());
    ASSERT_TRUE(second);
    const read_result r = read_until(second.get(), [](const std::string&) { return false; });
    EXPECT_EQ(r.bytes, "< error busy >");
    EXPECT_TRUE(r.eof);
    EXPECT_TRUE(eventually([&] { return rec.count("refused") == 1; }));
    EXPECT_EQ(rec.count("connected"), 1u);
    write_all(first.get(), "still here");
    EXPECT_TRUE(eventually([&] { return rec.got() == "still here"; }));
    EXPECT_TRUE(port->write("yes"));
    EXPECT_EQ(read_until(first.get(), contains("yes")).bytes, "yes");
}

TEST(host_tcp_stream_port, a_client_that_leaves_may_reconnect) {
    auto port = open_stream_port("tcp:0");
    port_recorder rec;
    rec.start(*port);
    {
        unique_fd c = tcp_connect(port->port());
        ASSERT_TRUE(eventually([&] { return rec.count("connected") == 1; }));
        write_all(c.get(), "one");
        ASSERT_TRUE(eventually([&] { return rec.got() == "one"; }));
    }
    ASSERT_TRUE(eventually([&] { return rec.count("disconnected") == 1; }));
    EXPECT_NE(rec.detail_of("disconnected").find("closed by the client"), std::string::npos);
    EXPECT_FALSE(port->write("gone"));
    unique_fd again = tcp_connect(port->port());
    ASSERT_TRUE(eventually([&] { return rec.count("connected") == 2; }));
    EXPECT_EQ(rec.link_history(), (std::vector<bool>{true, false, true}));
    write_all(again.get(), " two");
    EXPECT_TRUE(eventually([&] { return rec.got() == "one two"; }));
    EXPECT_TRUE(port->write("back"));
    EXPECT_EQ(read_until(again.get(), contains("back")).bytes, "back");
}

TEST(host_tcp_stream_port, a_client_that_never_reads_meets_the_bounded_queue) {
    auto port = open_stream_port("tcp:0");
    port_recorder rec;
    rec.start(*port);
    unique_fd c = tcp_connect(port->port());
    ASSERT_TRUE(eventually([&] { return rec.count("connected") == 1; }));
    const std::string chunk(64 * 1024, 'x');
    std::size_t accepted = 0;
    bool refused = false;
    // The kernel's socket buffers take a few MiB at most; the queue takes 1 MiB more.
    for (int i = 0; i < 2000 && !refused; ++i) {
        if (port->write(chunk))
            accepted += chunk.size();
        else
            refused = true;
    }
    EXPECT_TRUE(refused);
    EXPECT_GE(accepted, stream_port::max_queue_bytes - chunk.size());
}

TEST(host_tcp_stream_port, bad_specs_and_a_taken_port_throw_naming_the_spec) {
    for (const char* spec : {"tcp:", "tcp:abc", "tcp:70000", "tcp::5", "udp:5", "tcp", "tcp:999.1.1.1:0"}) {
        try {
            open_stream_port(spec);
            ADD_FAILURE() << spec << " was accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(spec), std::string::npos) << e.what();
        }
    }
    auto taken = open_stream_port("tcp:0");
    const std::string spec = "tcp:" + std::to_string(taken->port());
    try {
        open_stream_port(spec);
        ADD_FAILURE() << "a second listener on the same port";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("cannot listen"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace stacksim::host
