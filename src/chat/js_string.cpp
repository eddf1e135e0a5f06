#include "chat/js_string.h"

#include <cmath>
#include <cstdint>
#include <cwctype>
#include <limits>
#include <locale.h>

#include "core/utf8.h"

namespace qforge::chat::js {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// glibc's C.UTF-8 locale carries the Unicode simple case mappings; newlocale'd once, used read-only by every
// thread through the *_l functions.
locale_t utf8_ctype_locale() {
    static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    return loc;
}

char32_t simple_upper(char32_t cp) {
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
    locale_t loc = utf8_ctype_locale();
    return loc ? static_cast<char32_t>(towupper_l(static_cast<wint_t>(cp), loc)) : cp;
}

char32_t simple_lower(char32_t cp) {
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    locale_t loc = utf8_ctype_locale();
    return loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc)) : cp;
}

// The unconditional multi-character mappings of Unicode's SpecialCasing.txt that JavaScript applies and a
// simple mapping cannot express (the common ones; Greek final sigma is not handled).
const char* special_upper(char32_t cp) {
    switch (cp) {
        case 0x00DF: return "SS";
        case 0x0149: return "\u02BCN";
        case 0x01F0: return "J\u030C";
        case 0xFB00: return "FF";
        case 0xFB01: return "FI";
        case 0xFB02: return "FL";
        case 0xFB03: return "FFI";
        case 0xFB04: return "FFL";
        case 0xFB05:
        case 0xFB06: return "ST";
        default: return nullptr;
    }
}

bool is_ascii_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

char32_t decode_utf8(std::string_view s, std::size_t& i) {
    const auto c0 = static_cast<unsigned char>(s[i]);
    if (c0 < 0x80) {
        ++i;
        return c0;
    }
    int len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((c0 & 0xE0) == 0xC0) {
        len = 2, cp = c0 & 0x1F, min = 0x80;
    } else if ((c0 & 0xF0) == 0xE0) {
        len = 3, cp = c0 & 0x0F, min = 0x800;
    } else if ((c0 & 0xF8) == 0xF0) {
        len = 4, cp = c0 & 0x07, min = 0x10000;
    } else {
        ++i;
        return kReplacement;
    }
    if (i + len > s.size()) {
        ++i;
        return kReplacement;
    }
    for (int k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (!is_continuation(c)) {
            ++i;
            return kReplacement;
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return kReplacement;
    }
    i += len;
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
    qforge::append_utf8(out, cp);
}

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t cp = decode_utf8(s, i);
        if (cp == kReplacement && i == start + 1 && static_cast<unsigned char>(s[start]) >= 0x80) {
            append_utf8(out, kReplacement);
        } else {
            out.append(s.substr(start, i - start));
        }
    }
    return out;
}

bool is_whitespace(char32_t cp) {
    if (cp <= 32) return cp == 32 || (cp >= 9 && cp <= 13);
    return cp > 127 && (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                        cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF);
}

std::size_t leading_whitespace(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t next = i;
        if (!is_whitespace(decode_utf8(s, next))) break;
        i = next;
    }
    return i;
}

std::size_t trailing_whitespace_start(std::string_view s) {
    std::size_t end = s.size();
    while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && end - start < 4 && is_continuation(static_cast<unsigned char>(s[start]))) --start;
        std::size_t probe = start;
        char32_t cp = decode_utf8(s, probe);
        if (probe != end) {  // not one well-formed code point ending here: a stray byte
            start = end - 1;
            cp = kReplacement;
        }
        if (!is_whitespace(cp)) break;
        end = start;
    }
    return end;
}

std::string_view trim_start(std::string_view s) { return s.substr(leading_whitespace(s)); }
std::string_view trim_end(std::string_view s) { return s.substr(0, trailing_whitespace_start(s)); }
std::string_view trim(std::string_view s) { return trim_end(trim_start(s)); }

std::size_t utf16_length(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) n += decode_utf8(s, i) >= 0x10000 ? 2 : 1;
    return n;
}

std::optional<std::string> utf16_unit_at(std::string_view s, double index) {
    const double n = static_cast<double>(utf16_length(s));
    double k = std::trunc(index);
    if (k < 0) k += n;
    if (!(k >= 0 && k < n)) return std::nullopt;
    const auto target = static_cast<std::size_t>(k);
    std::size_t unit = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t cp = decode_utf8(s, i);
        const std::size_t width = cp >= 0x10000 ? 2 : 1;
        if (target < unit + width) {
            if (width == 2) return std::string("\xEF\xBF\xBD");  // half of a surrogate pair
            return std::string(s.substr(start, i - start));
        }
        unit += width;
    }
    return std::nullopt;
}

std::vector<std::string> code_points(std::string_view s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        decode_utf8(s, i);
        out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

int utf16_compare(std::string_view a, std::string_view b) {
    // A code point's UTF-16 units, as one number that orders like the unit sequence.
    auto key = [](char32_t cp) -> std::uint64_t {
        if (cp < 0x10000) return static_cast<std::uint64_t>(cp) << 16;
        const char32_t v = cp - 0x10000;
        return (static_cast<std::uint64_t>(0xD800 + (v >> 10)) << 16) | (0xDC00 + (v & 0x3FF));
    };
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const std::uint64_t ka = key(decode_utf8(a, i)), kb = key(decode_utf8(b, j));
        if (ka != kb) {
            // a BMP character against a surrogate pair differs in the first unit, or is its prefix
            const std::uint64_t ha = ka >> 16, hb = kb >> 16;
            if (ha != hb) return ha < hb ? -1 : 1;
            return ka < kb ? -1 : 1;
        }
    }
    if (i < a.size()) return 1;
    if (j < b.size()) return -1;
    return 0;
}

std::string to_upper(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const char32_t cp = decode_utf8(s, i);
        if (const char* special = special_upper(cp)) {
            out += special;
        } else {
            append_utf8(out, simple_upper(cp));
        }
    }
    return out;
}

std::string to_lower(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const char32_t cp = decode_utf8(s, i);
        if (cp == 0x0130) {
            out += "i\u0307";
        } else {
            append_utf8(out, simple_lower(cp));
        }
    }
    return out;
}

std::string title_case(std::string_view s) {
    std::string out(s);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto c = static_cast<unsigned char>(out[i]);
        if (is_ascii_word(c) && (i == 0 || !is_ascii_word(static_cast<unsigned char>(out[i - 1])))) {
            if (c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 32);
        }
    }
    return out;
}

std::string capitalize(std::string_view s) {
    if (s.empty()) return {};
    std::size_t i = 0;
    const char32_t cp = decode_utf8(s, i);
    if (cp >= 0x10000) return std::string(s);  // charAt(0) is half a pair: toUpperCase leaves it
    return to_upper(s.substr(0, i)) + std::string(s.substr(i));
}

std::optional<std::string> replace(std::string_view s, std::string_view from, std::string_view to, double count,
                                   std::size_t max_bytes) {
    if (count == 0) return std::string(s);
    const double remaining_init = (std::isnan(count) || count < 0) ? std::numeric_limits<double>::infinity() : count;
    std::vector<std::size_t> at;  // byte offsets of the matches that get replaced
    if (from.empty()) {
        double remaining = remaining_init;
        for (std::size_t i = 0;; ) {
            if (remaining <= 0) break;
            at.push_back(i);
            remaining -= 1;
            if (i >= s.size()) break;
            decode_utf8(s, i);
        }
    } else {
        double remaining = remaining_init;
        for (std::size_t pos = s.find(from); pos != std::string_view::npos && remaining > 0;
             pos = s.find(from, pos + from.size())) {
            at.push_back(pos);
            remaining -= 1;
        }
    }
    const double size = static_cast<double>(s.size()) +
                        static_cast<double>(at.size()) * (static_cast<double>(to.size()) - static_cast<double>(from.size()));
    if (size > static_cast<double>(max_bytes)) return std::nullopt;
    std::string out;
    out.reserve(static_cast<std::size_t>(size));
    std::size_t last = 0;
    for (std::size_t pos : at) {
        out.append(s.substr(last, pos - last));
        out.append(to);
        last = pos + from.size();
    }
    out.append(s.substr(last));
    return out;
}

}  // namespace qforge::chat::js
