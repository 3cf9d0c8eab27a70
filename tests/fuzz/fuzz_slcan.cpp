// Fuzz target: the SLCAN device session (protocol/slcan.h), fed what a host writes to the pty.
// Input: byte 0 picks the chunking (as fuzz_socketcand), byte 1 the simulated bus's bit rate
// (S index byte1 % 9), the rest is the byte stream. Invariants:
//  - feed() never throws;
//  - the chunked feed gives exactly what one feed of the whole stream gives (frames, replies,
//    issues, events, units, open/listen-only/timestamp state);
//  - nothing buffered exceeds the line bound after any chunk;
//  - frames are valid with the payload past the DLC 0; one BEL per issue; reasons non-empty
//    printable ASCII of bounded length; at most one issue per unit;
//  - the replies are a sequence of CR, BEL, "z\r", "Z\r", "V0100\r", "NSTSM\r", "F00\r", "F08\r";
//  - every frame, written as the host's transmit line, is read by a fresh open session as the same
//    frame with the z/Z reply; the line to the host (with a timestamp) is that text plus 4 hex digits.
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/hex.h"
#include "protocol/slcan.h"

using namespace stacksim::proto;
using stacksim::fuzz::printable;

namespace {

bool replies_well_formed(std::string_view r, std::size_t& bels) {
    static constexpr std::string_view tokens[] = {"\a", "\r", "z\r", "Z\r", "V0100\r", "NSTSM\r", "F00\r", "F08\r"};
    bels = 0;
    while (!r.empty()) {
        bool matched = false;
        for (std::string_view t : tokens)
            if (r.substr(0, t.size()) == t) {
                bels += t == "\a";
                r.remove_prefix(t.size());
                matched = true;
                break;
            }
        if (!matched)
            return false;
    }
    return true;
}

bool same(const slcan_output& a, const slcan_output& b) {
    if (a.frames != b.frames || a.replies != b.replies || a.events != b.events || a.units != b.units ||
        a.issues.size() != b.issues.size())
        return false;
    for (std::size_t i = 0; i < a.issues.size(); ++i)
        if (a.issues[i].kind != b.issues[i].kind || a.issues[i].reason != b.issues[i].reason)
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    const unsigned pattern = data[0];
    const std::uint32_t bus_bps = slcan_bitrates_bps[data[1] % slcan_bitrates_bps.size()];
    const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

    slcan_session whole(bus_bps);
    slcan_output a;
    whole.feed(stream, a);

    slcan_session chunked(bus_bps);
    slcan_output b;
    std::size_t pos = 0;
    for (unsigned k = 0; pos < stream.size(); ++k) {
        const std::size_t n = 1 + ((pattern >> (k % 8)) + k) % 17;
        chunked.feed(stream.substr(pos, n), b);
        pos += n;
        FUZZ_CHECK(chunked.buffered_chars() <= slcan_max_line_chars, "buffer stays within the bound");
    }
    FUZZ_CHECK(same(a, b), "chunking changes nothing");
    FUZZ_CHECK(whole.is_open() == chunked.is_open() && whole.listen_only() == chunked.listen_only() &&
                   whole.timestamps() == chunked.timestamps(),
               "same state");
    std::size_t bels = 0;
    FUZZ_CHECK(replies_well_formed(a.replies, bels), "replies are known tokens");
    FUZZ_CHECK(bels == a.issues.size(), "one BEL per issue");
    FUZZ_CHECK(a.issues.size() <= a.units && a.frames.size() <= a.units, "at most one outcome per unit");
    for (const slcan_issue& i : a.issues)
        FUZZ_CHECK(!i.reason.empty() && i.reason.size() < 400 && printable(i.reason), i.reason.c_str());

    for (const can_frame& f : a.frames) {
        FUZZ_CHECK(is_valid(f), "a received frame is valid");
        for (unsigned i = f.payload_bytes(); i < can_max_dlc; ++i)
            FUZZ_CHECK(f.data[i] == 0, "bytes after the payload stay 0");
        const std::string line = format_slcan_transmit(f);
        slcan_session again(bus_bps);
        slcan_output o;
        again.feed("O\r" + line, o);
        FUZZ_CHECK(o.issues.empty() && o.frames.size() == 1 && o.frames[0] == f, line.c_str());
        FUZZ_CHECK(o.replies == (f.extended ? "\rZ\r" : "\rz\r"), line.c_str());
        const std::string stamped = format_slcan_frame(f, true, 98.765);
        FUZZ_CHECK(stamped.size() == line.size() + 4 && stamped.compare(0, line.size() - 1, line, 0, line.size() - 1) == 0,
                   stamped.c_str());
        for (std::size_t i = line.size() - 1; i < line.size() + 3; ++i)
            FUZZ_CHECK(hex_value(stamped[i]) >= 0, stamped.c_str());
    }
    return 0;
}
