#pragma once
// Splits text around special tokens before encoding, as llama.cpp's tokenizer_st_partition does: longest
// special tokens first; user-defined tokens always split, control and unknown tokens only with parse_special.
#include <string_view>
#include <vector>

#include "tokenizer/vocab_index.h"

namespace qforge {

struct TextFragment {
    TokenId token = -1;      // >= 0: a special token
    std::string_view text;   // otherwise: raw text to encode
};

class SpecialSplitter {
public:
    SpecialSplitter(const VocabIndex& index, bool rstrip_specials);
    std::vector<TextFragment> split(std::string_view text, bool parse_special) const;

private:
    const VocabIndex& index_;
    std::vector<TokenId> specials_;  // longest text first
    bool rstrip_;                    // phi-3 vocabularies strip spaces after special tokens
};

}  // namespace qforge
