// Grouping a host's bytes into RS485 transmissions (protocol/rs485_host_port.h). Frames are the
// spec's worked examples (protocols.md §2.3: `~20024642E00202FD33` = 0x42 to ADR 2,
// `~20024642E002FFFD09` = system-wide 0x42), written out here as characters.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/rs485_host_port.h"

namespace stacksim::proto {
namespace {

const std::string req2 = "~20024642E00202FD33\r";
const std::string req_all = "~20024642E002FFFD09\r";

std::string joined(const std::vector<rs485_transmission>& ts) {
    std::string s;
    for (const auto& t : ts)
        s += t.chars;
    return s;
}

TEST(proto_rs485_host_port, one_request_in_one_write_is_one_transmission_at_its_arrival) {
    rs485_host_port p;
    std::vector<rs485_transmission> out;
    p.feed(req2, 12.5, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].chars, req2);
    EXPECT_EQ(out[0].first_s, 12.5);
    EXPECT_EQ(out[0].last_s, 12.5);
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::cr);
    EXPECT_TRUE(out[0].well_formed);
    EXPECT_TRUE(out[0].problem.empty());
    EXPECT_FALSE(p.open());
    EXPECT_FALSE(p.gap_deadline());
    EXPECT_EQ(p.malformed(), 0u);
}

TEST(proto_rs485_host_port, a_frame_written_in_pieces_within_the_gap_stays_one_transmission) {
    rs485_host_port p({0.05, 4113});
    std::vector<rs485_transmission> out;
    p.feed(req2.substr(0, 7), 1.000, out);
    EXPECT_TRUE(out.empty());
    ASSERT_TRUE(p.gap_deadline());
    EXPECT_DOUBLE_EQ(*p.gap_deadline(), 1.05);
    p.feed(req2.substr(7, 5), 1.030, out);
    p.feed(req2.substr(12), 1.070, out); // 40 ms after the last piece: still within the gap
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].chars, req2);
    EXPECT_EQ(out[0].first_s, 1.000);
    EXPECT_EQ(out[0].last_s, 1.070);
    EXPECT_TRUE(out[0].well_formed);
}

TEST(proto_rs485_host_port, two_frames_in_one_write_are_two_transmissions) {
    rs485_host_port p;
    std::vector<rs485_transmission> out;
    p.feed(req2 + req_all, 3.0, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].chars, req2);
    EXPECT_EQ(out[1].chars, req_all);
    EXPECT_TRUE(out[0].well_formed && out[1].well_formed);
    EXPECT_EQ(p.transmissions(), 2u);
}

TEST(proto_rs485_host_port, noise_before_a_frame_is_its_own_malformed_transmission) {
    rs485_host_port p;
    std::vector<rs485_transmission> out;
    p.feed("xy\x01" + req2, 0.5, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].chars, "xy\x01");
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::soi);
    EXPECT_FALSE(out[0].well_formed);
    EXPECT_NE(out[0].problem.find("'~'"), std::string::npos) << out[0].problem;
    EXPECT_EQ(out[1].chars, req2);
    EXPECT_TRUE(out[1].well_formed);
    EXPECT_EQ(p.malformed(), 1u);
}

TEST(proto_rs485_host_port, an_unfinished_frame_is_cut_by_the_next_soi) {
    rs485_host_port p;
    std::vector<rs485_transmission> out;
    p.feed("~2002464", 0.0, out);
    p.feed(req2, 0.01, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].chars, "~2002464");
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::soi);
    EXPECT_EQ(out[0].first_s, 0.0);
    EXPECT_EQ(out[1].first_s, 0.01);
    EXPECT_TRUE(out[1].well_formed);
}

TEST(proto_rs485_host_port, a_wrong_checksum_is_a_malformed_frame_with_the_receivers_reason) {
    rs485_host_port p;
    std::vector<rs485_transmission> out;
    p.feed("~20024642E00202FD34\r", 0.0, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::cr);
    EXPECT_FALSE(out[0].well_formed);
    EXPECT_NE(out[0].problem.find("CHKSUM"), std::string::npos) << out[0].problem;
    EXPECT_EQ(p.malformed(), 1u);
}

TEST(proto_rs485_host_port, silence_ends_an_open_transmission_at_its_deadline) {
    rs485_host_port p({0.05, 4113});
    std::vector<rs485_transmission> out;
    p.feed(req2 + "\n", 2.0, out); // CR LF from a line-oriented client: the LF is one more character
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(p.gap_deadline());
    EXPECT_DOUBLE_EQ(*p.gap_deadline(), 2.05);
    p.poll(2.049, out);
    EXPECT_EQ(out.size(), 1u);
    p.poll(2.05, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].chars, "\n");
    EXPECT_EQ(out[1].ended_by, rs485_tx_end::gap);
    EXPECT_FALSE(out[1].well_formed);
    EXPECT_FALSE(p.gap_deadline());
}

TEST(proto_rs485_host_port, bytes_after_the_gap_start_a_new_transmission) {
    rs485_host_port p({0.05, 4113});
    std::vector<rs485_transmission> out;
    p.feed("ABC", 1.0, out);
    p.feed("DEF", 1.2, out); // no poll in between: feed ends the old one first
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].chars, "ABC");
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::gap);
    ASSERT_TRUE(p.open());
    p.flush(out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].chars, "DEF");
    EXPECT_EQ(out[1].first_s, 1.2);
    EXPECT_EQ(out[1].ended_by, rs485_tx_end::flush);
}

TEST(proto_rs485_host_port, an_empty_write_after_the_deadline_still_ends_the_open_transmission) {
    // Found by fuzz_rs485_host_port (regressions/.../empty_write_after_the_silence_deadline).
    rs485_host_port p({0.035, 4113});
    std::vector<rs485_transmission> out;
    p.feed("~2002", 0.030, out);
    p.feed("", 0.078, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::gap);
    EXPECT_FALSE(p.gap_deadline());
}

TEST(proto_rs485_host_port, endless_bytes_without_cr_are_cut_at_the_length_bound) {
    rs485_host_port p; // 18 + 4095 characters: the longest Pylontech frame
    EXPECT_EQ(p.config().max_chars, 4113u);
    std::vector<rs485_transmission> out;
    const std::string junk(10000, 'A');
    p.feed(junk, 0.0, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].chars.size(), 4113u);
    EXPECT_EQ(out[1].chars.size(), 4113u);
    EXPECT_EQ(out[0].ended_by, rs485_tx_end::length);
    p.flush(out);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[2].chars.size(), 10000u - 2 * 4113u);
    EXPECT_EQ(joined(out), junk);
    EXPECT_EQ(p.bytes(), 10000u);
    EXPECT_EQ(p.malformed(), 3u);
}

TEST(proto_rs485_host_port, time_never_goes_backwards) {
    rs485_host_port p;
    std::vector<rs485_transmission> out;
    p.feed("~2002", 5.0, out);
    p.feed("4642E00202FD33\r", 4.0, out); // an earlier stamp is taken as the last one
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].last_s, 5.0);
    EXPECT_TRUE(out[0].well_formed);
}

TEST(proto_rs485_host_port, log_text_is_escaped_and_cut) {
    EXPECT_EQ(escape_for_log("~20\r\n\x01\\"), "~20\\r\\n\\x01\\\\");
    EXPECT_EQ(escape_for_log(std::string(100, 'A'), 80), std::string(80, 'A') + "...");
    EXPECT_EQ(escape_for_log(std::string("\xFF", 1)), "\\xFF");
}

} // namespace
} // namespace stacksim::proto
