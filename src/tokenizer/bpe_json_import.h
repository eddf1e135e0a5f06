#pragma once
// Vocabulary from a Hugging Face tokenizer.json with a byte-level BPE model: tokens by id (gaps become
// [PADn] unused tokens), added tokens typed control or user-defined, merges as "a b" strings, and the
// pre-tokenizer named after the regex it uses (llama.cpp's tokenizer.ggml.pre values).
#include <cstdint>
#include <optional>
#include <string>

#include "tokenizer/vocab.h"

namespace qforge {

// pre_override: a tokenizer.ggml.pre value to use instead of recognising the pre-tokenizer.
Vocab import_bpe_json_vocab(const std::string& dir, std::optional<std::int64_t> vocab_size,
                            const std::optional<std::string>& pre_override);

// The llama.cpp pre-tokenizer name for a tokenizer.json "pre_tokenizer" object; nullopt when not recognised.
std::optional<std::string> recognise_pre_tokenizer(const std::string& pre_tokenizer_json);

}  // namespace qforge
