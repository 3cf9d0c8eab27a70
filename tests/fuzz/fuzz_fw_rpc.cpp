// Fuzz target: the firmware RPC codec (models/firmware/fw_rpc.h), which both stacksim and a
// firmware's child process use on the datagrams the other side sent (the child runs foreign code
// that may have corrupted its memory). Input: one datagram. Invariants:
//  - decode() never throws and either gives a message or a non-empty error, never both;
//  - a decoded message has the shape of its kind (arguments and blobs in range, blobs within
//    max_blob, a host function only in host_call);
//  - the encoding is canonical: encode(decode(x)) == x, byte for byte;
//  - decoding that encoding again gives the same message.
#include <string>

#include "firmware/fw_rpc.h"
#include "fuzz_check.h"

using namespace stacksim::fw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const rpc::decoded d = rpc::decode(data, size);
    FUZZ_CHECK(d.msg.has_value() != !d.error.empty(), "a message xor an error");
    if (!d.msg)
        return 0;
    const rpc::message& m = *d.msg;
    FUZZ_CHECK(m.args.size() <= rpc::max_args && m.blobs.size() <= rpc::max_blobs, "shape bounds");
    for (const std::string& b : m.blobs)
        FUZZ_CHECK(b.size() <= rpc::max_blob, "blob within max_blob");
    FUZZ_CHECK(m.kind == rpc::kind::host_call || m.fn == rpc::fn::none, "function only in host_call");
    if (m.kind == rpc::kind::host_call)
        FUZZ_CHECK(m.fn != rpc::fn::none && static_cast<unsigned>(m.fn) < static_cast<unsigned>(rpc::fn::count),
                   "a known host function");
    const std::string again = rpc::encode(m);
    FUZZ_CHECK(again.size() == size && again.compare(0, std::string::npos, reinterpret_cast<const char*>(data), size) == 0,
               "canonical encoding");
    const rpc::decoded d2 = rpc::decode(reinterpret_cast<const std::uint8_t*>(again.data()), again.size());
    FUZZ_CHECK(d2.msg && d2.msg->kind == m.kind && d2.msg->fn == m.fn && d2.msg->now_ns == m.now_ns &&
                   d2.msg->args == m.args && d2.msg->blobs == m.blobs,
               "decode(encode(m)) == m");
    return 0;
}
