#include "tokenizer/vocab_index.h"

namespace qforge {

VocabIndex::VocabIndex(const Vocab& vocab) : vocab_(vocab) {
    ids_.reserve(vocab.tokens.size());
    for (std::size_t i = 0; i < vocab.tokens.size(); ++i) ids_.emplace(vocab.tokens[i], static_cast<TokenId>(i));
    ranks_.reserve(vocab.merges.size());
    for (std::size_t i = 0; i < vocab.merges.size(); ++i) ranks_.emplace(vocab.merges[i], static_cast<int>(i));
}

std::optional<TokenId> VocabIndex::find(std::string_view text) const {
    auto it = ids_.find(std::string(text));
    if (it == ids_.end()) return std::nullopt;
    return it->second;
}

std::optional<int> VocabIndex::merge_rank(std::string_view left, std::string_view right) const {
    std::string key;
    key.reserve(left.size() + 1 + right.size());
    key.append(left).append(" ").append(right);
    auto it = ranks_.find(key);
    if (it == ranks_.end()) return std::nullopt;
    return it->second;
}

}  // namespace qforge
