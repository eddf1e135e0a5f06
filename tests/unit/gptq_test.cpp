// The GPTQ solver on a synthetic layer whose inputs have correlated, unevenly scaled channels (as real
// activations do): it keeps the layer's output closer to the original than round-to-nearest on the same grid,
// and its bookkeeping (levels, scales, zeros, g_idx, dead columns, act-order) is consistent.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include "core/error.h"
#include "core/tensor_type.h"
#include "core/thread_pool.h"
#include "quant/codecs/codec_table.h"
#include "quant/methods/gptq.h"

namespace qforge {
namespace {

struct Layer {
    std::int64_t rows = 48, cols = 128, samples = 512;
    std::vector<float> w, x;
};

Layer make_layer(unsigned seed, std::int64_t cols = 128) {
    Layer l;
    l.cols = cols;
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 1.0f);
    l.w.resize(static_cast<std::size_t>(l.rows * l.cols));
    for (auto& v : l.w) v = n(rng) * 0.05f;
    // inputs: a few shared factors plus noise, channel scales from 0.1 to 3
    const int factors = 8;
    std::vector<float> mix(static_cast<std::size_t>(factors * l.cols));
    for (auto& v : mix) v = n(rng);
    l.x.resize(static_cast<std::size_t>(l.samples * l.cols));
    for (std::int64_t s = 0; s < l.samples; ++s) {
        float f[factors];
        for (auto& v : f) v = n(rng);
        for (std::int64_t c = 0; c < l.cols; ++c) {
            float v = 0.3f * n(rng);
            for (int k = 0; k < factors; ++k) v += f[k] * mix[static_cast<std::size_t>(k * l.cols + c)];
            l.x[static_cast<std::size_t>(s * l.cols + c)] = v * (0.1f + 2.9f * static_cast<float>(c % 7) / 6.0f);
        }
    }
    return l;
}

// || (W - Q) X^T ||^2 over the samples
double output_error(const Layer& l, const std::vector<float>& q) {
    double e = 0;
    for (std::int64_t s = 0; s < l.samples; ++s)
        for (std::int64_t r = 0; r < l.rows; ++r) {
            double d = 0;
            for (std::int64_t c = 0; c < l.cols; ++c)
                d += (static_cast<double>(l.w[r * l.cols + c]) - q[r * l.cols + c]) * l.x[s * l.cols + c];
            e += d * d;
        }
    return e;
}

HessianAccumulator hessian(const Layer& l) {
    HessianAccumulator h(l.cols);
    for (std::int64_t s = 0; s < l.samples; s += 100) h.add(l.x.data() + s * l.cols, std::min<std::int64_t>(100, l.samples - s));
    return h;
}

class GptqBeatsRtn : public ::testing::TestWithParam<std::tuple<int, int, bool, bool>> {};

TEST_P(GptqBeatsRtn, LowerOutputErrorOnTheSameGrid) {
    const auto [bits, group, act_order, symmetric] = GetParam();
    const Layer l = make_layer(5);
    const HessianAccumulator h = hessian(l);
    GptqOptions o;
    o.bits = bits;
    o.group_size = group;
    o.act_order = act_order;
    o.symmetric = symmetric;
    const GptqResult g = gptq_quantize(l.w.data(), l.rows, l.cols, h.matrix(), o);
    const GptqResult r = rtn_quantize(l.w.data(), l.rows, l.cols, o);
    const double eg = output_error(l, g.dequantized), er = output_error(l, r.dequantized);
    EXPECT_LT(eg, 0.8 * er) << bits << " bits, group " << group << (act_order ? ", act-order" : "");
    // what the levels, scales and zeros say is what the dequantized weights are
    const std::int64_t groups = group == -1 ? 1 : l.cols / group;
    for (std::int64_t row = 0; row < l.rows; ++row)
        for (std::int64_t c = 0; c < l.cols; ++c) {
            const auto gi = g.g_idx[static_cast<std::size_t>(c)];
            ASSERT_GE(gi, 0);
            ASSERT_LT(gi, groups);
            const float scale = g.scales[static_cast<std::size_t>(row * groups + gi)];
            const float zero = g.zeros[static_cast<std::size_t>(row * groups + gi)];
            const int q = g.q[static_cast<std::size_t>(row * l.cols + c)];
            ASSERT_LT(q, 1 << bits);
            EXPECT_EQ(g.dequantized[static_cast<std::size_t>(row * l.cols + c)], scale * (static_cast<float>(q) - zero));
        }
}

INSTANTIATE_TEST_SUITE_P(Grids, GptqBeatsRtn,
                         ::testing::Values(std::tuple{4, 32, false, false}, std::tuple{3, 32, false, false},
                                           std::tuple{4, -1, false, true}, std::tuple{4, 32, true, false},
                                           std::tuple{2, 64, true, false}, std::tuple{8, 128, false, true}));

class GptqGgufGrid : public ::testing::TestWithParam<TensorType> {};

// On a GGUF grid (element by element, or codebook groups of 8) the result is standard blocks: ggml's dequantizer reads back exactly what GPTQ computed with,
// and the layer's output is closer than ggml's own round-to-nearest quantizer makes it.
TEST_P(GptqGgufGrid, BlocksDequantizeToTheSolutionAndBeatRoundToNearest) {
    const TensorType type = GetParam();
    const Layer l = make_layer(17, 512);
    GptqOptions o;
    o.gguf_type = type;
    const GptqResult g = gptq_quantize(l.w.data(), l.rows, l.cols, hessian(l).matrix(), o);
    const std::vector<std::uint8_t>& blocks = g.blocks;
    ASSERT_EQ(blocks.size(), *bytes_for(type, static_cast<std::uint64_t>(l.rows * l.cols)));
    std::vector<float> read(static_cast<std::size_t>(l.rows * l.cols));
    dequantize_row(type, blocks.data(), read.data(), l.rows * l.cols);
    EXPECT_EQ(read, g.dequantized);
    // ggml's quantizer without and with importance (the Hessian's diagonal is what an imatrix holds)
    const HessianAccumulator h = hessian(l);
    std::vector<float> diag(static_cast<std::size_t>(l.cols));
    for (std::int64_t c = 0; c < l.cols; ++c) diag[static_cast<std::size_t>(c)] = static_cast<float>(h.matrix()[static_cast<std::size_t>(c * l.cols + c)]);
    // IQ2_XXS, IQ2_XS and IQ1_S do not quantize without importance
    const bool needs_importance = type == TensorType::IQ2_XXS || type == TensorType::IQ2_XS || type == TensorType::IQ1_S;
    for (const float* importance : {static_cast<const float*>(nullptr), static_cast<const float*>(diag.data())}) {
        if (needs_importance && importance == nullptr) continue;
        std::vector<std::uint8_t> rtn_blocks(blocks.size());
        const std::size_t row_bytes = blocks.size() / static_cast<std::size_t>(l.rows);
        for (std::int64_t r = 0; r < l.rows; ++r)
            quantize_row(type, l.w.data() + r * l.cols, rtn_blocks.data() + r * row_bytes, l.cols, importance);
        std::vector<float> rtn(read.size());
        dequantize_row(type, rtn_blocks.data(), rtn.data(), l.rows * l.cols);
        const double eg = output_error(l, g.dequantized), er = output_error(l, rtn);
        EXPECT_LT(eg, 0.9 * er) << type_name(type) << (importance ? " with importance" : "");
    }
}

INSTANTIATE_TEST_SUITE_P(Types, GptqGgufGrid,
                         ::testing::Values(TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                           TensorType::Q8_0, TensorType::IQ4_NL, TensorType::Q2_K, TensorType::Q3_K,
                                           TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS,
                                           TensorType::IQ2_XXS, TensorType::IQ2_XS, TensorType::IQ2_S, TensorType::IQ3_XXS,
                                           TensorType::IQ3_S, TensorType::IQ1_S, TensorType::IQ1_M),
                         [](const auto& info) { return std::string(type_name(info.param)); });

TEST(Gptq, ActOrderGroupsAreEqualSizedButNotContiguous) {
    const Layer l = make_layer(9);
    GptqOptions o;
    o.group_size = 32;
    o.act_order = true;
    const GptqResult g = gptq_quantize(l.w.data(), l.rows, l.cols, hessian(l).matrix(), o);
    std::vector<int> per_group(4, 0);
    bool monotonic = true;
    for (std::int64_t c = 0; c < l.cols; ++c) {
        ++per_group[static_cast<std::size_t>(g.g_idx[static_cast<std::size_t>(c)])];
        if (c > 0 && g.g_idx[static_cast<std::size_t>(c)] < g.g_idx[static_cast<std::size_t>(c - 1)]) monotonic = false;
    }
    EXPECT_EQ(per_group, (std::vector<int>{32, 32, 32, 32}));
    EXPECT_FALSE(monotonic);
    o.static_groups = true;  // groups then follow the original columns
    const GptqResult s = gptq_quantize(l.w.data(), l.rows, l.cols, hessian(l).matrix(), o);
    for (std::int64_t c = 0; c < l.cols; ++c) EXPECT_EQ(s.g_idx[static_cast<std::size_t>(c)], c / 32);
}

TEST(Gptq, DeadInputsAreDroppedAndBadRequestsRefused) {
    Layer l = make_layer(3);
    for (std::int64_t s = 0; s < l.samples; ++s) l.x[static_cast<std::size_t>(s * l.cols + 5)] = 0;  // input 5 never fires
    GptqOptions o;
    o.group_size = 32;
    const GptqResult g = gptq_quantize(l.w.data(), l.rows, l.cols, hessian(l).matrix(), o);
    for (std::int64_t r = 0; r < l.rows; ++r) EXPECT_EQ(g.dequantized[static_cast<std::size_t>(r * l.cols + 5)], 0.0f);
    o.group_size = 48;  // does not divide 128
    EXPECT_THROW(gptq_quantize(l.w.data(), l.rows, l.cols, hessian(l).matrix(), o), Error);
    o.group_size = 32;
    o.bits = 9;
    EXPECT_THROW(rtn_quantize(l.w.data(), l.rows, l.cols, o), Error);
}

TEST(Gptq, HessianIsTwiceTheMeanOuterProduct) {
    HessianAccumulator h(2);
    const float x[] = {1, 2, 3, 4};
    h.add(x, 1);
    h.add(x + 2, 1);
    EXPECT_EQ(h.samples(), 2);
    // 2/2 * ([1,2]^T[1,2] + [3,4]^T[3,4]) = [[10, 14], [14, 20]]
    EXPECT_NEAR(h.matrix()[0], 10, 1e-12);
    EXPECT_NEAR(h.matrix()[1], 14, 1e-12);
    EXPECT_NEAR(h.matrix()[3], 20, 1e-12);
}

// The SIMD path (X^T X as a matrix product on the pool) holds to the double-precision reference.
TEST(Gptq, HessianMatrixProductPathMatchesTheReference) {
    const Layer l = make_layer(11);
    HessianAccumulator ref(l.cols), fast(l.cols);
    ThreadPool pool(2);
    for (std::int64_t s = 0; s < l.samples; s += 100) {
        const std::int64_t n = std::min<std::int64_t>(100, l.samples - s);
        ref.add(l.x.data() + s * l.cols, n);
        fast.add(l.x.data() + s * l.cols, n, &pool);
    }
    EXPECT_EQ(fast.samples(), ref.samples());
    double scale = 0;
    for (double v : ref.matrix()) scale = std::max(scale, std::fabs(v));
    for (std::size_t i = 0; i < ref.matrix().size(); ++i) ASSERT_NEAR(fast.matrix()[i], ref.matrix()[i], 1e-5 * scale) << i;
}

}  // namespace
}  // namespace qforge
