#include "numeric/number_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace stacksim::num {

namespace {

// GCC and Clang's 128-bit integer on 64-bit targets (__extension__: not ISO C++, said so once).
__extension__ using u128 = unsigned __int128;

char* put(char* out, const char* text) {
    const std::size_t n = std::strlen(text);
    std::memcpy(out, text, n);
    return out + n;
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
    // The shortest digits from std::to_chars (Ryu); with P of them and decimal exponent X, the
    // first round-tripping %.Ng is N = max(min_digits, P), and its digits are those P digits.
    // (Trying each N with snprintf + strtod was half of a default run's time.)
    //
    // Most values: to_chars' own %g-style text of the shortest digits (chars_format::general)
    // is already %.Ng's: the same digits, fixed for small exponents, else scientific with a
    // two-digit exponent at least. libstdc++ turns to scientific at a smaller X than %.Ng does
    // (X >= N), so a scientific text with 0 <= X < N is rebuilt below from the digits (3600, not
    // 3.6e+03; 123456789012, not 1.23456789012e+11). tests/sc/test_output_format.cpp holds it
    // to the printf definition.
    {
        char* const end = std::to_chars(out, out + shortest_text_max, v, std::chars_format::general).ptr;
        const void* const found = std::memchr(out, 'e', static_cast<std::size_t>(end - out));
        const char* const e = found ? static_cast<const char*>(found) : end;
        if (e == end || e[1] == '-')
            return end; // fixed, or X < -4: the same text
        int x = 0;
        std::from_chars(e + 2, end, x);
        const int mantissa_chars = static_cast<int>(e - out) - (out[0] == '-'); // "d" or "d.ddd"
        const int p = mantissa_chars > 1 ? mantissa_chars - 1 : 1;              // its digits
        if (x >= std::max(min_digits, p))
            return end;
    }
    char sci[40];
    const auto r = std::to_chars(sci, sci + sizeof sci - 1, v, std::chars_format::scientific);
    const char* e_pos = std::find(sci, r.ptr, 'e');
    const bool negative = sci[0] == '-';
    char digits[24];
    int p = 0;
    for (const char* c = sci + (negative ? 1 : 0); c < e_pos; ++c)
        if (*c != '.')
            digits[p++] = *c;
    int exp10 = 0;
    const char* exp_begin = e_pos + 1;
    if (*exp_begin == '+')
        ++exp_begin; // from_chars takes no '+'
    std::from_chars(exp_begin, r.ptr, exp10);
    const int n = std::max(min_digits, p);
    if (negative)
        *out++ = '-';
    if (exp10 >= -4 && exp10 < n) {
        if (exp10 >= 0) {
            const int whole = exp10 + 1;
            if (p > whole) {
                out = std::copy(digits, digits + whole, out);
                *out++ = '.';
                out = std::copy(digits + whole, digits + p, out);
            } else {
                out = std::copy(digits, digits + p, out);
                out = std::fill_n(out, whole - p, '0');
            }
        } else {
            *out++ = '0';
            *out++ = '.';
            out = std::fill_n(out, -exp10 - 1, '0');
            out = std::copy(digits, digits + p, out);
        }
    } else {
        *out++ = digits[0];
        if (p > 1) {
            *out++ = '.';
            out = std::copy(digits + 1, digits + p, out);
        }
        *out++ = 'e';
        *out++ = exp10 < 0 ? '-' : '+';
        const int a = exp10 < 0 ? -exp10 : exp10;
        if (a < 10)
            *out++ = '0';
        out = std::to_chars(out, out + 4, a).ptr;
    }
    return out;
}

char* write_fixed9_text(char* out, double v) {
    constexpr std::uint64_t scale = 1000000000u; // 10^9
    if (!(std::fabs(v) < 1.8e10)) // also NaN and the infinities
        return std::to_chars(out, out + fixed9_text_max, v, std::chars_format::fixed, 9).ptr;
    // |v| = mant * 2^exp exactly (mant < 2^53), so |v| * 10^9 = mant * 10^9 * 2^exp: a product of
    // at most 83 bits, then an exact shift with round-half-even on the bits shifted out.
    int exp = 0;
    const double frac = std::frexp(std::fabs(v), &exp); // [0.5, 1), or 0
    const auto mant = static_cast<std::uint64_t>(std::ldexp(frac, 53));
    exp -= 53;
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
