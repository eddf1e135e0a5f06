#pragma once
#include <string>
#include <string_view>

namespace qforge {

// Added tokens that llama.cpp's converter treats as control tokens even when not flagged special
// ("<|...|>", "<｜...｜>", "<unused...>", "<pad>", "<mask>", ...).
bool token_looks_special(std::string_view token);

// Replaces SentencePiece's U+2581 space marker with a plain space (user-defined tokens are pre-normalized).
std::string replace_space_marker(std::string_view token);
// The reverse: every space becomes U+2581.
std::string add_space_marker(std::string_view text);

}  // namespace qforge
