#include <gtest/gtest.h>

#include "core/error.h"
#include "formats/llama2c/llama2c_checkpoint.h"
#include "formats/llama2c/llama2c_vocab.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

TEST(Llama2c, ReadsTheStories260KCheckpoint) {
    Llama2cCheckpoint ck(test::fixture("models/stories260K/stories260K.bin"));
    const auto& c = ck.config();
    EXPECT_EQ(c.dim, 64);
    EXPECT_EQ(c.hidden_dim, 172);
    EXPECT_EQ(c.n_layers, 5);
    EXPECT_EQ(c.n_heads, 8);
    EXPECT_EQ(c.n_kv_heads, 4);
    EXPECT_EQ(c.vocab_size, 512);
    EXPECT_TRUE(c.shared_classifier);
    const TensorView* wk = ck.find("layers.4.attention.wk.weight");
    ASSERT_NE(wk, nullptr);
    EXPECT_EQ(wk->ne, (std::vector<std::int64_t>{64, 32}));
    EXPECT_TRUE(Llama2cCheckpoint::sniff(test::fixture("models/stories260K/stories260K.bin")));
}

TEST(Llama2c, ReadsItsVocabulary) {
    const auto v = read_llama2c_vocab(test::fixture("models/stories260K/tok512.bin"), 512);
    ASSERT_EQ(v.size(), 512u);
    EXPECT_EQ(v[3].text, "<0x00>");
    EXPECT_THROW(read_llama2c_vocab(test::fixture("models/stories260K/tok512.bin"), 511), Error);
    EXPECT_THROW(read_llama2c_vocab(test::fixture("models/stories260K/tok512.bin"), 600), Error);
}

TEST(Llama2c, EveryCraftedBadFileFailsWithItsReason) {
    test::TempDir dir;
    dir.write("ok.bin", test::valid_llama2c());
    EXPECT_NO_THROW(Llama2cCheckpoint{dir.file("ok.bin")});
    test::expect_each_rejected(test::bad_llama2c_inputs(), dir, [](const std::string& p) { Llama2cCheckpoint ck(p); });
}

}  // namespace
}  // namespace qforge
