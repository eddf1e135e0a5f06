#include "chat/js_number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <locale.h>

#include <fmt/format.h>

#include "chat/js_string.h"

namespace qforge::chat::js {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// strtod in the C locale (the host may have set another LC_NUMERIC): correctly rounded, overflow to infinity.
double decimal_to_double(const std::string& text) {
    static const locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", static_cast<locale_t>(nullptr));
    return c_locale ? strtod_l(text.c_str(), nullptr, c_locale) : std::strtod(text.c_str(), nullptr);
}

// Length of the StrDecimalLiteral at the start of s ([+-]? digits [. digits] [e [+-] digits] | . digits ...),
// 0 when there is none. "Infinity" is handled by the callers.
std::size_t decimal_prefix(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    bool digits = i > int_start;
    if (i < s.size() && s[i] == '.') {
        std::size_t j = i + 1;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j > i + 1 || digits) {
            digits = digits || j > i + 1;
            i = j;
        }
    }
    if (!digits) return 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        const std::size_t exp_start = j;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j > exp_start) i = j;
    }
    return i;
}

double infinity_prefix(std::string_view s, std::size_t& len) {
    std::size_t i = 0;
    double sign = 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
    if (s.substr(i, 8) == "Infinity") {
        len = i + 8;
        return sign * std::numeric_limits<double>::infinity();
    }
    len = 0;
    return 0;
}

}  // namespace

std::string number_to_string(double v) {
    if (std::isnan(v)) return "NaN";
    if (v == 0) return "0";
    if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
    if (v < 0) return std::string(1, '-').append(number_to_string(-v));
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
    const std::size_t e_pos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e_pos))
        if (c != '.') digits += c;
    int exponent = 0;
    std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exponent);
    const int k = static_cast<int>(digits.size());
    const int n = exponent + 1;  // value = 0.digits × 10^n
    if (k <= n && n <= 21) return digits + std::string(static_cast<std::size_t>(n - k), '0');
    if (0 < n && n <= 21) return digits.substr(0, static_cast<std::size_t>(n)) + "." + digits.substr(static_cast<std::size_t>(n));
    if (-6 < n && n <= 0) return "0." + std::string(static_cast<std::size_t>(-n), '0') + digits;
    const int e = n - 1;
    std::string out(1, digits[0]);
    if (k > 1) out.append(1, '.').append(digits, 1);
    return out + "e" + (e < 0 ? "-" : "+") + std::to_string(e < 0 ? -e : e);
}

std::string float_to_string(double v) {
    if (v == 0 && std::signbit(v)) return "-0.0";
    if (std::isfinite(v) && std::fmod(v, 1.0) == 0) {
        if (std::fabs(v) >= 1e21) return number_to_string(v);  // toFixed falls back to toString there
        return fmt::format("{:.1f}", v);
    }
    return number_to_string(v);
}

double parse_int(std::string_view s) {
    s = trim_start(s);
    std::size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == start) return kNaN;
    const double v = decimal_to_double(std::string(s.substr(start, i - start)));
    return negative ? -v : v;
}

double parse_float(std::string_view s) {
    s = trim_start(s);
    std::size_t len = 0;
    const double inf = infinity_prefix(s, len);
    if (len) return inf;
    len = decimal_prefix(s);
    if (len == 0) return kNaN;
    return decimal_to_double(std::string(s.substr(0, len)));
}

double string_to_number(std::string_view s) {
    s = trim(s);
    if (s.empty()) return 0;
    std::size_t len = 0;
    const double inf = infinity_prefix(s, len);
    if (len) return len == s.size() ? inf : kNaN;
    if (s.size() > 2 && s[0] == '0') {
        int base = 0;
        if (s[1] == 'x' || s[1] == 'X') base = 16;
        if (s[1] == 'o' || s[1] == 'O') base = 8;
        if (s[1] == 'b' || s[1] == 'B') base = 2;
        if (base) {
            double v = 0;
            for (char c : s.substr(2)) {
                int d = -1;
                if (is_digit(c)) d = c - '0';
                else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
                if (d < 0 || d >= base) return kNaN;
                v = v * base + d;
            }
            return v;
        }
    }
    len = decimal_prefix(s);
    if (len != s.size()) return kNaN;
    return decimal_to_double(std::string(s));
}

}  // namespace qforge::chat::js
