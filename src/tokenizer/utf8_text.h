#pragma once
// UTF-8 helpers for tokenizers: sequence lengths from lead bytes (lenient, as llama.cpp's), code point
// decoding and encoding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qforge {

// Length of the UTF-8 sequence a byte starts (1 for continuation or invalid bytes).
std::size_t utf8_sequence_length(std::uint8_t lead);
std::string utf8_encode(std::uint32_t cp);
// Decodes leniently: an invalid byte becomes U+FFFD... never throws.
std::vector<std::uint32_t> utf8_decode(std::string_view s);

}  // namespace qforge
