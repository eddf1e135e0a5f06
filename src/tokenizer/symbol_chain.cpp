#include "tokenizer/symbol_chain.h"

#include <algorithm>
#include <cstdint>

#include "tokenizer/utf8_text.h"

namespace qforge {

std::vector<Symbol> utf8_symbols(std::string_view text) {
    std::vector<Symbol> symbols;
    int i = 0;
    for (std::size_t offset = 0; offset < text.size(); ++i) {
        const std::size_t len =
            std::min(utf8_sequence_length(static_cast<std::uint8_t>(text[offset])), text.size() - offset);
        symbols.push_back({i - 1, offset + len == text.size() ? -1 : i + 1, offset, len});
        offset += len;
    }
    return symbols;
}

void merge_into_left(std::vector<Symbol>& s, int left, int right) {
    Symbol& l = s[static_cast<std::size_t>(left)];
    Symbol& r = s[static_cast<std::size_t>(right)];
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) s[static_cast<std::size_t>(r.next)].prev = left;
}

}  // namespace qforge
