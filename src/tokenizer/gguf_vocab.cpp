#include "tokenizer/gguf_vocab.h"

#include <map>

#include "core/error.h"

namespace qforge {
namespace {

std::string special_key(const std::string& kind) {
    static const std::map<std::string, std::string> keys = {
        {"bos", "tokenizer.ggml.bos_token_id"},       {"eos", "tokenizer.ggml.eos_token_id"},
        {"unk", "tokenizer.ggml.unknown_token_id"},   {"sep", "tokenizer.ggml.seperator_token_id"},
        {"pad", "tokenizer.ggml.padding_token_id"},   {"cls", "tokenizer.ggml.cls_token_id"},
        {"mask", "tokenizer.ggml.mask_token_id"},
    };
    auto it = keys.find(kind);
    if (it == keys.end()) fail("unknown special token kind '{}'", kind);
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

}  // namespace qforge
