#include "tokenizer/bpe_encoder.h"

#include <queue>
#include <string>

#include "tokenizer/symbol_chain.h"

namespace qforge {
namespace {

struct Bigram {
    int left, right;
    int rank;
    std::string text;
};

struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};

class Word {
public:
    Word(const VocabIndex& index, const std::string& word) : index_(index), word_(word) {}

    void merge(bool ignore_merges, std::vector<std::string>& pieces) {
        if (ignore_merges && index_.find(word_)) {
            pieces.push_back(word_);
            return;
        }
        symbols_ = utf8_symbols(word_);
        for (int k = 1; k < static_cast<int>(symbols_.size()); ++k) add(k - 1, k);
        while (!queue_.empty()) {
            const Bigram b = queue_.top();
            queue_.pop();
            Symbol& left = symbols_[static_cast<std::size_t>(b.left)];
            Symbol& right = symbols_[static_cast<std::size_t>(b.right)];
            if (left.len == 0 || right.len == 0) continue;
            if (word_.compare(left.begin, left.len + right.len, b.text) != 0 || left.begin + left.len != right.begin)
                continue;  // outdated
            merge_into_left(symbols_, b.left, b.right);
            add(left.prev, b.left);
            add(b.left, left.next);
        }
        for (const auto& s : symbols_)
            if (s.len > 0) pieces.push_back(word_.substr(s.begin, s.len));
    }

private:
    void add(int left, int right) {
        if (left == -1 || right == -1) return;
        const Symbol& l = symbols_[static_cast<std::size_t>(left)];
        const Symbol& r = symbols_[static_cast<std::size_t>(right)];
        const std::string_view lt = std::string_view(word_).substr(l.begin, l.len);
        const std::string_view rt = std::string_view(word_).substr(r.begin, r.len);
        const auto rank = index_.merge_rank(lt, rt);
        if (!rank) return;
        queue_.push({left, right, *rank, std::string(lt) + std::string(rt)});
    }

    const VocabIndex& index_;
    const std::string& word_;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void bpe_encode(const VocabIndex& index, const BpePretokenizer& pre, std::string_view text, std::vector<TokenId>& out) {
    std::vector<std::string> pieces;
    for (const auto& word : pre.split(text)) Word(index, word).merge(pre.ignore_merges(), pieces);
    for (const auto& p : pieces) {
        if (auto id = index.find(p)) {
            out.push_back(*id);
            continue;
        }
        for (char c : p)
            if (auto id = index.find(std::string(1, c))) out.push_back(*id);
    }
}

}  // namespace qforge
