#pragma once
// The byte-level BPE pre-tokenizers qforge knows for certain: llama.cpp's name (tokenizer.ggml.pre) and the
// split regex tokenizer.json gives it. Read when importing a tokenizer.json (the regex names the pre-tokenizer)
// and when writing one from a GGUF (the name gives the regex). Only patterns known exactly are listed: a wrong
// name would silently change tokenization.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace qforge {

struct KnownPreTokenizer {
    std::string_view name;   // "llama-bpe"
    std::string_view regex;  // the Split pre-tokenizer's pattern; empty for GPT-2 (ByteLevel's own regex)
};
std::span<const KnownPreTokenizer> known_pre_tokenizers();

// tokenizer.json's "pre_tokenizer" object for a known name (a Split on the regex, then ByteLevel without its own
// regex; GPT-2: ByteLevel alone); nullopt for a name not in the table.
std::optional<nlohmann::json> pre_tokenizer_json(std::string_view name);
// "llama-bpe, qwen2, gpt-2", for error messages.
std::string known_pre_tokenizer_names();

}  // namespace qforge
