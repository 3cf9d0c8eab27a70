// line_file (models/sim/line_file.h): the file on disk ends at a line boundary at every instant,
// and pending lines reach it at boundary() once flush_bytes are pending, at flush(), before a
// write that would not fit the buffer, and at close(). The file's size is read with stat(2)
// (what another process, or a killed run, would see).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "sim/line_file.h"

using stacksim::sim::line_file;

namespace {

std::string temp_path(const char* name) {
    return ::testing::TempDir() + "line_file_" + std::to_string(::getpid()) + "_" + name;
}

long long size_on_disk(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A line of n bytes (n >= 1) ending in '\n'.
std::string line_of(std::size_t n, char c) { return std::string(n - 1, c) + '\n'; }

} // namespace

TEST(line_file, nothing_reaches_the_disk_before_flush_bytes_are_pending) {
    const std::string path = temp_path("threshold");
    line_file f(path);
    const std::string l = line_of(1000, 'a');
    std::size_t written = 0;
    while (written + l.size() < line_file::flush_bytes) {
        f.write(l);
        written += l.size();
        f.boundary();
        ASSERT_EQ(size_on_disk(path), 0) << "after " << written << " bytes";
    }
    f.write(l); // now at or over the threshold
    written += l.size();
    EXPECT_EQ(size_on_disk(path), 0) << "a write alone never writes out";
    f.boundary();
    EXPECT_EQ(size_on_disk(path), static_cast<long long>(written));
    f.write(l);
    f.flush();
    EXPECT_EQ(size_on_disk(path), static_cast<long long>(written + l.size()));
    f.close();
    ::unlink(path.c_str());
}

TEST(line_file, the_file_on_disk_always_ends_at_a_line_boundary) {
    // Random line lengths up to 3x the buffer, boundaries at random: after every call the bytes
    // on disk are a prefix of the expected text that ends in '\n' (or is empty).
    const std::string path = temp_path("random");
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::size_t> len(1, 3 * line_file::buffer_bytes);
    std::uniform_int_distribution<int> coin(0, 3);
    std::string expected;
    {
        line_file f(path);
        for (int i = 0; i < 40; ++i) {
            const std::size_t n = coin(rng) == 0 ? len(rng) : 1 + len(rng) % 5000;
            const std::string l = line_of(n, static_cast<char>('a' + i % 26));
            f.write(l);
            expected += l;
            if (coin(rng) == 0)
                f.boundary();
            const std::string now = contents(path);
            ASSERT_EQ(now, expected.substr(0, now.size())) << "line " << i;
            ASSERT_TRUE(now.empty() || now.back() == '\n') << "line " << i << ": " << now.size() << " bytes on disk";
        }
        f.close();
    }
    EXPECT_EQ(contents(path), expected);
    ::unlink(path.c_str());
}

TEST(line_file, a_line_split_over_two_writes_is_written_out_whole) {
    const std::string path = temp_path("split");
    line_file f(path);
    const std::string head(line_file::buffer_bytes - 10, 'x');
    f.write(head);                     // the first part of a line, filling the buffer
    f.write(std::string(5, 'y') + "\n"); // fits: the line completes in the buffer
    EXPECT_EQ(size_on_disk(path), 0);
    f.boundary();
    EXPECT_EQ(size_on_disk(path), static_cast<long long>(head.size() + 6));
    f.close();
    ::unlink(path.c_str());
}

TEST(line_file, close_writes_everything_and_a_second_close_does_nothing) {
    const std::string path = temp_path("close");
    line_file f(path);
    f.write("one\n");
    f.close();
    EXPECT_EQ(contents(path), "one\n");
    EXPECT_NO_THROW(f.close());
    f.write("two\n"); // ignored once closed
    EXPECT_EQ(contents(path), "one\n");
    ::unlink(path.c_str());
}

TEST(line_file, an_unwritable_path_is_an_error_naming_it) {
    try {
        line_file f("/nonexistent-dir/x.csv");
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.csv"), std::string::npos) << e.what();
    }
}

TEST(line_file, a_failed_write_is_reported_at_close) {
    if (::access("/dev/full", W_OK) != 0)
        GTEST_FAIL() << "/dev/full is needed for this test";
    line_file f("/dev/full");
    f.write("x\n");
    EXPECT_THROW(f.close(), std::runtime_error);
}
