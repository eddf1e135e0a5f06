#pragma once
// A tokenizer vocabulary as GGUF stores it (tokenizer.ggml.*), produced by the importers of tokenizer.model,
// tokenizer.json and llama2.c vocabularies.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qforge {

// llama.cpp's llama_token_type values.
enum class TokenType : std::int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct Vocab {
    std::string model;  // "llama" (SentencePiece) or "gpt2" (byte-level BPE)
    std::optional<std::string> pre;  // pre-tokenizer name ("default", "llama-bpe", "qwen2", ...)
    std::vector<std::string> tokens;
    std::vector<float> scores;  // empty for BPE vocabularies
    std::vector<TokenType> types;
    std::vector<std::string> merges;  // "a b" pairs, BPE only
    // Special token ids and add_*_token flags, in the order they are to be written.
    std::vector<std::pair<std::string, std::uint32_t>> special_ids;  // ("bos", 1), ("eos", 2), ...
    std::vector<std::pair<std::string, bool>> add_special;          // ("bos", true), ("eos", false)
    std::optional<std::string> chat_template;
    std::optional<bool> add_space_prefix;  // SentencePiece: prepend a space (default true)

    std::optional<std::uint32_t> special_id(const std::string& kind) const;
    std::optional<bool> add_flag(const std::string& kind) const;

    void set_special_id(const std::string& kind, std::int64_t id);  // first setting wins, like gguf-py
};

}  // namespace qforge
