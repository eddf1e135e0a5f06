#include "tokenizer/spm_encoder.h"

#include <queue>
#include <string>

#include <fmt/format.h>

#include "core/error.h"
#include "tokenizer/symbol_chain.h"

namespace qforge {
namespace {

struct Bigram {
    int left, right;
    float score;
    std::size_t size;
};

struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

class Session {
public:
    Session(const VocabIndex& index, std::string_view text) : index_(index), text_(text) {}

    void run(std::vector<TokenId>& out) {
        symbols_ = utf8_symbols(text_);
        for (int k = 1; k < static_cast<int>(symbols_.size()); ++k) try_add(k - 1, k);
        while (!queue_.empty()) {
            const Bigram b = queue_.top();
            queue_.pop();
            Symbol& left = symbols_[static_cast<std::size_t>(b.left)];
            Symbol& right = symbols_[static_cast<std::size_t>(b.right)];
            if (left.len == 0 || right.len == 0 || left.len + right.len != b.size) continue;
            merge_into_left(symbols_, b.left, b.right);
            try_add(left.prev, b.left);
            try_add(b.left, left.next);
        }
        if (symbols_.empty()) return;
        for (int k = 0; k != -1; k = symbols_[static_cast<std::size_t>(k)].next) resegment(symbols_[static_cast<std::size_t>(k)], out);
    }

private:
    std::string_view piece(const Symbol& s) const { return text_.substr(s.begin, s.len); }

    void try_add(int left, int right) {
        if (left == -1 || right == -1) return;
        const Symbol& l = symbols_[static_cast<std::size_t>(left)];
        const Symbol& r = symbols_[static_cast<std::size_t>(right)];
        const std::string_view joined = text_.substr(l.begin, l.len + r.len);
        const auto id = index_.find(joined);
        if (!id) return;
        queue_.push({left, right, index_.score(*id), joined.size()});
    }

    // Every merge forms a token, so a piece that is not a token is a single unmerged character: emit its bytes.
    void resegment(const Symbol& s, std::vector<TokenId>& out) {
        const std::string_view text = piece(s);
        if (auto id = index_.find(text)) {
            out.push_back(*id);
            return;
        }
        for (char c : text) out.push_back(byte_token(static_cast<std::uint8_t>(c)));
    }

    TokenId byte_token(std::uint8_t b) const {
        if (auto id = index_.find(fmt::format("<0x{:02X}>", b))) return *id;
        if (auto id = index_.find(std::string(1, static_cast<char>(b)))) return *id;
        fail("tokenizer: byte 0x{:02X} has no token (no <0x{:02X}> byte-fallback token in the vocabulary)", b, b);
    }

    const VocabIndex& index_;
    std::string_view text_;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void spm_encode(const VocabIndex& index, std::string_view text, std::vector<TokenId>& out) {
    Session(index, text).run(out);
}

}  // namespace qforge
