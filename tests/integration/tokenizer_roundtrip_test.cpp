// Decoding is the exact inverse of encoding where the vocabulary allows it: byte-level BPE always, and
// SentencePiece with byte fallback up to the space it prefixes.
#include <gtest/gtest.h>

#include <algorithm>

#include "formats/gguf/gguf_file.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer.h"

namespace qforge {
namespace {

const char* kTexts[] = {"Hello world", "  leading and   inner spaces ", "tabs\tand\nnewlines\n\n", "Führer ½ 🦙.cpp",
                        "нещо на Бълг", "3333333 33 3", "ied 4 ½ months", "\xe1\x80\x80 burmese", ""};

Tokenizer load(const char* vocab) {
    GgufFile f(test::fixture(std::string("vocab/ggml-vocab-") + vocab + ".gguf"));
    return Tokenizer::from_gguf(f.metadata(), f.path());
}

TEST(TokenizerRoundTrip, ByteLevelBpeIsLossless) {
    for (const char* v : {"gpt-2", "falcon", "deepseek-llm"}) {
        const Tokenizer tok = load(v);
        for (const char* t : kTexts) EXPECT_EQ(tok.decode(tok.encode(t, false, false)), t) << v;
    }
}

TEST(TokenizerRoundTrip, SentencePieceKeepsEverythingButThePrefixSpace) {
    const Tokenizer tok = load("llama-spm");
    for (const char* t : kTexts) {
        if (*t == '\0') continue;
        EXPECT_EQ(tok.decode(tok.encode(t, false, false)), std::string(" ") + t);
    }
}

TEST(Tokenizer, SpecialTokensAndBos) {
    const Tokenizer tok = load("llama-spm");
    const auto with_bos = tok.encode("Hello", true, false);
    ASSERT_GE(with_bos.size(), 2u);
    EXPECT_EQ(with_bos[0], 1);
    EXPECT_TRUE(tok.encode("", true, false) == std::vector<TokenId>{1});
    // "</s>" in the text is a control token only when special tokens are parsed
    const auto parsed = tok.encode("a</s>b", false, true);
    EXPECT_NE(std::find(parsed.begin(), parsed.end(), 2), parsed.end());
    const auto literal = tok.encode("a</s>b", false, false);
    EXPECT_EQ(std::find(literal.begin(), literal.end(), 2), literal.end());
    EXPECT_EQ(tok.piece(2), "");
    EXPECT_EQ(tok.piece(2, true), "</s>");
    EXPECT_EQ(tok.piece(3 + 0x41), "A");  // byte token <0x41>
}

}  // namespace
}  // namespace qforge
