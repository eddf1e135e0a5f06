// llama.cpp's tokenizer test vocabularies: every input of each .inp file tokenizes to exactly the ids of the
// matching line of its .out file (what llama.cpp's test-tokenizer-0 expects: no BOS, no special parsing).
#include <gtest/gtest.h>

#include <sstream>

#include "formats/gguf/gguf_file.h"
#include "support/fixtures.h"
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

}  // namespace
}  // namespace qforge
