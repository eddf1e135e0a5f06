#pragma once
// Lookup tables over a Vocab that the encoders share: token text -> id, and BPE merge ranks.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tokenizer/vocab.h"

namespace qforge {

using TokenId = std::int32_t;

class VocabIndex {
public:
    explicit VocabIndex(const Vocab& vocab);
    const Vocab& vocab() const { return vocab_; }
    std::optional<TokenId> find(std::string_view text) const;
    // Rank of merging `left` and `right` (lower merges first); nullopt when the pair is not a merge.
    std::optional<int> merge_rank(std::string_view left, std::string_view right) const;
    float score(TokenId id) const { return vocab_.scores.empty() ? 0.0f : vocab_.scores[static_cast<std::size_t>(id)]; }
    TokenType type(TokenId id) const { return vocab_.types[static_cast<std::size_t>(id)]; }
    std::size_t size() const { return vocab_.tokens.size(); }

private:
    const Vocab& vocab_;
    std::unordered_map<std::string, TokenId> ids_;
    std::unordered_map<std::string, int> ranks_;  // "left right"
};

}  // namespace qforge
