#pragma once
// Pre-tokenization of byte-level BPE vocabularies: llama.cpp's regex list for each tokenizer.ggml.pre value,
// applied in sequence (each regex splits the pieces of the previous one; text between matches stays a piece),
// then every piece mapped to GPT-2 byte symbols. Regexes run in PCRE2 with Unicode properties.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qforge {

class BpePretokenizer {
public:
    // Throws for unknown names, listing the known ones.
    explicit BpePretokenizer(const std::string& pre_name);
    ~BpePretokenizer();
    BpePretokenizer(const BpePretokenizer&) = delete;
    BpePretokenizer& operator=(const BpePretokenizer&) = delete;

    // Pieces of `text`, each already in byte-level symbols.
    std::vector<std::string> split(std::string_view text) const;
    // llama3-style vocabularies look a whole piece up before merging.
    bool ignore_merges() const { return ignore_merges_; }

    static std::vector<std::string> regexes_for(const std::string& pre_name);

private:
    struct Compiled;
    std::vector<std::unique_ptr<Compiled>> regexes_;
    bool ignore_merges_ = false;
};

}  // namespace qforge
