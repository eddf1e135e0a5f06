#include <gtest/gtest.h>

#include "core/error.h"
#include "tokenizer/bpe_json_import.h"
#include "tokenizer/spm_import.h"
#include "tokenizer/token_heuristics.h"
#include "support/fixtures.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

TEST(TokenHeuristics, SpecialLookingTokens) {
    EXPECT_TRUE(token_looks_special("<|im_start|>"));
    EXPECT_TRUE(token_looks_special("<unused12>"));
    EXPECT_TRUE(token_looks_special("<pad>"));
    EXPECT_FALSE(token_looks_special("<s>"));
    EXPECT_FALSE(token_looks_special("hello"));
    EXPECT_EQ(replace_space_marker("\xe2\x96\x81hi\xe2\x96\x81"), " hi ");
}

TEST(PreTokenizer, RecognisesKnownRegexes) {
    const std::string llama3 =
        R"({"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}]})";
    EXPECT_EQ(recognise_pre_tokenizer(llama3), "llama-bpe");
    EXPECT_EQ(recognise_pre_tokenizer(R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":true})"), "gpt-2");
    EXPECT_FALSE(recognise_pre_tokenizer(R"({"type":"Whitespace"})").has_value());
}

TEST(BpeJsonImport, BuildsVocabMergesAndSpecialTokens) {
    test::TempDir dir;
    dir.write("tokenizer.json", R"({
      "added_tokens":[{"id":4,"content":"<|end|>","special":true,"normalized":false},
                      {"id":5,"content":"user\u2581word","special":false,"normalized":false}],
      "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
      "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"\u0120a":3},"merges":["a b",["\u0120","a"]]}})");
    dir.write("tokenizer_config.json", R"({"eos_token":"<|end|>","add_bos_token":false})");
    dir.write("config.json", R"({"bos_token_id":0,"eos_token_id":3})");
    const Vocab v = import_bpe_json_vocab(dir.path(), 8, std::nullopt);
    EXPECT_EQ(v.model, "gpt2");
    EXPECT_EQ(v.pre, "gpt-2");
    ASSERT_EQ(v.tokens.size(), 8u);
    EXPECT_EQ(v.tokens[3], "\xc4\xa0" "a");
    EXPECT_EQ(v.types[4], TokenType::Control);
    EXPECT_EQ(v.tokens[5], "user word");
    EXPECT_EQ(v.types[5], TokenType::UserDefined);
    EXPECT_EQ(v.tokens[7], "[PAD7]");
    EXPECT_EQ(v.types[7], TokenType::Unused);
    EXPECT_EQ(v.merges, (std::vector<std::string>{"a b", "\xc4\xa0 a"}));
    // eos from tokenizer_config.json wins over config.json; bos from config.json
    ASSERT_EQ(v.special_ids.size(), 2u);
    EXPECT_EQ(v.special_ids[0], (std::pair<std::string, std::uint32_t>{"eos", 4}));
    EXPECT_EQ(v.special_ids[1], (std::pair<std::string, std::uint32_t>{"bos", 0}));
    ASSERT_EQ(v.add_special.size(), 1u);
    EXPECT_EQ(v.add_special[0], (std::pair<std::string, bool>{"bos", false}));
}

TEST(BpeJsonImport, UnknownPreTokenizerNeedsAName) {
    test::TempDir dir;
    dir.write("tokenizer.json", R"({"pre_tokenizer":{"type":"Whitespace"},"model":{"type":"BPE","vocab":{"a":0},"merges":[]}})");
    EXPECT_THROW(import_bpe_json_vocab(dir.path(), std::nullopt, std::nullopt), Error);
    EXPECT_EQ(import_bpe_json_vocab(dir.path(), std::nullopt, std::string("qwen2")).pre, "qwen2");
}

TEST(SentencePieceImport, ReadsTheFixtureTokenizerModel) {
    test::TempDir dir;
    const std::string model = test::read_file_bytes(test::fixture("models/pydoc6m/tokenizer.model"));
    dir.write("tokenizer.model", model);
    dir.write("tokenizer_config.json", R"({"add_bos_token":true,"added_tokens_decoder":{"4100":{"content":"<|x|>"}}})");
    const Vocab v = import_sentencepiece_vocab(dir.path(), 4104);
    ASSERT_EQ(v.tokens.size(), 4104u);
    EXPECT_EQ(v.tokens[1], "<s>");
    EXPECT_EQ(v.types[0], TokenType::Unknown);
    EXPECT_EQ(v.types[3], TokenType::Byte);
    EXPECT_EQ(v.tokens[4096], "[PAD4096]");
    EXPECT_EQ(v.scores[4096], -10000.0f);
    EXPECT_EQ(v.tokens[4100], "<|x|>");
    EXPECT_EQ(v.types[4100], TokenType::Control);
    EXPECT_THROW(import_sentencepiece_vocab(dir.path(), 100), Error);
}

}  // namespace
}  // namespace qforge

namespace qforge {
namespace {

TEST(BpeJsonImport, EveryCraftedBadFileFailsWithItsReason) {
    test::TempDir dir;
    dir.write("tokenizer.json", test::valid_tokenizer_json());
    EXPECT_EQ(import_bpe_json_vocab(dir.path(), std::nullopt, std::string("gpt-2")).tokens.size(), 3u);
    test::expect_each_rejected(
        test::bad_tokenizer_json_inputs(), dir,
        [](const std::string& d) { import_bpe_json_vocab(d, std::nullopt, std::string("gpt-2")); }, "tokenizer.json");
}

}  // namespace
}  // namespace qforge
