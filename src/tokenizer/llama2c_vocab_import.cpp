#include "tokenizer/llama2c_vocab_import.h"

#include <cctype>

#include "formats/llama2c/llama2c_vocab.h"
#include "tokenizer/token_heuristics.h"

namespace qforge {
namespace {

bool is_byte_piece(const std::string& s) {
    // Matches what sscanf("<0x%02hhX>") accepts for llama2.c pieces: "<0x" followed by one or two hex digits.
    if (s.size() < 4 || s.compare(0, 3, "<0x") != 0) return false;
    return std::isxdigit(static_cast<unsigned char>(s[3])) != 0;
}

}  // namespace

Vocab import_llama2c_vocab(const std::string& path, std::int32_t vocab_size) {
    const auto raw = read_llama2c_vocab(path, vocab_size);
    Vocab v;
    v.model = "llama";
    for (std::size_t id = 0; id < raw.size(); ++id) {
        std::string text = raw[id].text;
        TokenType type = TokenType::Normal;
        if (id == 0) { text = "<unk>"; type = TokenType::Unknown; }
        else if (id == 1) { text = "<s>"; type = TokenType::Control; }
        else if (id == 2) { text = "</s>"; type = TokenType::Control; }
        else if (text.empty()) type = TokenType::Control;
        else if (is_byte_piece(text)) type = TokenType::Byte;
        v.tokens.push_back(add_space_marker(text));
        v.scores.push_back(raw[id].score);
        v.types.push_back(type);
    }
    v.special_ids = {{"unk", 0}, {"bos", 1}, {"eos", 2}, {"sep", 0xFFFFFFFFu}, {"pad", 0xFFFFFFFFu}};
    return v;
}

}  // namespace qforge
