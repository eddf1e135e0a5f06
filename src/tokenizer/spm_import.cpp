#include "tokenizer/spm_import.h"

#include <filesystem>

#include <fmt/format.h>
#include <sentencepiece_processor.h>

#include "core/error.h"
#include "formats/hf/json_file.h"
#include "tokenizer/hf_special_tokens.h"
#include "tokenizer/token_heuristics.h"

namespace qforge {
namespace fs = std::filesystem;

Vocab import_sentencepiece_vocab(const std::string& dir, std::optional<std::int64_t> vocab_size) {
    const std::string model_path = (fs::path(dir) / "tokenizer.model").string();
    sentencepiece::SentencePieceProcessor sp;
    const auto status = sp.Load(model_path);
    if (!status.ok()) fail("{}: not a SentencePiece model: {}", model_path, status.ToString());

    const std::int64_t sp_size = sp.GetPieceSize();
    const std::int64_t n = vocab_size.value_or(sp_size);
    if (n <= 0 || n > (1 << 24)) fail("{}: vocab_size {} is out of range", model_path, n);
    Vocab v;
    v.model = "llama";
    v.pre = "default";
    v.tokens.resize(static_cast<std::size_t>(n));
    v.scores.assign(static_cast<std::size_t>(n), -10000.0f);
    v.types.assign(static_cast<std::size_t>(n), TokenType::Unused);
    for (std::int64_t i = 0; i < n; ++i) v.tokens[i] = fmt::format("[PAD{}]", i);
    for (int id = 0; id < sp_size && id < n; ++id) {
        v.tokens[id] = sp.IdToPiece(id);
        v.scores[id] = sp.GetScore(id);
        TokenType t = TokenType::Normal;
        if (sp.IsUnknown(id)) t = TokenType::Unknown;
        else if (sp.IsControl(id)) t = TokenType::Control;
        else if (sp.IsUnused(id)) t = TokenType::Unused;
        else if (sp.IsByte(id)) t = TokenType::Byte;
        v.types[id] = t;
    }
    if (sp_size > n)
        fail("{}: SentencePiece model has {} pieces but config.json's vocab_size is {}", model_path, sp_size, n);

    const fs::path added = fs::path(dir) / "added_tokens.json";
    if (fs::exists(added)) {
        const auto j = read_json_file(added.string());
        if (!j.is_object()) fail("{}: expected an object of token -> id", added.string());
        for (const auto& [text, id] : j.items()) {
            if (!id.is_number_integer()) fail("{}: id of '{}' must be an integer", added.string(), text);
            const auto i = id.get<std::int64_t>();
            if (i < 0 || i >= n) continue;  // outside the vocabulary: llama.cpp ignores it with a warning
            v.tokens[i] = text;
            v.scores[i] = -1000.0f;
            v.types[i] = TokenType::UserDefined;
        }
    }
    const fs::path config = fs::path(dir) / "tokenizer_config.json";
    if (fs::exists(config)) {
        const auto j = read_json_file(config.string());
        if (j.is_object() && j.contains("added_tokens_decoder") && j["added_tokens_decoder"].is_object()) {
            for (const auto& [key, data] : j["added_tokens_decoder"].items()) {
                std::int64_t i;
                try {
                    i = std::stoll(key);
                } catch (const std::exception&) {
                    fail("{}: added_tokens_decoder key '{}' is not a token id", config.string(), key);
                }
                if (!data.is_object() || !data.contains("content") || !data["content"].is_string())
                    fail("{}: added_tokens_decoder entry {} lacks a string 'content'", config.string(), key);
                if (i < 0 || i >= n) continue;
                std::string text = data["content"].get<std::string>();
                const bool special = json_bool(data, "special", config.string()).value_or(false);
                if (special || token_looks_special(text)) {
                    v.types[i] = TokenType::Control;
                } else {
                    text = replace_space_marker(text);
                    v.types[i] = TokenType::UserDefined;
                }
                v.scores[i] = -1000.0f;
                v.tokens[i] = text;
            }
        }
    }
    load_hf_special_tokens(dir, v);
    return v;
}

}  // namespace qforge
