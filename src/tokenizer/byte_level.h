#pragma once
// GPT-2's reversible mapping of bytes to printable code points, used by byte-level BPE vocabularies
// ("Ġ" is the space byte).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qforge {

// UTF-8 of the code point standing for byte b.
const std::string& byte_to_unicode(std::uint8_t b);
// Text of byte-level symbols back to raw bytes; nullopt when a symbol is not a byte symbol.
std::optional<std::string> unicode_to_bytes(std::string_view text);
// Raw bytes to their byte-level symbols.
std::string bytes_to_unicode(std::string_view bytes);

}  // namespace qforge
