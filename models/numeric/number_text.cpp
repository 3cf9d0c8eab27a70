#include "numeric/number_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace stacksim::num {

namespace {

// GCC and Clang's 128-bit integer on 64-bit targets (__extension__: not ISO C++, said so once).
__extension__ using u128 = unsigned __int128;

char* put(char* out, const char* text) {
    const std::size_t n = std::strlen(text);
    std::memcpy(out, text, n);
    return out + n;
}

// "00" "01" ... "99": two decimal digits per table read.
struct two_digit_table {
    char text[200];
    constexpr two_digit_table() : text() {
        for (int k = 0; k < 100; ++k) {
            text[2 * k] = static_cast<char>('0' + k / 10);
            text[2 * k + 1] = static_cast<char>('0' + k % 10);
        }
    }
};
constexpr two_digit_table two_digits;

// The decimal digits of m > 0 (m < 2^32), most significant first, written to end just before
// `end`; returns where they start.
char* digits_before(char* end, std::uint32_t m) {
    while (m >= 100) {
        const std::uint32_t pair = m % 100;
        m /= 100;
        end -= 2;
        std::memcpy(end, two_digits.text + 2 * pair, 2);
    }
    if (m >= 10) {
        end -= 2;
        std::memcpy(end, two_digits.text + 2 * m, 2);
    } else {
        *--end = static_cast<char>('0' + m);
    }
    return end;
}

// The same for a shortest significand, 0 < m < 10^17: the low eight digits and the rest
// (below 10^9) as two 32-bit conversions, which run side by side instead of one chain of 64-bit
// divisions.
char* digits_before(char* end, std::uint64_t m) {
    if (m < 100000000u)
        return digits_before(end, static_cast<std::uint32_t>(m));
    auto low = static_cast<std::uint32_t>(m % 100000000u);
    for (int k = 0; k < 4; ++k) { // exactly eight digits, leading zeros included
        end -= 2;
        std::memcpy(end, two_digits.text + 2 * (low % 100), 2);
        low /= 100;
    }
    return digits_before(end, static_cast<std::uint32_t>(m / 100000000u));
}

} // namespace

char* write_shortest_text(char* out, double v, int min_digits) {
    if (std::isnan(v))
        return put(out, "nan");
    if (std::isinf(v))
        return put(out, v > 0 ? "inf" : "-inf");
    if (std::fpclassify(v) == FP_SUBNORMAL) {
        // Few significant bits: %.Ng shows more digits than the shortest ones. The direct way.
        char buf[40];
        for (int prec = min_digits; prec <= 17; ++prec) {
            std::snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (std::strtod(buf, nullptr) == v)
                break;
        }
        return put(out, buf);
    }
    // The shortest digits: fmt's Dragonbox (Jeon, 2020) gives v = significand * 10^e with the
    // fewest significant digits that read back as v, the nearest such decimal, ties to even --
    // the digits Ryu (std::to_chars) gives, at about a fifth of to_chars' cost. With P of them
    // and decimal exponent X = e + P - 1, the first round-tripping %.Ng is N = max(min_digits, P),
    // and its text is those P digits in %g's notation: N >= P digits of the exact value rounded
    // to nearest are the P digits and zeros, which %g trims (for N <= 15 because half a unit in
    // the N-th digit exceeds the distance from v to its shortest decimal, 2^-53 |v| at most; for
    // N = P because the shortest decimal is the nearest one). tests/sc/test_output_format.cpp
    // holds it to the printf definition.
    //
    // The text is at most 25 characters ("-d.dddddddddddddddde-308"); the copies below move a
    // fixed 20 bytes (unrolled, no call) and the caller's 48 bytes leave room for their tails.
    const bool negative = std::signbit(v);
    char buf[44];
    char* const digits_end = buf + 24;
    const char* digits = digits_end - 1;
    std::memset(digits_end, '0', sizeof buf - 24); // what the 20-byte copies read past the digits
    int exp10 = 0;
    if (v == 0.0) {
        buf[23] = '0';
    } else {
        const auto dec = fmt::detail::dragonbox::to_decimal(v); // significand < 10^17, no trailing zeros
        digits = digits_before(digits_end, dec.significand);
        exp10 = dec.exponent + static_cast<int>(digits_end - digits) - 1;
    }
    const int p = static_cast<int>(digits_end - digits);
    const int n = std::max(min_digits, p);
    if (negative)
        *out++ = '-';
    if (exp10 >= -4 && exp10 < n) {
        if (exp10 >= 0) {
            const int whole = exp10 + 1; // digits before the point; the rest, if any, after it
            std::memcpy(out, digits, 20); // digits past p are '0': "3600" from "36"
            if (p <= whole)
                return out + whole;
            std::memcpy(out + whole + 1, digits + whole, 20);
            out[whole] = '.';
            return out + p + 1;
        }
        std::memcpy(out, "0.000000", 8); // "0." and -exp10 - 1 zeros (X >= -4: at most three)
        out += 1 - exp10;
        std::memcpy(out, digits, 20);
        return out + p;
    }
    *out++ = digits[0];
    if (p > 1) {
        std::memcpy(out + 1, digits + 1, 20);
        *out = '.';
        out += p;
    }
    *out++ = 'e';
    *out++ = exp10 < 0 ? '-' : '+';
    const int a = exp10 < 0 ? -exp10 : exp10;
    if (a < 10)
        *out++ = '0';
    return std::to_chars(out, out + 4, a).ptr;
}

char* write_fixed9_text(char* out, double v) {
    constexpr std::uint64_t scale = 1000000000u; // 10^9
    if (!(std::fabs(v) < 1.8e10)) // also NaN and the infinities
        return std::to_chars(out, out + fixed9_text_max, v, std::chars_format::fixed, 9).ptr;
    // |v| = mant * 2^exp exactly (mant < 2^53), so |v| * 10^9 = mant * 10^9 * 2^exp: a product of
    // at most 83 bits, then an exact shift with round-half-even on the bits shifted out.
    // From the bits (frexp and ldexp are library calls): a normal double is
    // (2^52 + fraction) * 2^(e - 1075), a subnormal or zero fraction * 2^-1074.
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    const auto biased = static_cast<int>((bits >> 52) & 0x7FF);
    const std::uint64_t fraction = bits & ((std::uint64_t{1} << 52) - 1);
    const std::uint64_t mant = biased != 0 ? fraction | (std::uint64_t{1} << 52) : fraction;
    const int exp = (biased != 0 ? biased : 1) - 1075;
    const u128 product = static_cast<u128>(mant) * scale;
    std::uint64_t n = 0;
    if (exp >= 0) {
        n = static_cast<std::uint64_t>(product << exp); // |v| >= 2^53: whole, and < 1.8e19 scaled
    } else if (exp > -128) {
        const int shift = -exp;
        u128 q = product >> shift;
        const u128 rest = product - (q << shift);
        const u128 half = static_cast<u128>(1) << (shift - 1);
        if (rest > half || (rest == half && (q & 1u)))
            ++q;
        n = static_cast<std::uint64_t>(q);
    } // else: below 2^-74, rounds to 0
    if (std::signbit(v))
        *out++ = '-';
    out = std::to_chars(out, out + 24, n / scale).ptr;
    *out++ = '.';
    std::uint64_t f = n % scale;
    for (int k = 8; k >= 0; --k) {
        out[k] = static_cast<char>('0' + f % 10);
        f /= 10;
    }
    return out + 9;
}

std::string shortest_text(double v, int min_digits) {
    char buf[shortest_text_max];
    return std::string(buf, write_shortest_text(buf, v, min_digits));
}

} // namespace stacksim::num
