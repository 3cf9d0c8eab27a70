// The pty stream port (host/pty_stream_port.h): a client opens the symlinked slave like a serial
// device, closes it and opens it again.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <termios.h>

#include "host/pty_stream_port.h"
#include "host_test_util.h"

namespace stacksim::host {
namespace {

using namespace testing;
namespace fs = std::filesystem;

class host_pty_stream_port : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("stacksim_pty_test_" + std::to_string(::getpid()) + "_" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        link = (dir / "slcan0").string();
    }
    void TearDown() override { fs::remove_all(dir); }

    unique_fd open_client() const { return unique_fd(::open(link.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC)); }

    fs::path dir;
    std::string link;
};

TEST_F(host_pty_stream_port, links_path_to_its_slave_and_removes_the_link_at_stop) {
    auto port = open_stream_port("pty:" + link);
    auto* pty = dynamic_cast<pty_stream_port*>(port.get());
    ASSERT_NE(pty, nullptr);
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(fs::read_symlink(link).string(), pty->slave_path());
    EXPECT_EQ(pty->slave_path().rfind("/dev/pts/", 0), 0u);
    EXPECT_EQ(port->describe(), "pty " + link + " -> " + pty->slave_path());
    port->stop();
    EXPECT_FALSE(fs::exists(fs::symlink_status(link)));
}

TEST_F(host_pty_stream_port, a_client_opens_talks_closes_and_reopens) {
    auto port = open_stream_port("pty:" + link);
    port_recorder rec;
    rec.start(*port);
    EXPECT_TRUE(eventually([&] { return rec.count("listening") == 1; }));
    EXPECT_FALSE(port->write("nobody")); // nothing has the slave open
    {
        unique_fd c = open_client();
        ASSERT_TRUE(c);
        ASSERT_TRUE(eventually([&] { return rec.count("connected") == 1; }));
        termios t{};
        ASSERT_EQ(::tcgetattr(c.get(), &t), 0);
        EXPECT_EQ(t.c_lflag & (ECHO | ICANON), 0u) << "raw mode";
        EXPECT_EQ(t.c_oflag & OPOST, 0u) << "raw mode";
        write_all(c.get(), "O\r");
        EXPECT_TRUE(eventually([&] { return rec.got() == "O\r"; }));
        EXPECT_TRUE(port->write("\r"));
        EXPECT_TRUE(port->write("t1230\r"));
        EXPECT_EQ(read_until(c.get(), contains("t1230\r")).bytes, "\rt1230\r");
    }
    ASSERT_TRUE(eventually([&] { return rec.count("disconnected") == 1; }));
    EXPECT_FALSE(port->write("gone"));
    unique_fd again = open_client();
    ASSERT_TRUE(again);
    ASSERT_TRUE(eventually([&] { return rec.count("connected") == 2; }));
    EXPECT_EQ(rec.link_history(), (std::vector<bool>{true, false, true}));
    write_all(again.get(), "C\r");
    EXPECT_TRUE(eventually([&] { return rec.got() == "O\rC\r"; }));
    EXPECT_TRUE(port->write("back"));
    EXPECT_EQ(read_until(again.get(), contains("back")).bytes, "back");
}

TEST_F(host_pty_stream_port, bytes_of_a_client_that_wrote_and_closed_at_once_are_read) {
    auto port = open_stream_port("pty:" + link);
    port_recorder rec;
    rec.start(*port);
    {
        unique_fd c = open_client();
        ASSERT_TRUE(c);
        write_all(c.get(), "C\rS6\rO\r");
    }
    EXPECT_TRUE(eventually([&] { return rec.got() == "C\rS6\rO\r"; })) << rec.got();
    EXPECT_TRUE(eventually([&] { return rec.count("disconnected") == 1; }));
}

TEST_F(host_pty_stream_port, a_close_and_an_immediate_reopen_are_both_seen) {
    auto port = open_stream_port("pty:" + link);
    port_recorder rec;
    rec.start(*port);
    for (int i = 0; i < 20; ++i) { // no wait between the close and the next open
        unique_fd c = open_client();
        ASSERT_TRUE(c);
    }
    unique_fd last = open_client();
    ASSERT_TRUE(eventually([&] { return rec.link_history().size() == 41; })) << rec.link_history().size();
    const std::vector<bool> h = rec.link_history();
    for (std::size_t i = 0; i < h.size(); ++i)
        EXPECT_EQ(h[i], i % 2 == 0) << i;
    EXPECT_TRUE(port->write("ok"));
    EXPECT_EQ(read_until(last.get(), contains("ok")).bytes, "ok");
}

TEST_F(host_pty_stream_port, replaces_a_stale_symlink_but_nothing_else) {
    fs::create_symlink("/nonexistent/stale", link);
    {
        auto port = open_stream_port("pty:" + link);
        EXPECT_NE(fs::read_symlink(link).string(), "/nonexistent/stale");
        // Another process took the path over: stop leaves its link alone.
        fs::remove(link);
        fs::create_symlink("/nonexistent/other", link);
    }
    EXPECT_EQ(fs::read_symlink(link).string(), "/nonexistent/other");
    fs::remove(link);

    std::ofstream(link) << "a file\n";
    try {
        open_stream_port("pty:" + link);
        ADD_FAILURE() << "a regular file was replaced";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("not a symlink"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_regular_file(link));
    EXPECT_THROW(open_stream_port("pty:"), std::invalid_argument);
    EXPECT_THROW(open_stream_port("pty:/nonexistent/dir/slcan0"), std::invalid_argument);
}

} // namespace
} // namespace stacksim::host
