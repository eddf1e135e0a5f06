#include "tokenizer/bpe_pre_tokenizers.h"

#include <array>

namespace qforge {
namespace {

constexpr std::array<KnownPreTokenizer, 3> kKnown = {{
    {"llama-bpe",
     "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
    {"qwen2",
     "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
    {"gpt-2", ""},
}};

}  // namespace

std::span<const KnownPreTokenizer> known_pre_tokenizers() { return kKnown; }

std::optional<nlohmann::json> pre_tokenizer_json(std::string_view name) {
    for (const KnownPreTokenizer& k : kKnown) {
        if (k.name != name) continue;
        if (k.regex.empty()) return nlohmann::json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
        return nlohmann::json{
            {"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "Split"}, {"pattern", {{"Regex", std::string(k.regex)}}}, {"behavior", "Isolated"}, {"invert", false}},
              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}};
    }
    return std::nullopt;
}

std::string known_pre_tokenizer_names() {
    std::string s;
    for (const KnownPreTokenizer& k : kKnown) s += (s.empty() ? "" : ", ") + std::string(k.name);
    return s;
}

}  // namespace qforge
