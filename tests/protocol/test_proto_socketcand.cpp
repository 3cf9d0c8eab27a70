// socketcand server session (protocol/socketcand.h). Vectors: linux-can/socketcand doc/protocol.md
// (send, sendrtr, frame, rtr, echo, hi, ok) and what python-can 4.1's socketcand interface writes
// ("< send 305 8 0 a 0 ... >": identifiers without leading zeros, bytes as {:x}).
#include <string>

#include <gtest/gtest.h>

#include "protocol/socketcand.h"

namespace stacksim::proto {
namespace {

// A session that has opened can0 (and optionally switched to raw mode).
socketcand_session opened(bool raw) {
    socketcand_session s;
    socketcand_output out;
    s.feed("< open can0 >", out);
    if (raw)
        s.feed("< rawmode >", out);
    EXPECT_TRUE(out.malformed.empty());
    return s;
}

socketcand_output feed(socketcand_session& s, std::string_view in) {
    socketcand_output out;
    s.feed(in, out);
    return out;
}

TEST(proto_socketcand, handshake_as_python_can_expects_it) {
    socketcand_session s;
    EXPECT_EQ(socketcand_session::greeting(), "< hi >");
    EXPECT_EQ(s.mode(), socketcand_mode::no_bus);
    socketcand_output out = feed(s, "< open can0 >");
    EXPECT_EQ(out.replies, "< ok >");
    EXPECT_EQ(s.mode(), socketcand_mode::bcm);
    EXPECT_EQ(s.bus_name(), "can0");
    out = feed(s, "< rawmode >");
    EXPECT_EQ(out.replies, "< ok >");
    EXPECT_EQ(s.mode(), socketcand_mode::raw);
    EXPECT_EQ(out.units, 1u);
    EXPECT_TRUE(out.malformed.empty());
    out = feed(s, "< echo >");
    EXPECT_EQ(out.replies, "< echo >");
    out = feed(s, "< bcmmode >");
    EXPECT_EQ(out.replies, "< ok >");
    EXPECT_EQ(s.mode(), socketcand_mode::bcm);
}

TEST(proto_socketcand, send_examples_of_the_protocol_doc) {
    socketcand_session s = opened(true);
    socketcand_output out = feed(s, "< send 123 0 >< send 1AAAAAAA 2 1 F1 >");
    ASSERT_EQ(out.frames.size(), 2u);
    EXPECT_EQ(out.frames[0], make_can_frame(0x123, {}));
    EXPECT_EQ(out.frames[1], make_can_frame(0x1AAAAAAA, {0x01, 0xF1}, true));
    EXPECT_TRUE(out.replies.empty()); // a good send is not answered
    out = feed(s, "< sendrtr 123 0 >< sendrtr 1AAAAAAA 2 >");
    ASSERT_EQ(out.frames.size(), 2u);
    EXPECT_EQ(out.frames[0], make_can_remote(0x123, 0));
    EXPECT_EQ(out.frames[1], make_can_remote(0x1AAAAAAA, 2, true));
}

TEST(proto_socketcand, send_as_python_can_writes_it) {
    socketcand_session s = opened(true);
    // f"< send {id:X} {dlc:X} {' '.join('{:x}'.format(b))} >"
    socketcand_output out = feed(s, "< send 305 8 0 a 0 0 ff 10 2c 1 >< send 18FF50E5 2 1 2 >< send 7FF 0  >");
    ASSERT_EQ(out.frames.size(), 3u) << (out.malformed.empty() ? "" : out.malformed[0]);
    EXPECT_EQ(out.frames[0], make_can_frame(0x305, {0x00, 0x0A, 0x00, 0x00, 0xFF, 0x10, 0x2C, 0x01}));
    EXPECT_EQ(out.frames[1], make_can_frame(0x18FF50E5, {1, 2}, true));
    EXPECT_EQ(out.frames[2], make_can_frame(0x7FF, {}));
    // Above 0x7FF with fewer than 8 digits: python-can dropped the leading zeros of a 29-bit id.
    out = feed(s, "< send 1ABCD 1 5 >< send 00000123 0 >");
    ASSERT_EQ(out.frames.size(), 2u);
    EXPECT_EQ(out.frames[0], make_can_frame(0x1ABCD, {5}, true));
    EXPECT_EQ(out.frames[1], make_can_frame(0x123, {}, true)); // 8 digits: 29-bit
}

TEST(proto_socketcand, frames_to_the_client_as_the_raw_mode_server_writes_them) {
    EXPECT_EQ(format_socketcand_frame(make_can_frame(0x123, {0x11, 0x22, 0x33, 0x44}), 23.424242),
              "< frame 123 23.424242 11223344 >");
    EXPECT_EQ(format_socketcand_frame(make_can_frame(0x1AAAAAAA, {0x01, 0xF1}, true), 0.0),
              "< frame 1AAAAAAA 0.000000 01F1 >");
    // DLC 0: the data field is empty, two blanks before '>' (python-can splits on the blanks).
    EXPECT_EQ(format_socketcand_frame(make_can_frame(0x305, {}), 1.5), "< frame 305 1.500000  >");
    EXPECT_EQ(format_socketcand_frame(make_can_remote(0x123, 4), 23.424242), "< rtr 123 23.424242 4 >");
    EXPECT_EQ(format_socketcand_frame(make_can_frame(0x7, {}), -3.0), "< frame 007 0.000000  >");
    EXPECT_EQ(format_socketcand_frame(make_can_frame(0x7, {}), 2.0000005), "< frame 007 2.000001  >");
    can_frame bad = make_can_frame(0x800, {});
    EXPECT_THROW(format_socketcand_frame(bad, 0.0), std::invalid_argument);
    EXPECT_EQ(format_socketcand_send(make_can_frame(0x1AAAAAAA, {0x01, 0xF1}, true)), "< send 1AAAAAAA 2 01 F1 >");
    EXPECT_EQ(format_socketcand_send(make_can_remote(0x123, 0)), "< sendrtr 123 0 >");
}

TEST(proto_socketcand, any_chunking_gives_the_same_result) {
    const std::string in =
        "< open can0 >junk\n< rawmode >< send 351 8 2C 02 E8 03 E8 03 C0 01 >  < bogus ><< echo >\r\n< send 12 1 >";
    socketcand_session whole;
    const socketcand_output a = feed(whole, in);
    socketcand_session bytewise;
    socketcand_output b;
    for (char c : in)
        bytewise.feed(std::string_view(&c, 1), b);
    EXPECT_EQ(a.frames.size(), 1u);
    EXPECT_EQ(a.frames, b.frames);
    EXPECT_EQ(a.replies, b.replies);
    EXPECT_EQ(a.malformed, b.malformed);
    EXPECT_EQ(a.units, b.units);
    EXPECT_EQ(a.replies, "< ok >< ok >< error unknown command >< error element not closed >< echo >"
                         "< error syntax error in send >");
    EXPECT_EQ(a.malformed.size(), 4u); // junk, bogus, '<' cut by '<', send 12 1 without data
}

TEST(proto_socketcand, malformed_input_is_reported_answered_and_survived) {
    socketcand_session s;
    socketcand_output out = feed(s, "< send 123 0 >");
    ASSERT_EQ(out.malformed.size(), 1u);
    EXPECT_NE(out.malformed[0].find("before a bus is open"), std::string::npos) << out.malformed[0];
    EXPECT_EQ(out.replies, "< error no bus open >");
    EXPECT_TRUE(out.frames.empty());

    s = opened(true);
    const char* bad[] = {"< send 123 9 >", "< send 123 2 11 >", "< send 123 1 11 22 >", "< send 123 1 123 >",
                         "< send 123456789 0 >", "< send 3FFFFFFF 0 >", "< send XYZ 0 >", "< send 123 x >",
                         "< sendrtr 123 1 00 >", "< send >", "< open can1 >", "< subscribe 0 0 123 >", "< >",
                         "< echo\x01 >", "< send 123 1 \xff >"};
    for (const char* b : bad) {
        out = feed(s, b);
        EXPECT_EQ(out.malformed.size(), 1u) << b;
        EXPECT_EQ(out.units, 1u) << b;
        EXPECT_TRUE(out.frames.empty()) << b;
        EXPECT_EQ(out.replies.rfind("< error ", 0), 0u) << b << " -> " << out.replies;
    }
    out = feed(s, "< send 123 1 AA >");
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0], make_can_frame(0x123, {0xAA}));
}

TEST(proto_socketcand, stray_text_counts_once_per_run_and_has_no_reply) {
    socketcand_session s = opened(true);
    socketcand_output out = feed(s, "hello world\r\n  \n\tgarbage<");
    EXPECT_EQ(out.malformed.size(), 2u);
    EXPECT_EQ(out.units, 2u);
    EXPECT_TRUE(out.replies.empty());
    EXPECT_NE(out.malformed[0].find("\"hello world\""), std::string::npos) << out.malformed[0];
}

TEST(proto_socketcand, over_long_element_resynchronises_at_the_next_open_bracket) {
    socketcand_session s = opened(true);
    const std::string longest(socketcand_max_element_chars - 2, ' ');
    socketcand_output out = feed(s, "<" + longest + ">");
    EXPECT_EQ(out.malformed.size(), 1u); // empty element: within the bound, but not a command
    EXPECT_NE(out.malformed[0].find("empty element"), std::string::npos);

    out = feed(s, "< send 123 1 " + std::string(1000, 'A') + " >< send 123 1 AA > ");
    ASSERT_EQ(out.malformed.size(), 1u);
    EXPECT_NE(out.malformed[0].find("longer than 256"), std::string::npos) << out.malformed[0];
    EXPECT_LE(out.malformed[0].size(), 200u);
    EXPECT_EQ(out.replies, "< error element too long >");
    ASSERT_EQ(out.frames.size(), 1u);
    EXPECT_EQ(out.frames[0], make_can_frame(0x123, {0xAA}));
    EXPECT_LT(s.buffered_chars(), socketcand_max_element_chars);

    // Stray text without a line end is bounded too.
    out = feed(s, std::string(3 * socketcand_max_element_chars, 'x'));
    EXPECT_EQ(out.malformed.size(), 3u);
    EXPECT_LT(s.buffered_chars(), socketcand_max_element_chars);
}

TEST(proto_socketcand, reset_serves_a_new_client_from_the_greeting) {
    socketcand_session s = opened(true);
    socketcand_output out;
    s.feed("< send 1", out);
    s.reset();
    EXPECT_EQ(s.mode(), socketcand_mode::no_bus);
    EXPECT_EQ(s.buffered_chars(), 0u);
    out = feed(s, "23 0 >\n");
    EXPECT_EQ(out.malformed.size(), 1u); // stray text for the new client
}

} // namespace
} // namespace stacksim::proto
