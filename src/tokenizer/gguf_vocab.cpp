#include "tokenizer/gguf_vocab.h"

#include <map>

#include "core/error.h"

namespace qforge {
namespace {

const std::map<std::string, std::string>& special_keys() {
    static const std::map<std::string, std::string> keys = {
        {"bos", "tokenizer.ggml.bos_token_id"},       {"eos", "tokenizer.ggml.eos_token_id"},
        {"unk", "tokenizer.ggml.unknown_token_id"},   {"sep", "tokenizer.ggml.seperator_token_id"},
        {"pad", "tokenizer.ggml.padding_token_id"},   {"cls", "tokenizer.ggml.cls_token_id"},
        {"mask", "tokenizer.ggml.mask_token_id"},
    };
    return keys;
}

std::string special_key(const std::string& kind) {
    auto it = special_keys().find(kind);
    if (it == special_keys().end()) fail("unknown special token kind '{}'", kind);
    return it->second;
}

}  // namespace

void write_vocab_metadata(const Vocab& vocab, GgufMetadata& m) {
    m.set("tokenizer.ggml.model", GgufValue::make(vocab.model));
    if (vocab.pre) m.set("tokenizer.ggml.pre", GgufValue::make(*vocab.pre));
    m.set("tokenizer.ggml.tokens", GgufValue::make(GgufArray::of_strings(vocab.tokens)));
    if (!vocab.scores.empty()) m.set("tokenizer.ggml.scores", GgufValue::make(GgufArray::of_f32(vocab.scores)));
    std::vector<std::int32_t> types;
    types.reserve(vocab.types.size());
    for (auto t : vocab.types) types.push_back(static_cast<std::int32_t>(t));
    m.set("tokenizer.ggml.token_type", GgufValue::make(GgufArray::of_i32(types)));
    if (!vocab.merges.empty()) m.set("tokenizer.ggml.merges", GgufValue::make(GgufArray::of_strings(vocab.merges)));
    for (const auto& [kind, id] : vocab.special_ids) m.set(special_key(kind), GgufValue::make(id));
    for (const auto& [kind, on] : vocab.add_special) m.set("tokenizer.ggml.add_" + kind + "_token", GgufValue::make(on));
    if (vocab.chat_template) m.set("tokenizer.chat_template", GgufValue::make(*vocab.chat_template));
}

Vocab read_vocab_metadata(const GgufMetadata& m, const std::string& where) {
    Vocab v;
    const auto model = m.get_string("tokenizer.ggml.model");
    if (!model) fail("{}: no tokenizer (metadata key 'tokenizer.ggml.model' is missing)", where);
    v.model = *model;
    v.pre = m.get_string("tokenizer.ggml.pre");
    const GgufValue* tokens = m.find("tokenizer.ggml.tokens");
    if (tokens == nullptr) fail("{}: metadata key 'tokenizer.ggml.tokens' is missing", where);
    const auto& ta = tokens->as_array("tokenizer.ggml.tokens");
    if (ta.elem != GgufType::STRING) fail("{}: 'tokenizer.ggml.tokens' must be an array of strings", where);
    v.tokens = ta.strings;
    const std::size_t n = v.tokens.size();
    if (const GgufValue* s = m.find("tokenizer.ggml.scores")) {
        const auto& a = s->as_array("tokenizer.ggml.scores");
        if (a.elem != GgufType::F32 || a.size() != n)
            fail("{}: 'tokenizer.ggml.scores' must hold {} f32 values", where, n);
        v.scores.resize(n);
        for (std::size_t i = 0; i < n; ++i) v.scores[i] = a.at<float>(i);
    }
    v.types.assign(n, TokenType::Normal);
    if (const GgufValue* t = m.find("tokenizer.ggml.token_type")) {
        const auto& a = t->as_array("tokenizer.ggml.token_type");
        if (a.elem != GgufType::I32 || a.size() != n)
            fail("{}: 'tokenizer.ggml.token_type' must hold {} i32 values", where, n);
        for (std::size_t i = 0; i < n; ++i) v.types[i] = static_cast<TokenType>(a.at<std::int32_t>(i));
    }
    if (const GgufValue* mg = m.find("tokenizer.ggml.merges")) {
        const auto& a = mg->as_array("tokenizer.ggml.merges");
        if (a.elem != GgufType::STRING) fail("{}: 'tokenizer.ggml.merges' must be an array of strings", where);
        v.merges = a.strings;
    }
    for (const char* kind : {"bos", "eos", "unk", "sep", "pad", "cls", "mask"}) {  // gguf-py's order
        if (auto id = m.get_int(special_key(kind)); id && *id >= 0 && static_cast<std::uint64_t>(*id) < n)
            v.special_ids.emplace_back(kind, static_cast<std::uint32_t>(*id));
    }
    for (const char* kind : {"bos", "eos"})
        if (auto flag = m.get_bool(std::string("tokenizer.ggml.add_") + kind + "_token")) v.add_special.emplace_back(kind, *flag);
    v.add_space_prefix = m.get_bool("tokenizer.ggml.add_space_prefix");
    v.chat_template = m.get_string("tokenizer.chat_template");
    return v;
}

}  // namespace qforge
