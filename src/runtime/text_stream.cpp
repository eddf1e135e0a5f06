#include "runtime/text_stream.h"

#include <algorithm>

namespace qforge {

std::size_t incomplete_utf8_tail(const std::string& s) {
    // look back over at most 3 continuation bytes for a lead byte whose character runs past the end
    const std::size_t n = s.size();
    for (std::size_t back = 1; back <= std::min<std::size_t>(4, n); ++back) {
        const auto c = static_cast<unsigned char>(s[n - back]);
        if ((c & 0xC0) == 0x80) continue;  // continuation
        const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return len > back ? back : 0;
    }
    return 0;
}

TextStream::TextStream(const Tokenizer& tokenizer, std::vector<std::string> stop) : tokenizer_(tokenizer), stop_(std::move(stop)) {
    std::erase_if(stop_, [](const std::string& s) { return s.empty(); });
}

std::string TextStream::add(std::int32_t token) {
    if (stopped_) return {};
    text_ += tokenizer_.piece(token);
    return release(false);
}

std::string TextStream::flush() { return stopped_ ? std::string() : release(true); }

std::string TextStream::release(bool final) {
    // the earliest stop string in what has not been emitted (a stop string may start in held-back text only)
    std::size_t cut = std::string::npos;
    for (const auto& s : stop_) {
        const std::size_t from = emitted_ >= s.size() ? emitted_ - s.size() + 1 : 0;
        const std::size_t at = text_.find(s, from);
        if (at != std::string::npos && at >= emitted_) cut = std::min(cut, at);
    }
    if (cut != std::string::npos) {
        stopped_ = true;
        text_.resize(cut);
        std::string out = text_.substr(emitted_);
        emitted_ = text_.size();
        return out;
    }
    std::size_t end = text_.size();
    if (!final) {
        end -= incomplete_utf8_tail(text_);
        // hold back a tail that a stop string could start with
        for (const auto& s : stop_)
            for (std::size_t k = std::min(s.size() - 1, end - std::min(end, emitted_)); k > 0; --k)
                if (text_.compare(end - k, k, s, 0, k) == 0) {
                    end -= k;
                    break;
                }
    }
    if (end <= emitted_) return {};
    std::string out = text_.substr(emitted_, end - emitted_);
    emitted_ = end;
    return out;
}

}  // namespace qforge
