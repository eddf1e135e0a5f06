// llama.cpp's tokenizer test vocabularies: every input of each .inp file tokenizes to exactly the ids of the
// matching line of its .out file (what llama.cpp's test-tokenizer-0 expects: no BOS, no special parsing).
#include <gtest/gtest.h>

#include <sstream>

#include <sentencepiece_processor.h>

#include "formats/gguf/gguf_file.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "tokenizer/bpe_json_import.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/hf_tokenizer_export.h"
#include "tokenizer/spm_import.h"
#include "tokenizer/tokenizer.h"

namespace qforge {
namespace {

std::vector<std::string> split_inputs(const std::string& text) {
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto at = text.find(sep, start);
        if (at == std::string::npos) break;
        parts.push_back(text.substr(start, at - start));
        start = at + sep.size();
    }
    return parts;
}

std::vector<std::vector<TokenId>> read_outputs(const std::string& text) {
    std::vector<std::vector<TokenId>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::vector<TokenId> ids;
        TokenId id;
        while (ls >> id) ids.push_back(id);
        rows.push_back(ids);
    }
    return rows;
}

class VocabFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabFixture, MatchesLlamaCppsExpectedTokens) {
    const std::string base = std::string("vocab/ggml-vocab-") + GetParam() + ".gguf";
    GgufFile f(test::fixture(base));
    const Tokenizer tok = Tokenizer::from_gguf(f.metadata(), f.path());
    const auto inputs = split_inputs(test::read_file_bytes(test::fixture(base + ".inp")));
    const auto expected = read_outputs(test::read_file_bytes(test::fixture(base + ".out")));
    ASSERT_EQ(inputs.size(), expected.size());
    ASSERT_GT(inputs.size(), 20u);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto ids = tok.encode(inputs[i], false, false);
        EXPECT_EQ(ids, expected[i]) << "input " << i << ": '" << inputs[i] << "'";
    }
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, VocabFixture,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "falcon", "mpt", "starcoder", "refact",
                                           "deepseek-coder", "deepseek-llm"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

// A GGUF vocabulary written as Hugging Face tokenizer files (tokenizer.model or tokenizer.json, tokenizer_config.json)
// and config.json's special ids, then imported again as llama.cpp's converter reads them: the same
// tokenizer.ggml.* values, so the same tokens for every test input.
class ExportedVocab : public ::testing::TestWithParam<const char*> {};

TEST_P(ExportedVocab, ImportsBackToTheSameTokenizer) {
    const std::string base = std::string("vocab/ggml-vocab-") + GetParam() + ".gguf";
    GgufFile f(test::fixture(base));
    const Vocab original = read_vocab_metadata(f.metadata(), f.path());
    test::TempDir dir;
    for (const auto& [name, contents] : hf_tokenizer_files(original)) dir.write(name, contents);
    nlohmann::json config = nlohmann::json::object();
    set_special_token_ids(original, config);
    dir.write("config.json", config.dump());
    const auto n = static_cast<std::int64_t>(original.tokens.size());
    const Vocab back = original.model == "llama" ? import_sentencepiece_vocab(dir.path(), n)
                                                 : import_bpe_json_vocab(dir.path(), n, std::nullopt);
    // (phi-3's file pads with [PADn] tokens typed unknown, as an older converter did; SentencePiece holds one
    // unknown piece, so the padding comes back unused, as today's converter types it)
    Vocab expected_vocab = original;
    for (std::size_t i = 0; i < expected_vocab.types.size(); ++i)
        if (expected_vocab.types[i] == TokenType::Unknown && i != original.special_id("unk").value_or(0)) expected_vocab.types[i] = TokenType::Unused;
    GgufMetadata a, b;
    write_vocab_metadata(expected_vocab, a);
    write_vocab_metadata(back, b);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a.items()[i].first, b.items()[i].first);
        EXPECT_TRUE(a.items()[i].second == b.items()[i].second) << a.items()[i].first;
    }
    const Tokenizer tok = Tokenizer::from_gguf(b, dir.path());
    const auto inputs = split_inputs(test::read_file_bytes(test::fixture(base + ".inp")));
    const auto expected = read_outputs(test::read_file_bytes(test::fixture(base + ".out")));
    for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(tok.encode(inputs[i], false, false), expected[i]) << "input " << i;
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, ExportedVocab, ::testing::Values("llama-spm", "phi-3", "gpt-2"), [](const auto& info) {
    std::string n = info.param;
    for (char& c : n)
        if (c == '-') c = '_';
    return n;
});

// libsentencepiece itself loads the tokenizer.model written from llama.cpp's Llama vocabulary and agrees with
// llama.cpp's expected tokens on the test inputs (its own encoder, with the dummy prefix the model asks for).
TEST(ExportedVocab, SentencePieceLoadsTheWrittenModel) {
    GgufFile f(test::fixture("vocab/ggml-vocab-llama-spm.gguf"));
    const Vocab v = read_vocab_metadata(f.metadata(), f.path());
    std::string model;
    for (const auto& [name, contents] : hf_tokenizer_files(v))
        if (name == "tokenizer.model") model = contents;
    sentencepiece::SentencePieceProcessor sp;
    ASSERT_TRUE(sp.LoadFromSerializedProto(model).ok());
    EXPECT_EQ(sp.GetPieceSize(), static_cast<int>(v.tokens.size()));
    EXPECT_EQ(sp.bos_id(), 1);
    EXPECT_EQ(sp.eos_id(), 2);
    EXPECT_EQ(sp.unk_id(), 0);
    const auto inputs = split_inputs(test::read_file_bytes(test::fixture("vocab/ggml-vocab-llama-spm.gguf.inp")));
    const auto expected = read_outputs(test::read_file_bytes(test::fixture("vocab/ggml-vocab-llama-spm.gguf.out")));
    std::size_t agreed = 0, compared = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].empty()) continue;
        std::vector<int> ids;
        ASSERT_TRUE(sp.Encode(inputs[i], &ids).ok());
        ++compared;
        agreed += std::vector<TokenId>(ids.begin(), ids.end()) == expected[i] ? 1 : 0;
    }
    // SentencePiece and llama.cpp part only on runs of spaces (SentencePiece's BPE merges them by score; llama.cpp
    // keeps the first split): every other input agrees
    EXPECT_GE(agreed + 4, compared) << agreed << " of " << compared;
}

}  // namespace
}  // namespace qforge
