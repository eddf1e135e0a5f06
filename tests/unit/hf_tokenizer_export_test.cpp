#include <gtest/gtest.h>

#include <limits>

#include "core/error.h"
#include "model/hf_config_from_gguf.h"
#include "tokenizer/hf_tokenizer_export.h"
#include "tokenizer/spm_model_writer.h"

namespace qforge {
namespace {

Vocab tiny_spm() {
    Vocab v;
    v.model = "llama";
    v.tokens = {"<unk>", "<s>", "a"};
    v.scores = {0.0f, 0.0f, -1.5f};
    v.types = {TokenType::Unknown, TokenType::Control, TokenType::Normal};
    v.special_ids = {{"bos", 1}, {"unk", 0}};
    return v;
}

// The wire bytes of sentencepiece_model.proto's ModelProto, worked out by hand: field 1 (pieces: piece 1, score 2
// as fixed32, type 3 omitted for NORMAL), field 2 (trainer_spec: model_type 3 = BPE, vocab_size 4, unk/bos/eos/pad
// ids 40..43 with -1 as a ten-byte varint, unk and bos pieces 45, 46), field 3 (normalizer_spec: name 1,
// add_dummy_prefix 3, remove_extra_whitespaces 4).
TEST(SpmModelWriter, WritesTheModelProtoWireFormat) {
    const std::string got = sentencepiece_model_bytes(tiny_spm());
    std::string want;
    want += std::string("\x0a\x0e\x0a\x05<unk>\x15\x00\x00\x00\x00\x18\x02", 16);
    want += std::string("\x0a\x0c\x0a\x03<s>\x15\x00\x00\x00\x00\x18\x03", 14);
    want += std::string("\x0a\x08\x0a\x01" "a" "\x15\x00\x00\xc0\xbf", 10);  // -1.5f = 0xbfc00000
    const std::string minus_one("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
    std::string trainer = std::string("\x18\x02\x20\x03", 4) + std::string("\xc0\x02\x00", 3) + std::string("\xc8\x02\x01", 3) +
                          std::string("\xd0\x02", 2) + minus_one + std::string("\xd8\x02", 2) + minus_one +
                          std::string("\xea\x02\x05<unk>", 8) + std::string("\xf2\x02\x03<s>", 6);
    want += std::string("\x12", 1) + static_cast<char>(trainer.size()) + trainer;
    const std::string normalizer = std::string("\x0a\x08identity\x18\x01\x20\x00", 14);
    want += std::string("\x1a", 1) + static_cast<char>(normalizer.size()) + normalizer;
    EXPECT_EQ(got, want);
}

TEST(SpmModelWriter, RefusesWhatSentencePieceCannotHold) {
    Vocab v = tiny_spm();
    v.types[0] = TokenType::Normal;
    v.special_ids = {};
    EXPECT_THROW(sentencepiece_model_bytes(v), Error);  // no unknown piece
    v = tiny_spm();
    v.tokens[2] = "<s>";
    try {
        sentencepiece_model_bytes(v);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("token 2 ('<s>') appears twice"), std::string::npos) << e.what();
    }
}

TEST(HfTokenizerExport, UnknownPreTokenizerIsRefusedByName) {
    Vocab v;
    v.model = "gpt2";
    v.pre = "deepseek-coder";
    v.tokens = {"a"};
    v.types = {TokenType::Normal};
    try {
        hf_tokenizer_files(v);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("tokenizer.ggml.pre 'deepseek-coder'"), std::string::npos) << e.what();
    }
    v.model = "bert";
    EXPECT_THROW(hf_tokenizer_files(v), Error);
}

TEST(HfConfigFromGguf, FloatsAreTheirShortestDecimal) {
    EXPECT_EQ(json_f32(1e-5f).dump(), "1e-05");
    EXPECT_EQ(json_f32(1e-6f).dump(), "1e-06");
    EXPECT_EQ(json_f32(10000.0f).dump(), "10000.0");
    EXPECT_EQ(json_f32(500000.0f).dump(), "500000.0");
    EXPECT_EQ(json_f32(50.0f).dump(), "50.0");
    EXPECT_EQ(json_f32(1.0177778f).dump(), "1.0177778");
    for (const float x : {0.1f, 3.4028235e38f, 1.17549435e-38f, 0.33333334f})
        EXPECT_EQ(static_cast<float>(json_f32(x).get<double>()), x) << json_f32(x).dump();
    EXPECT_THROW(json_f32(std::numeric_limits<float>::infinity()), Error);
}

}  // namespace
}  // namespace qforge
