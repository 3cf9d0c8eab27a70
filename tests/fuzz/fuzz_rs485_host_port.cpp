// Fuzz target: the RS485 bridge's receive side (protocol/rs485_host_port.h), which groups the
// bytes a host program writes to the bridge's pty or TCP port into transmissions on the chain
// (bus/tlm/rs485_bridge.cpp), and the log text of a malformed one (escape_for_log).
//
// Input: the first byte picks the idle gap (1..256 ms) and the length bound (1 + byte % 64 characters,
// or the default 4113 when its top bit is set), then a sequence of chunks
// [u8 length][u8 delay ms][length bytes]; a delay of 0xFF means "poll only": the clock advances
// 255 ms and nothing is fed. A last flush closes what is open.
// Invariants:
//  - nothing throws; every byte fed ends up in exactly one transmission, in order;
//  - a transmission is non-empty and at most max_chars long; a CR can only be its last character,
//    and then it ended by CR; a '~' only its first;
//  - well_formed == (ended by CR and decode_frame accepts it); a problem text exactly when not;
//  - stamps: first_s <= last_s, both within the times fed, first stamps non-decreasing;
//  - the counters agree with what came out; gap_deadline exists exactly while a transmission is open;
//  - escape_for_log gives printable ASCII only, at most 4 characters per input character plus "...".
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "protocol/rs485_host_port.h"

using namespace stacksim::proto;

namespace {

void check_transmission(const rs485_transmission& t, const rs485_host_port_config& cfg, double t0, double t1) {
    FUZZ_CHECK(!t.chars.empty(), "no empty transmission");
    FUZZ_CHECK(t.chars.size() <= cfg.max_chars, "length bound");
    const std::size_t cr = t.chars.find('\r');
    FUZZ_CHECK(cr == std::string::npos || cr + 1 == t.chars.size(), "CR only at the end");
    FUZZ_CHECK((cr != std::string::npos) == (t.ended_by == rs485_tx_end::cr), "a CR ends the transmission");
    const std::size_t soi = t.chars.find('~', 1);
    FUZZ_CHECK(soi == std::string::npos, "'~' only at the start");
    const bool decodes = decode_frame(t.chars).ok;
    FUZZ_CHECK(t.well_formed == (t.ended_by == rs485_tx_end::cr && decodes), "well-formed = a frame that decodes");
    FUZZ_CHECK(t.well_formed == t.problem.empty(), "a problem text exactly for malformed ones");
    FUZZ_CHECK(t.first_s <= t.last_s && t.first_s >= t0 && t.last_s <= t1, "stamps within the times fed");
    const std::string text = escape_for_log(t.chars);
    FUZZ_CHECK(text.size() <= 4 * 80 + 3, "log text bounded");
    for (char c : text)
        FUZZ_CHECK(c >= 0x20 && c < 0x7F, "log text printable");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    stacksim::fuzz::fuzz_input in(data, size);
    const std::uint8_t head = in.u8();
    rs485_host_port_config cfg;
    cfg.idle_gap_s = (1.0 + (head & 0x0F) * 17.0) / 1000.0;
    if (!(head & 0x80))
        cfg.max_chars = 1 + (head >> 1) % 64;
    rs485_host_port port(cfg);

    std::vector<rs485_transmission> out;
    std::string fed;
    double t_s = 0.0;
    while (in.left() > 0) {
        const std::size_t n = in.u8();
        const std::uint8_t delay = in.u8();
        t_s += delay / 1000.0;
        if (delay == 0xFF) {
            port.poll(t_s, out);
            continue;
        }
        std::string chunk;
        for (std::size_t i = 0; i < n && in.left() > 0; ++i)
            chunk.push_back(static_cast<char>(in.u8()));
        fed += chunk;
        const std::size_t before = out.size();
        port.feed(chunk, t_s, out);
        FUZZ_CHECK(port.open() == port.gap_deadline().has_value(), "a deadline exactly while open");
        if (port.gap_deadline())
            FUZZ_CHECK(*port.gap_deadline() > t_s - 1e-12 || out.size() > before, "the deadline lies ahead");
    }
    port.flush(out);
    FUZZ_CHECK(!port.open() && !port.gap_deadline(), "nothing open after a flush");

    std::string got;
    std::uint64_t malformed = 0;
    double last_first = 0.0;
    for (const rs485_transmission& t : out) {
        check_transmission(t, cfg, 0.0, t_s);
        FUZZ_CHECK(t.first_s >= last_first, "transmissions in arrival order");
        last_first = t.first_s;
        got += t.chars;
        malformed += t.well_formed ? 0 : 1;
    }
    FUZZ_CHECK(got == fed, "every byte in exactly one transmission, in order");
    FUZZ_CHECK(port.bytes() == fed.size(), "byte count");
    FUZZ_CHECK(port.transmissions() == out.size(), "transmission count");
    FUZZ_CHECK(port.malformed() == malformed, "malformed count");
    return 0;
}
