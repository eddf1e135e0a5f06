#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "tokenizer/bpe_encoder.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/spm_encoder.h"
#include "tokenizer/token_heuristics.h"

namespace qforge {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

Tokenizer::Tokenizer(Vocab vocab, const std::string& model_name) : vocab_(std::make_unique<Vocab>(std::move(vocab))) {
    if (vocab_->tokens.empty()) fail("tokenizer: the vocabulary is empty");
    if (vocab_->types.size() != vocab_->tokens.size()) vocab_->types.assign(vocab_->tokens.size(), TokenType::Normal);
    if (vocab_->model == "llama") {
        spm_ = true;
        if (vocab_->scores.size() != vocab_->tokens.size())
            fail("tokenizer: a SentencePiece vocabulary needs one score per token");
        add_space_prefix_ = vocab_->add_space_prefix.value_or(true);
    } else if (vocab_->model == "gpt2") {
        pre_ = std::make_unique<BpePretokenizer>(vocab_->pre.value_or("default"));
    } else {
        fail("tokenizer: model '{}' is not supported (expected 'llama' or 'gpt2')", vocab_->model);
    }
    index_ = std::make_unique<VocabIndex>(*vocab_);
    const std::string name = lower(model_name);
    const bool phi3 = name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos;
    splitter_ = std::make_unique<SpecialSplitter>(*index_, phi3);
}

Tokenizer Tokenizer::from_gguf(const GgufMetadata& m, const std::string& where) {
    return Tokenizer(read_vocab_metadata(m, where), m.get_string("general.name").value_or(""));
}

std::optional<TokenId> Tokenizer::bos() const {
    if (auto id = vocab_->special_id("bos")) return static_cast<TokenId>(*id);
    return std::nullopt;
}

std::optional<TokenId> Tokenizer::eos() const {
    if (auto id = vocab_->special_id("eos")) return static_cast<TokenId>(*id);
    return std::nullopt;
}

bool Tokenizer::adds_bos() const { return vocab_->add_flag("bos").value_or(spm_) && bos().has_value(); }

bool Tokenizer::is_end_of_generation(TokenId id) const {
    if (auto e = eos(); e && *e == id) return true;
    const std::string& t = vocab_->tokens[static_cast<std::size_t>(id)];
    return vocab_->types[static_cast<std::size_t>(id)] == TokenType::Control &&
           (t == "<|eot_id|>" || t == "<|im_end|>" || t == "<|end|>" || t == "<|endoftext|>" || t == "<end_of_turn>");
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
    std::vector<TokenId> out;
    const bool add_bos = add_special && adds_bos();
    const bool add_eos = add_special && vocab_->add_flag("eos").value_or(false) && eos().has_value();
    if (add_bos) out.push_back(*bos());
    bool prev_special = true;  // SentencePiece: prefix a space at the start and after special tokens
    for (const auto& f : splitter_->split(text, parse_special)) {
        if (f.token >= 0) {
            out.push_back(f.token);
            prev_special = true;
            continue;
        }
        if (spm_) {
            std::string t = add_space_prefix_ && prev_special ? " " : "";
            t.append(f.text);
            spm_encode(*index_, add_space_marker(t), out);
        } else {
            bpe_encode(*index_, *pre_, f.text, out);
        }
        prev_special = false;
    }
    if (add_eos) out.push_back(*eos());
    return out;
}

std::string Tokenizer::piece(TokenId id, bool special) const {
    if (id < 0 || static_cast<std::size_t>(id) >= size()) fail("tokenizer: token id {} is outside the vocabulary ({} tokens)", id, size());
    const std::string& text = vocab_->tokens[static_cast<std::size_t>(id)];
    switch (vocab_->types[static_cast<std::size_t>(id)]) {
        case TokenType::Control:
        case TokenType::Unknown:
            return special ? text : std::string();
        case TokenType::UserDefined:
            return text;
        case TokenType::Normal:
            if (spm_) return replace_space_marker(text);
            return unicode_to_bytes(text).value_or(text);
        case TokenType::Byte:
            if (spm_ && text.size() == 6 && text.starts_with("<0x"))
                return std::string(1, static_cast<char>(std::stoi(text.substr(3, 2), nullptr, 16)));
            return unicode_to_bytes(text).value_or(text);
        case TokenType::Unused:
            break;
    }
    return std::string();
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids, bool special) const {
    std::string out;
    for (TokenId id : ids) out += piece(id, special);
    return out;
}

}  // namespace qforge
