#pragma once
// llama.cpp's SentencePiece-style encoder: start from UTF-8 characters, repeatedly merge the adjacent pair whose
// concatenation is the highest-scoring token (leftmost on ties), then emit tokens, re-splitting pieces that
// are not tokens and falling back to <0xNN> byte tokens.
#include <string_view>
#include <vector>

#include "tokenizer/vocab_index.h"

namespace qforge {

// `text` is already escaped (spaces as U+2581, prefix space added by the caller).
void spm_encode(const VocabIndex& index, std::string_view text, std::vector<TokenId>& out);

}  // namespace qforge
