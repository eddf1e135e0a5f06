#include "tokenizer/token_heuristics.h"

namespace qforge {
namespace {
bool wrapped(std::string_view s, std::string_view open, std::string_view close) {
    return s.starts_with(open) && s.ends_with(close);  // overlapping ends count, as in Python
}
}  // namespace

bool token_looks_special(std::string_view t) {
    if (t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]") return true;
    return wrapped(t, "<|", "|>") || wrapped(t, "<\xef\xbd\x9c", "\xef\xbd\x9c>") || wrapped(t, "<unused", ">");
}

std::string replace_space_marker(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (std::size_t i = 0; i < token.size();) {
        if (token.substr(i, 3) == "\xe2\x96\x81") {
            out += ' ';
            i += 3;
        } else {
            out += token[i++];
        }
    }
    return out;
}

std::string add_space_marker(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (char c : text) {
        if (c == ' ') out += "\xe2\x96\x81";
        else out += c;
    }
    return out;
}

}  // namespace qforge
