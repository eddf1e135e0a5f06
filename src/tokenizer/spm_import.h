#pragma once
// Vocabulary from a SentencePiece tokenizer.model (read with libsentencepiece), padded to the model's
// vocab_size and amended by added_tokens.json and tokenizer_config.json's added_tokens_decoder, as
// llama.cpp's converter does. Special ids come from tokenizer_config.json / config.json.
#include <cstdint>
#include <optional>
#include <string>

#include "tokenizer/vocab.h"

namespace qforge {

Vocab import_sentencepiece_vocab(const std::string& dir, std::optional<std::int64_t> vocab_size);

}  // namespace qforge
