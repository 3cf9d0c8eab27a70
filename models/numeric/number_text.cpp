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

// x / 2^r (0 < r < 128) rounded to nearest, ties to even: exact, from the bits shifted out.
u128 shift_right_half_even(u128 x, int r) {
    u128 q = x >> r;
    const u128 rest = x - (q << r);
    const u128 half = static_cast<u128>(1) << (r - 1);
    if (rest > half || (rest == half && (q & 1u)))
        ++q;
    return q;
}

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

// %g's notation, at precision n, for the significant digits digits[0 .. p) (1 <= p <= n, no
// trailing zeros) with decimal exponent exp10: fixed when -4 <= exp10 < n, else scientific with
// at least two exponent digits. The 20 bytes after the digits must be readable '0's (the copies
// move a fixed 20 bytes, unrolled, no call); writes at most 26 characters plus up to 20 bytes of
// scratch after them (out needs 48).
char* write_g_notation(char* out, bool negative, const char* digits, int p, int exp10, int n) {
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
    return write_g_notation(out, negative, digits, p, exp10, std::max(min_digits, p));
}

char* write_general_text(char* out, double v, int precision) {
    // Powers of five and ten for the scale 10^s, s = precision - 1 - X (0 ... 27: 5^27 < 2^63).
    static constexpr int max_scale = 27;
    struct tables {
        std::uint64_t pow5[max_scale + 1];
        std::uint64_t pow10[19];
        double pow10_nearest[31]; // the double nearest 10^k, k = -13 ... 17
        constexpr tables() : pow5(), pow10(), pow10_nearest() {
            pow5[0] = 1;
            for (int k = 1; k <= max_scale; ++k)
                pow5[k] = pow5[k - 1] * 5;
            pow10[0] = 1;
            for (int k = 1; k < 19; ++k)
                pow10[k] = pow10[k - 1] * 10;
            pow10_nearest[13] = 1.0;
            for (int k = 1; k <= 17; ++k) // exact
                pow10_nearest[13 + k] = pow10_nearest[12 + k] * 10.0;
            for (int k = 1; k <= 13; ++k) // one correctly rounded division of exact values
                pow10_nearest[13 - k] = 1.0 / pow10_nearest[13 + k];
        }
    };
    static constexpr tables t;
    const double a = std::fabs(v);
    if (v == 0.0)
        return put(out, std::signbit(v) ? "-0" : "0");
    // The exact path covers |v| in [1e-12, 1e16) (normal doubles, scales 0 ... 27); the rest
    // (and NaN, the infinities) is rare in what is written this way: the library's path.
    if (!(a >= 1e-12 && a < 1e16) || precision < 1 || precision > 17)
        return std::to_chars(out, out + general_text_max, v, std::chars_format::general, precision).ptr;
    std::uint64_t bits = 0;
    std::memcpy(&bits, &a, sizeof bits);
    const std::uint64_t mant = (bits & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
    const int e2 = static_cast<int>(bits >> 52) - 1075; // a = mant * 2^e2 exactly
    const std::uint64_t lo = t.pow10[precision - 1], hi = t.pow10[precision];
    // n = round(a * 10^(precision - 1 - x)): a * 10^s = mant * 5^s * 2^(e2 + s), a product below
    // 2^116, then an exact shift with round-half-even on the bits shifted out (printf's rounding
    // of the exact value). 0 if the scale is outside the tables.
    const auto scaled = [&](int x) -> std::uint64_t {
        const int s = precision - 1 - x;
        if (s < 0 || s > max_scale)
            return 0;
        const u128 product = static_cast<u128>(mant) * t.pow5[s];
        const int shift = e2 + s;
        if (shift >= 0)
            return shift > 8 ? 0 : static_cast<std::uint64_t>(product << shift);
        if (shift <= -120)
            return 0;
        return static_cast<std::uint64_t>(shift_right_half_even(product, -shift));
    };
    // X = floor(log10 a), from below: floor(e log10 2) (2^e <= a < 2^(e + 1), so X is that or one
    // more; 78913 / 2^18 is log10 2 to 6e-7, on a non-negative product, and may give one less),
    // raised while a exceeds the double nearest the next power of ten (a double above that one
    // is above the power itself). The guess is never above X; the digit count of the rounded
    // result raises it the rest of the way, and also where the rounding carries to
    // 10^precision: that value is 10^(X + 1), written with 10^(precision - 1).
    const int e = static_cast<int>(bits >> 52) - 1023; // -40 ... 53 here
    int x = (((e + 64) * 78913) >> 18) - 20;            // -13 ... 15
    for (int k = 0; k < 2 && a > t.pow10_nearest[x + 1 + 13]; ++k)
        ++x;
    std::uint64_t n = scaled(x);
    for (int k = 0; k < 2 && n >= hi; ++k)
        n = scaled(++x);
    if (n < lo || n >= hi)
        return std::to_chars(out, out + general_text_max, v, std::chars_format::general, precision).ptr;
    char buf[44];
    char* const digits_end = buf + 24;
    std::memset(digits_end, '0', sizeof buf - 24);
    const char* const digits = digits_before(digits_end, n);
    int p = precision;
    while (p > 1 && digits[p - 1] == '0') // %g trims trailing zeros
        --p;
    return write_g_notation(out, std::signbit(v), digits, p, x, precision);
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
        n = static_cast<std::uint64_t>(shift_right_half_even(product, -exp));
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
