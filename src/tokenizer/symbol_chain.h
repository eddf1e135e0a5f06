#pragma once
// The linked chain of symbols both merge-based encoders work on: one symbol per UTF-8 character at first,
// neighbours merged into the left one as pairs are chosen.
#include <cstddef>
#include <string_view>
#include <vector>

namespace qforge {

struct Symbol {
    int prev, next;  // -1 at the ends
    std::size_t begin, len;  // bytes of the text; len 0 once merged away
};

std::vector<Symbol> utf8_symbols(std::string_view text);
// Appends symbol `right` (the next one in the chain) to symbol `left` and unlinks it.
void merge_into_left(std::vector<Symbol>& symbols, int left, int right);

}  // namespace qforge
