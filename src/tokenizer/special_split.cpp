#include "tokenizer/special_split.h"

#include <algorithm>
#include <cctype>

namespace qforge {

SpecialSplitter::SpecialSplitter(const VocabIndex& index, bool rstrip_specials) : index_(index), rstrip_(rstrip_specials) {
    for (std::size_t i = 0; i < index.size(); ++i) {
        const auto t = index.type(static_cast<TokenId>(i));
        if (t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown)
            specials_.push_back(static_cast<TokenId>(i));
    }
    std::stable_sort(specials_.begin(), specials_.end(), [&](TokenId a, TokenId b) {
        return index.vocab().tokens[static_cast<std::size_t>(a)].size() > index.vocab().tokens[static_cast<std::size_t>(b)].size();
    });
}

std::vector<TextFragment> SpecialSplitter::split(std::string_view text, bool parse_special) const {
    std::vector<TextFragment> fragments;
    if (text.empty()) return fragments;
    fragments.push_back({-1, text});
    for (TokenId id : specials_) {
        const auto type = index_.type(id);
        if (!parse_special && (type == TokenType::Control || type == TokenType::Unknown)) continue;
        const std::string& special = index_.vocab().tokens[static_cast<std::size_t>(id)];
        if (special.empty()) continue;
        // phi-3: every special but <unk>, <s> and <|endoftext|> eats the spaces that follow it
        const bool rstrip = rstrip_ && special != "<unk>" && special != "<s>" && special != "<|endoftext|>";
        std::vector<TextFragment> next;
        for (const auto& f : fragments) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            std::string_view rest = f.text;
            while (true) {
                const auto at = rest.find(special);
                if (at == std::string_view::npos) {
                    if (!rest.empty()) next.push_back({-1, rest});
                    break;
                }
                if (at > 0) next.push_back({-1, rest.substr(0, at)});
                next.push_back({id, {}});
                rest = rest.substr(at + special.size());
                if (rstrip)
                    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
            }
        }
        fragments = std::move(next);
    }
    return fragments;
}

}  // namespace qforge
