// qforge quantize against llama-quantize on pydoc6m-f32.gguf, with --pure (every 2-D tensor in one type) and
// with llama.cpp's per-tensor mixes: the whole file (metadata order, tensor order, every block) is
// byte-identical.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <cstring>

#include "convert/quantize_gguf.h"
#include "core/error.h"
#include "formats/imatrix/imatrix_data.h"
#include "quant/codecs/codec_table.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

struct QuantizeCase {
    const char* type;  // llama-quantize's name
    bool pure;
    const char* fixture;
};

class LlamaQuantize : public ::testing::TestWithParam<QuantizeCase> {};

TEST_P(LlamaQuantize, MatchesByteForByte) {
    const auto [type, pure, fixture] = GetParam();
    test::TempDir dir;
    GgufFile in(test::fixture("gguf/pydoc6m-f32.gguf"));
    QuantizeOptions o;
    o.type = type;
    o.pure = pure;
    o.progress = false;
    const GgufPlan plan = plan_quantize(in, o).plan;
    write_gguf_plan(dir.file("out.gguf"), plan.metadata, plan.tensors, false);
    GgufFile ours(dir.file("out.gguf")), theirs(test::fixture(fixture));
    EXPECT_TRUE(ours.metadata() == theirs.metadata());
    ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
    for (std::size_t i = 0; i < ours.tensors().size(); ++i) {
        const auto& a = ours.tensors()[i];
        const auto& b = theirs.tensors()[i];
        ASSERT_EQ(a.name, b.name);
        ASSERT_EQ(a.type, b.type) << a.name;
        ASSERT_EQ(a.data.size(), b.data.size());
        EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size()), 0) << a.name;
    }
    EXPECT_TRUE(test::read_file_bytes(dir.file("out.gguf")) == test::read_file_bytes(test::fixture(fixture)));
}

// With --pure, llama-quantize's K mixes put every tensor in the mix's base type (the file type says the mix).
INSTANTIATE_TEST_SUITE_P(Pure, LlamaQuantize,
                         ::testing::Values(QuantizeCase{"Q4_0", true, "gguf/pydoc6m-pure-q4_0.gguf"},
                                           QuantizeCase{"Q4_1", true, "gguf/pydoc6m-pure-q4_1.gguf"},
                                           QuantizeCase{"Q5_0", true, "gguf/pydoc6m-pure-q5_0.gguf"},
                                           QuantizeCase{"Q5_1", true, "gguf/pydoc6m-pure-q5_1.gguf"},
                                           QuantizeCase{"Q8_0", true, "gguf/pydoc6m-pure-q8_0.gguf"},
                                           QuantizeCase{"Q2_K", true, "gguf/pydoc6m-pure-q2_k.gguf"},
                                           QuantizeCase{"Q3_K_M", true, "gguf/pydoc6m-pure-q3_k.gguf"},
                                           QuantizeCase{"Q4_K_M", true, "gguf/pydoc6m-pure-q4_k.gguf"},
                                           QuantizeCase{"Q5_K_M", true, "gguf/pydoc6m-pure-q5_k.gguf"},
                                           QuantizeCase{"Q6_K", true, "gguf/pydoc6m-pure-q6_k.gguf"},
                                           QuantizeCase{"IQ4_NL", true, "gguf/pydoc6m-pure-iq4_nl.gguf"},
                                           QuantizeCase{"IQ4_XS", true, "gguf/pydoc6m-pure-iq4_xs.gguf"}),
                         [](const auto& info) { return std::string(info.param.type); });

INSTANTIATE_TEST_SUITE_P(Mix, LlamaQuantize,
                         ::testing::Values(QuantizeCase{"Q2_K", false, "gguf/pydoc6m-q2_k.gguf"},
                                           QuantizeCase{"Q3_K_M", false, "gguf/pydoc6m-q3_k_m.gguf"},
                                           QuantizeCase{"Q4_K_M", false, "gguf/pydoc6m-q4_k_m.gguf"}),
                         [](const auto& info) { return std::string(info.param.type); });

// Share of identical blocks per tensor (the 99.9 % rule, should float rounding ever make rare blocks
// differ); every tensor here is in fact identical.
double identical_block_share(const TensorView& a, const TensorView& b) {
    const std::size_t block = traits(a.type).type_size;
    std::size_t same = 0, total = a.data.size() / block;
    for (std::size_t i = 0; i < total; ++i) same += std::memcmp(a.data.data() + i * block, b.data.data() + i * block, block) == 0;
    return total == 0 ? 1.0 : static_cast<double>(same) / static_cast<double>(total);
}

class ImatrixQuantize : public ::testing::TestWithParam<QuantizeCase> {};

// llama-quantize --imatrix pydoc6m.imatrix: same types, same blocks; the metadata differs only in the imatrix
// path recorded in quantize.imatrix.file (llama.cpp records the path as typed).
TEST_P(ImatrixQuantize, MatchesLlamaQuantizeWithImatrix) {
    const auto [type, pure, fixture] = GetParam();
    test::TempDir dir;
    GgufFile in(test::fixture("gguf/pydoc6m-f32.gguf"));
    QuantizeOptions o;
    o.type = type;
    o.pure = pure;
    o.progress = false;
    o.imatrix_path = test::fixture("gguf/pydoc6m.imatrix");
    o.imatrix = std::make_shared<const Imatrix>(read_imatrix(o.imatrix_path));
    const QuantizePlan q = plan_quantize(in, o);
    EXPECT_EQ(q.fallbacks, 0);
    write_gguf_plan(dir.file("out.gguf"), q.plan.metadata, q.plan.tensors, false, 2);
    GgufFile ours(dir.file("out.gguf")), theirs(test::fixture(fixture));
    GgufMetadata a = ours.metadata(), b = theirs.metadata();
    EXPECT_EQ(a.get_string("quantize.imatrix.file"), o.imatrix_path);
    a.set("quantize.imatrix.file", GgufValue::make<std::string>("path"));
    b.set("quantize.imatrix.file", GgufValue::make<std::string>("path"));
    EXPECT_TRUE(a == b);
    ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
    for (std::size_t i = 0; i < ours.tensors().size(); ++i) {
        const auto& x = ours.tensors()[i];
        const auto& y = theirs.tensors()[i];
        ASSERT_EQ(x.name, y.name);
        ASSERT_EQ(x.type, y.type) << x.name;
        ASSERT_EQ(x.data.size(), y.data.size());
        const double share = identical_block_share(x, y);
        EXPECT_GE(share, 0.999) << x.name;
        if (share < 1.0) std::printf("%s: %.4f%% of blocks identical\n", x.name.c_str(), 100.0 * share);
    }
}

INSTANTIATE_TEST_SUITE_P(Mix, ImatrixQuantize,
                         ::testing::Values(QuantizeCase{"Q2_K", false, "gguf/pydoc6m-q2_k-imatrix.gguf"},
                                           QuantizeCase{"Q3_K_M", false, "gguf/pydoc6m-q3_k_m-imatrix.gguf"},
                                           QuantizeCase{"Q4_K_M", false, "gguf/pydoc6m-q4_k_m-imatrix.gguf"}),
                         [](const auto& info) { return std::string(info.param.type); });

TEST(Quantize, RefusesBadRequests) {
    GgufFile in(test::fixture("gguf/pydoc6m-f32.gguf"));
    QuantizeOptions o;
    o.type = "Q4_K";
    o.pure = true;
    EXPECT_THROW(plan_quantize(in, o), Error);  // not a llama-quantize type name
    o.type = "Q4_K_M";
    EXPECT_NO_THROW(plan_quantize(in, o));
    GgufFile q(test::fixture("gguf/pydoc6m-pure-q8_0.gguf"));
    o.type = "Q4_0";
    EXPECT_THROW(plan_quantize(q, o), Error);  // requantizing needs --allow-requantize
    o.allow_requantize = true;
    EXPECT_NO_THROW(plan_quantize(q, o));
}

// Within half a step, except at the far end of the symmetric types (Q4_0, Q5_0), whose grid reaches one step
// less on the side opposite the largest magnitude: there within one step.
TEST(LegacyCodecs, DequantizeInvertsQuantizeWithinAStep) {
    std::vector<float> x(256), y(256);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * (1.0f + static_cast<float>(i % 7));
    for (TensorType t : {TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::Q8_0}) {
        std::vector<std::uint8_t> q(*bytes_for(t, x.size()));
        quantize_row(t, x.data(), q.data(), 256);
        dequantize_row(t, q.data(), y.data(), 256);
        const int bits = t == TensorType::Q8_0 ? 8 : (t == TensorType::Q5_0 || t == TensorType::Q5_1) ? 5 : 4;
        for (std::size_t b = 0; b < 8; ++b) {
            float lo = x[b * 32], hi = x[b * 32];
            for (int j = 0; j < 32; ++j) {
                lo = std::min(lo, x[b * 32 + j]);
                hi = std::max(hi, x[b * 32 + j]);
            }
            const float step = 2.0f * std::max(std::fabs(lo), std::fabs(hi)) / static_cast<float>((1 << bits) - 1);
            for (int j = 0; j < 32; ++j)
                EXPECT_NEAR(y[b * 32 + j], x[b * 32 + j], step * 1.01f + 1e-3f) << type_name(t);
        }
    }
}

}  // namespace
}  // namespace qforge
