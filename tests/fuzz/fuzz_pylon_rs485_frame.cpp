// Fuzz target: Pylontech RS485 framing on receive (protocol/pylon_rs485.h decode_frame), which
// every BMS runs on every frame it hears (models/battery/bms.cpp) before acting on it.
// Input: the received characters. The first byte also picks `expected_ver` (-1 or that byte).
// Invariants:
//  - decode_frame never throws; decode_frame_memo gives its result (no VER check), also when the
//    memo held the previous input;
//  - !ok: rtn is not `normal`, the error has a text, no INFO is returned;
//  - ok: rtn is `normal`, and the frame re-encodes (encode_frame, upper-case hex) to the received
//    characters up to hex case; only the CHKSUM may differ, and only when lower-case hex came in
//    (CHKSUM is over the characters as received). The re-encoded frame decodes to the same frame.
//  - the sub BMS's answer path: an error answer is built only from a valid address, and encoding
//    an answer with the decoded header never throws.
#include <cctype>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/pylon_rs485.h"

using namespace stacksim::proto;

namespace {

std::string upper(std::string_view s) {
    std::string u(s);
    for (char& c : u)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return u;
}

bool same_frame(const pylon_frame& a, const pylon_frame& b) {
    return a.ver == b.ver && a.adr == b.adr && a.cid1 == b.cid1 && a.cid2 == b.cid2 && a.info == b.info;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view chars(reinterpret_cast<const char*>(data), size);
    const int expected_ver = size > 0 && (data[0] & 1) ? 0x20 : -1;
    const rs485_decoded d = decode_frame(chars, expected_ver);
    {
        // The memo the nodes of a chain share: the same result, from a fresh decode and from the
        // memo of the frame just decoded (the previous input is still in it on the first call).
        const rs485_decoded plain = decode_frame(chars);
        for (int pass = 0; pass < 2; ++pass) {
            const rs485_decoded& m = decode_frame_memo(chars);
            FUZZ_CHECK(m.ok == plain.ok && m.rtn == plain.rtn && m.error == plain.error &&
                           m.adr_valid == plain.adr_valid && same_frame(m.frame, plain.frame),
                       "decode_frame_memo gives decode_frame's result");
        }
    }
    if (!d.ok) {
        FUZZ_CHECK(d.rtn != rtn::normal, "a rejected frame has an error RTN");
        FUZZ_CHECK(!d.error.empty(), "a rejected frame has an error text");
        FUZZ_CHECK(d.frame.info.empty(), "no INFO from a rejected frame");
        FUZZ_CHECK(std::string(to_string(d.rtn)) != "unknown RTN", "the RTN is one of the defined codes");
        if (d.adr_valid) // bms::rs485_receive answers such a frame with its RTN
            (void)encode_response(0x20, d.frame.adr, d.rtn, {});
        return 0;
    }
    FUZZ_CHECK(d.rtn == rtn::normal && d.error.empty(), "an accepted frame is normal");
    FUZZ_CHECK(d.adr_valid, "an accepted frame has a valid address");
    FUZZ_CHECK(chars.size() == rs485_frame_chars(d.frame.info.size()), "18 + 2 * INFO characters");
    FUZZ_CHECK(expected_ver < 0 || d.frame.ver == expected_ver || d.frame.cid2 == cid2::protocol_version,
               "VER checked");

    const std::string again = encode_frame(d.frame);
    FUZZ_CHECK(again.size() == chars.size(), "re-encoded length");
    const std::string received = upper(chars);
    const std::size_t sum_at = again.size() - 5;
    FUZZ_CHECK(again.compare(0, sum_at, received, 0, sum_at) == 0, "re-encoded header and INFO");
    if (received == std::string(chars))
        FUZZ_CHECK(again == received, "re-encoded CHKSUM (upper-case input)");
    const rs485_decoded back = decode_frame(again, expected_ver);
    FUZZ_CHECK(back.ok && same_frame(back.frame, d.frame), "the re-encoded frame decodes the same");
    return 0;
}
