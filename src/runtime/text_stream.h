#pragma once
// Generated tokens turned into text as they come, for streaming: a token's bytes may end inside a UTF-8
// character (byte-fallback and byte-level BPE vocabularies split characters over tokens), so the bytes of an
// unfinished character wait for the next token. With stop strings, text that could still become the start of
// one is held back too, and the stream ends at the first stop string (which is not part of the output), as
// OpenAI's and llama-server's `stop` do.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace qforge {

class TextStream {
public:
    explicit TextStream(const Tokenizer& tokenizer, std::vector<std::string> stop = {});
    // The text that may be sent now (possibly empty).
    std::string add(std::int32_t token);
    // At the end: whatever is held back (an unfinished character's bytes included).
    std::string flush();
    // A stop string was found: nothing more is emitted.
    bool stopped() const { return stopped_; }
    // Everything emitted so far plus what is held.
    const std::string& text() const { return text_; }

private:
    std::string release(bool final);
    const Tokenizer& tokenizer_;
    std::vector<std::string> stop_;
    std::string text_;         // all text, emitted or held
    std::size_t emitted_ = 0;  // bytes of text_ already returned
    bool stopped_ = false;
};

// Bytes at the end of s that start a UTF-8 character not yet complete (0 when s ends on a boundary).
std::size_t incomplete_utf8_tail(const std::string& s);

}  // namespace qforge
