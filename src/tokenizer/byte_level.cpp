#include "tokenizer/byte_level.h"

#include <array>
#include <unordered_map>

#include "tokenizer/utf8_text.h"

namespace qforge {
namespace {

struct Tables {
    std::array<std::string, 256> to_unicode;
    std::unordered_map<std::uint32_t, std::uint8_t> to_byte;
    Tables() {
        std::uint32_t n = 0;
        for (std::uint32_t b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const std::uint32_t cp = printable ? b : 256 + n++;
            to_unicode[b] = utf8_encode(cp);
            to_byte[cp] = static_cast<std::uint8_t>(b);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

const std::string& byte_to_unicode(std::uint8_t b) { return tables().to_unicode[b]; }

std::string bytes_to_unicode(std::string_view bytes) {
    std::string out;
    for (char c : bytes) out += byte_to_unicode(static_cast<std::uint8_t>(c));
    return out;
}

std::optional<std::string> unicode_to_bytes(std::string_view text) {
    std::string out;
    for (std::uint32_t cp : utf8_decode(text)) {
        auto it = tables().to_byte.find(cp);
        if (it == tables().to_byte.end()) return std::nullopt;
        out += static_cast<char>(it->second);
    }
    return out;
}

}  // namespace qforge
