// socketcand's ASCII protocol, server side, as far as raw-mode clients need it (python-can's
// `socketcand` interface, Kayak, socketcandcl). Reference: linux-can/socketcand doc/protocol.md and
// its raw-mode server; docs/protocols/socketcand.md says what is implemented and how.
//
// Everything is an element "< ... >" of tokens separated by blanks. The server greets with
// "< hi >"; the client opens a bus ("< open can0 >" -> "< ok >", mode BCM) and switches to raw mode
// ("< rawmode >" -> "< ok >"); from then on every frame on the bus goes to the client as
//
//   < frame ID SECS.USECS DATA >     ID 3 hex digits (11-bit) or 8 (29-bit), upper case; DATA the
//                                    payload as one run of upper-case hex pairs (empty for DLC 0,
//                                    which leaves two blanks before '>', as socketcand writes it)
//   < rtr ID SECS.USECS DLC >        a remote frame (DLC decimal)
//
// and the client sends frames with "< send ID DLC B0 B1 .. >" (DLC decimal 0..8, then exactly DLC
// bytes of one or two hex digits each) or "< sendrtr ID DLC >". An identifier written with 8 hex
// digits is 29-bit (socketcand's rule); so is one above 0x7FF written with fewer digits (python-can
// writes identifiers without leading zeros). "< echo >" is answered "< echo >" in every mode,
// "< bcmmode >" goes back to BCM mode (no frames to the client; send still works).
//
// Malformed input is one unit each: an element that is not a known command, has the wrong syntax
// or comes in the wrong mode; stray text outside elements (a run of non-blank characters up to the
// next CR, LF or '<'); an element longer than socketcand_max_element_chars (then everything up to
// the next '<' is skipped: resynchronisation); an element cut by a new '<'. Each gets a reason and,
// where it was an element, the reply "< error TEXT >" (socketcand's error element). The session
// goes on in any case.
//
// The session is pure: bytes in (any chunking gives the same result), frames, replies and reasons
// out. No sockets, no clock, no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/can_frame.h"

namespace stacksim::proto {

// The longest element accepted, '<' and '>' included. The longest valid one, a send of a 29-bit
// frame with 8 data bytes, has 43 characters; 256 leaves room for blanks.
constexpr std::size_t socketcand_max_element_chars = 256;
// A bus name in "< open NAME >" (socketcand's limit, a Linux interface name).
constexpr std::size_t socketcand_max_bus_name_chars = 16;

enum class socketcand_mode {
    no_bus, // greeted, no bus opened yet
    bcm,    // bus open; send works, no frames to the client
    raw,    // bus open in raw mode: every frame goes to the client
};

// What one feed() produced, appended in input order.
struct socketcand_output {
    std::vector<can_frame> frames;      // frames from the client, valid (is_valid), payload past dlc 0
    std::string replies;                // bytes to send back (whole elements)
    std::vector<std::string> malformed; // one reason per rejected unit, offending input quoted
    std::vector<std::string> events;    // accepted mode changes: "opened bus can0", "raw mode", "bcm mode"
    std::size_t units = 0;              // units received: elements and stray-text runs, good or bad
    void clear();
};

class socketcand_session {
public:
    // The greeting to send as soon as a client connects.
    static std::string greeting() { return "< hi >"; }

    // Take received bytes (any chunking).
    void feed(std::string_view bytes, socketcand_output& out);
    // A new client: mode no_bus, nothing buffered.
    void reset();

    socketcand_mode mode() const { return m_mode; }
    const std::string& bus_name() const { return m_bus; }
    // Characters held for an element or stray text not yet complete (never above the bound).
    std::size_t buffered_chars() const { return m_element.size() + m_stray_chars; }

private:
    enum class scan { outside, element, skip_to_open };

    void handle_element(std::string_view element, socketcand_output& out);
    void end_stray(socketcand_output& out);
    void reject(std::string reason, std::string_view reply_text, socketcand_output& out);

    scan m_scan = scan::outside;
    std::string m_element;      // '<' .. so far
    std::string m_stray;        // the first characters of a stray run, for its reason
    std::size_t m_stray_chars = 0;
    socketcand_mode m_mode = socketcand_mode::no_bus;
    std::string m_bus;
};

// The element for a frame on the bus at time t_s (seconds; negative or non-finite -> 0, rounded to
// the microsecond): "< frame 351 12.000250 0E02E803 >", "< rtr 123 1.000000 5 >". An invalid frame
// (is_valid false) -> std::invalid_argument.
std::string format_socketcand_frame(const can_frame& f, double t_s);

// The client's element for a frame: "< send 351 4 0E 02 E8 03 >", "< sendrtr 1AAAAAAA 2 >"
// (identifier 3 or 8 digits). For clients written in C++ and for tests.
std::string format_socketcand_send(const can_frame& f);

} // namespace stacksim::proto
