// Fuzz target: struct can_frame records (protocol/socketcan_frame.h) as a CAN_RAW socket or the
// test socketpair delivers them. Input: cut into 16-byte records, the remainder (if any) decoded as
// one short record. Invariants:
//  - decode_socketcan_frame never throws and reads only the bytes it is given;
//  - a record not of 16 bytes is refused with a reason;
//  - an accepted record gives a valid frame with the payload past the DLC 0; encoding it again
//    gives the input's can_id and len, the input's payload bytes, and 0 in the padding and past the
//    payload; decoding that again gives the same frame;
//  - a refused record of 16 bytes has the error flag, len above 8, or an 11-bit identifier with
//    higher bits set (nothing else is refused).
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "protocol/socketcan_frame.h"

using namespace stacksim::proto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    for (std::size_t pos = 0; pos < size; pos += socketcan_frame_bytes) {
        const std::size_t n = size - pos < socketcan_frame_bytes ? size - pos : socketcan_frame_bytes;
        // A copy of exactly n bytes on the heap, so ASan sees a read past the record.
        const std::vector<std::uint8_t> rec(data + pos, data + pos + n);
        const socketcan_decode_result d = decode_socketcan_frame(rec.data(), rec.size());
        if (n != socketcan_frame_bytes) {
            FUZZ_CHECK(!d.ok && !d.error.empty(), "a short record is refused with a reason");
            continue;
        }
        std::uint32_t can_id = 0;
        std::memcpy(&can_id, rec.data(), 4);
        if (!d.ok) {
            FUZZ_CHECK(!d.error.empty(), "a refusal has a reason");
            const bool err = (can_id & 0x20000000u) != 0;
            const bool long_len = rec[4] > 8;
            const bool wide_std = (can_id & 0x80000000u) == 0 && (can_id & 0x1FFFF800u) != 0;
            FUZZ_CHECK(err || long_len || wide_std, d.error.c_str());
            continue;
        }
        const can_frame& f = d.frame;
        FUZZ_CHECK(is_valid(f), "an accepted record gives a valid frame");
        for (unsigned i = f.payload_bytes(); i < can_max_dlc; ++i)
            FUZZ_CHECK(f.data[i] == 0, "bytes after the payload stay 0");
        const socketcan_record back = encode_socketcan_frame(f);
        std::uint32_t back_id = 0;
        std::memcpy(&back_id, back.data(), 4);
        FUZZ_CHECK(back_id == can_id, "can_id round trip");
        FUZZ_CHECK(back[4] == rec[4], "len round trip");
        FUZZ_CHECK(back[5] == 0 && back[6] == 0 && back[7] == 0, "padding written 0");
        for (unsigned i = 0; i < 8; ++i)
            FUZZ_CHECK(back[8 + i] == (i < f.payload_bytes() ? rec[8 + i] : 0), "payload round trip, 0 after it");
        const socketcan_decode_result again = decode_socketcan_frame(back.data(), back.size());
        FUZZ_CHECK(again.ok && again.frame == f, "decode(encode(f)) == f");
    }
    return 0;
}
