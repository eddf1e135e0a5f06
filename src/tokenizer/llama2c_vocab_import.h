#pragma once
// Vocabulary from a llama2.c tokenizer file, typed the way llama.cpp's convert-llama2c-to-ggml types it:
// ids 0/1/2 become <unk>/<s>/</s>, "<0xNN>" pieces are byte tokens, empty pieces are control tokens, and
// spaces are written as U+2581.
#include <cstdint>
#include <string>

#include "tokenizer/vocab.h"

namespace qforge {

Vocab import_llama2c_vocab(const std::string& path, std::int32_t vocab_size);

}  // namespace qforge
