#pragma once
// A llama2.c tokenizer file (tokenizer.bin, tok512.bin): max_token_length, then per token a float score,
// an int32 length and the bytes. The file does not store the count: the model's vocab_size gives it.
#include <cstdint>
#include <string>
#include <vector>

namespace qforge {

struct Llama2cToken {
    std::string text;
    float score = 0.0f;
};

std::vector<Llama2cToken> read_llama2c_vocab(const std::string& path, std::int32_t vocab_size);

}  // namespace qforge
