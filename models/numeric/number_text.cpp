#include "numeric/number_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace stacksim::num {

std::string shortest_text(double v, int min_digits) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    if (std::fpclassify(v) == FP_SUBNORMAL) {
        // Few significant bits: %.Ng shows more digits than the shortest ones. The direct way.
        char buf[40];
        for (int prec = min_digits; prec <= 17; ++prec) {
            std::snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (std::strtod(buf, nullptr) == v)
                break;
        }
        return buf;
    }
    // The shortest digits from std::to_chars (Ryu); with P of them and decimal exponent X, the
    // first round-tripping %.Ng is N = max(min_digits, P), and its digits are those P digits.
    // (Trying each N with snprintf + strtod was half of a default run's time.)
    char sci[40];
    const auto r = std::to_chars(sci, sci + sizeof sci - 1, v, std::chars_format::scientific);
    *r.ptr = '\0';
    const std::string_view text(sci, static_cast<std::size_t>(r.ptr - sci));
    const std::size_t e_pos = text.find('e');
    const bool negative = text.front() == '-';
    std::string digits;
    for (std::size_t i = negative ? 1 : 0; i < e_pos; ++i)
        if (text[i] != '.')
            digits += text[i];
    const int exp10 = std::atoi(text.data() + e_pos + 1);
    const int p = static_cast<int>(digits.size());
    const int n = std::max(min_digits, p);
    std::string out = negative ? "-" : "";
    if (exp10 >= -4 && exp10 < n) {
        if (exp10 >= 0) {
            const auto whole = static_cast<std::size_t>(exp10) + 1;
            if (static_cast<std::size_t>(p) > whole)
                out += digits.substr(0, whole) + "." + digits.substr(whole);
            else
                out += digits + std::string(whole - static_cast<std::size_t>(p), '0');
        } else {
            out += "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + digits;
        }
    } else {
        out += digits.substr(0, 1);
        if (p > 1)
            out += "." + digits.substr(1);
        char e[16];
        std::snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        out += e;
    }
    return out;
}

} // namespace stacksim::num
