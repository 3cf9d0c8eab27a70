// Helpers shared by the libFuzzer targets in tests/fuzz/ (docs/fuzzing.md).
//
// FUZZ_CHECK(cond, what): an invariant of the code under test. On failure it prints the condition,
// `what` and the source line to stderr and aborts, which libFuzzer reports as a crash (and saves
// the input) and the replay build (replay_main.cpp) reports as a failed ctest.
// fuzz_input: structured values taken from the front of the raw input; once the bytes run out
// every take returns 0, so a target never reads past the buffer it was given.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                                          \
    do {                                                                                                \
        if (!(cond)) {                                                                                  \
            std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s\n  %s\n", __FILE__, __LINE__,   \
                         #cond, (what));                                                                \
            std::abort();                                                                               \
        }                                                                                               \
    } while (0)

namespace stacksim::fuzz {

class fuzz_input {
public:
    fuzz_input(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
    std::size_t left() const { return m_size - m_pos; }
    std::uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    std::uint32_t u32_le() {
        std::uint32_t v = 0;
        for (unsigned i = 0; i < 4; ++i)
            v |= static_cast<std::uint32_t>(u8()) << (8 * i);
        return v;
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
};

// Equal as decoded values: NaN ("not available" on the wire) equals NaN.
inline bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// Only printable ASCII (0x20..0x7E): what a reason or a reply meant for a log may contain.
inline bool printable(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            return false;
    return true;
}

} // namespace stacksim::fuzz

// The libFuzzer entry point every target defines.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
