#pragma once
// A model's tokenizer, built from its GGUF metadata: SentencePiece-style ("llama") or byte-level BPE ("gpt2"),
// encoding and decoding exactly as llama.cpp does.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/gguf/gguf_metadata.h"
#include "tokenizer/bpe_pretokenizer.h"
#include "tokenizer/special_split.h"
#include "tokenizer/vocab.h"
#include "tokenizer/vocab_index.h"

namespace qforge {

class Tokenizer {
public:
    // `model_name` is general.name (llama.cpp keys a few token attributes on it).
    Tokenizer(Vocab vocab, const std::string& model_name);
    static Tokenizer from_gguf(const GgufMetadata& metadata, const std::string& where);

    // add_special: BOS/EOS as the vocabulary asks; parse_special: control tokens written in the text count.
    std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;
    // The bytes a token stands for; control tokens give nothing unless `special`.
    std::string piece(TokenId id, bool special = false) const;
    std::string decode(const std::vector<TokenId>& ids, bool special = false) const;

    std::size_t size() const { return vocab_->tokens.size(); }
    std::optional<TokenId> bos() const;
    std::optional<TokenId> eos() const;
    bool adds_bos() const;
    bool is_end_of_generation(TokenId id) const;
    const Vocab& vocab() const { return *vocab_; }

private:
    std::unique_ptr<Vocab> vocab_;  // stable address for index_
    std::unique_ptr<VocabIndex> index_;
    std::unique_ptr<BpePretokenizer> pre_;
    std::unique_ptr<SpecialSplitter> splitter_;
    bool spm_ = false;
    bool add_space_prefix_ = true;
};

}  // namespace qforge
