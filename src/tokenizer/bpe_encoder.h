#pragma once
// llama.cpp's byte-level BPE encoder: per pre-tokenized piece, merge adjacent symbols by lowest merge rank
// (leftmost on ties); symbols that are not tokens fall back to single-byte tokens where those exist.
#include <string_view>
#include <vector>

#include "tokenizer/bpe_pretokenizer.h"
#include "tokenizer/vocab_index.h"

namespace qforge {

void bpe_encode(const VocabIndex& index, const BpePretokenizer& pre, std::string_view text, std::vector<TokenId>& out);

}  // namespace qforge
