// Fuzz target: the socketcand server session (protocol/socketcand.h), fed what a TCP client sends.
// Input: byte 0 picks the chunking (chunk lengths 1 + (byte0 >> k) % 17 cycling), the rest is the
// byte stream. Invariants:
//  - feed() never throws (uncaught -> libFuzzer crash);
//  - the chunked feed gives exactly what one feed of the whole stream gives (frames, replies,
//    reasons, events, units, mode, bus name): the session does not depend on TCP segmentation;
//  - nothing buffered reaches the element bound after any chunk;
//  - frames are valid with the payload past the DLC 0; reasons are non-empty printable ASCII of
//    bounded length; at most one reason per unit;
//  - the replies are a sequence of "< ok >", "< echo >" and "< error TEXT >" elements, TEXT
//    printable without '<' or '>';
//  - every frame, written back as the client's "< send .. >" / "< sendrtr .. >" element, is read by
//    a fresh opened session as the same frame, and its "< frame .. >" / "< rtr .. >" element to the
//    client is well-formed and shorter than the bound.
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/socketcand.h"

using namespace stacksim::proto;
using stacksim::fuzz::printable;

namespace {

bool replies_well_formed(std::string_view r) {
    while (!r.empty()) {
        if (r.rfind("< ok >", 0) == 0) {
            r.remove_prefix(6);
        } else if (r.rfind("< echo >", 0) == 0) {
            r.remove_prefix(8);
        } else if (r.rfind("< error ", 0) == 0) {
            const std::size_t end = r.find(" >");
            if (end == std::string_view::npos)
                return false;
            const std::string_view text = r.substr(8, end - 8);
            if (text.empty() || !printable(text) || text.find_first_of("<>") != std::string_view::npos)
                return false;
            r.remove_prefix(end + 2);
        } else {
            return false;
        }
    }
    return true;
}

bool same(const socketcand_output& a, const socketcand_output& b) {
    return a.frames == b.frames && a.replies == b.replies && a.malformed == b.malformed && a.events == b.events &&
           a.units == b.units;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const unsigned pattern = data[0];
    const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

    socketcand_session whole;
    socketcand_output a;
    whole.feed(stream, a);

    socketcand_session chunked;
    socketcand_output b;
    std::size_t pos = 0;
    for (unsigned k = 0; pos < stream.size(); ++k) {
        const std::size_t n = 1 + ((pattern >> (k % 8)) + k) % 17;
        chunked.feed(stream.substr(pos, n), b);
        pos += n;
        FUZZ_CHECK(chunked.buffered_chars() < socketcand_max_element_chars, "buffer stays under the bound");
    }
    FUZZ_CHECK(same(a, b), "chunking changes nothing");
    FUZZ_CHECK(whole.mode() == chunked.mode() && whole.bus_name() == chunked.bus_name(), "same state");
    FUZZ_CHECK(a.malformed.size() <= a.units, "at most one reason per unit");
    FUZZ_CHECK(a.frames.size() <= a.units, "at most one frame per unit");
    for (const std::string& m : a.malformed)
        FUZZ_CHECK(!m.empty() && m.size() < 400 && printable(m), m.c_str());
    FUZZ_CHECK(replies_well_formed(a.replies), a.replies.c_str());

    for (const can_frame& f : a.frames) {
        FUZZ_CHECK(is_valid(f), "a received frame is valid");
        for (unsigned i = f.payload_bytes(); i < can_max_dlc; ++i)
            FUZZ_CHECK(f.data[i] == 0, "bytes after the payload stay 0");
        const std::string send = format_socketcand_send(f);
        socketcand_session again;
        socketcand_output o;
        again.feed("< open can0 >" + send, o);
        FUZZ_CHECK(o.malformed.empty() && o.frames.size() == 1 && o.frames[0] == f, send.c_str());
        const std::string to_client = format_socketcand_frame(f, 1234.5);
        FUZZ_CHECK(to_client.size() < socketcand_max_element_chars && printable(to_client), to_client.c_str());
        FUZZ_CHECK((to_client.rfind("< frame ", 0) == 0 || to_client.rfind("< rtr ", 0) == 0) &&
                       to_client.compare(to_client.size() - 2, 2, " >") == 0,
                   to_client.c_str());
    }
    return 0;
}
