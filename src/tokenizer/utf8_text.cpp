#include "tokenizer/utf8_text.h"

#include "core/utf8.h"

namespace qforge {

std::size_t utf8_sequence_length(std::uint8_t lead) {
    static const std::size_t lookup[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lookup[lead >> 4];
}

std::string utf8_encode(std::uint32_t cp) {
    std::string out;
    append_utf8(out, static_cast<char32_t>(cp));
    return out;
}

std::vector<std::uint32_t> utf8_decode(std::string_view s) {
    std::vector<std::uint32_t> cps;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<std::uint8_t>(s[i]);
        const std::size_t len = utf8_sequence_length(c);
        if (len == 1 || i + len > s.size()) {
            cps.push_back(c < 0x80 ? c : 0xFFFD);
            ++i;
            continue;
        }
        std::uint32_t cp = c & (0xFF >> (len + 1));
        bool ok = true;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<std::uint8_t>(s[i + k]);
            if ((cc & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        cps.push_back(ok ? cp : 0xFFFD);
        i += ok ? len : 1;
    }
    return cps;
}

}  // namespace qforge
