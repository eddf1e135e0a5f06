#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/mlx_lm/mlx_config.h"
#include "quant/codecs/mlx_affine.h"

namespace qforge {
namespace {

// mlx's edge-preserving affine rule on one group of 32: min -0.5, max 1.0, the rest zero. The larger edge (1.0)
// is the bias with q = 0 there, the scale negative: (1.0 - -0.5) / 15 = 0.1, signed -0.1, q0 = rint(1.0 / -0.1)
// = -10, scale = 1.0 / -10; then -0.5 is level 15 and zero level 10, both exact.
TEST(MlxAffine, KeepsTheLargerEdgeAndZeroExact) {
    std::vector<float> w(32, 0.0f);
    w[0] = -0.5f;
    w[1] = 1.0f;
    const AffineGroups g = quantize_mlx_affine(w.data(), 1, 32, 4, 32);
    ASSERT_EQ(g.scales.size(), 1u);
    EXPECT_EQ(g.scales[0], 1.0f / -10.0f);
    EXPECT_EQ(g.biases[0], 1.0f);
    EXPECT_EQ(g.q[0], 15);
    EXPECT_EQ(g.q[1], 0);
    for (int i = 2; i < 32; ++i) EXPECT_EQ(g.q[static_cast<std::size_t>(i)], 10);
    std::vector<float> back(32);
    dequantize_mlx_affine_rows(g.q.data(), g.scales.data(), g.biases.data(), 0, 1, 32, 32, TensorType::F32, back.data());
    EXPECT_FLOAT_EQ(back[0], -0.5f);
    EXPECT_EQ(back[1], 1.0f);
    EXPECT_NEAR(back[2], 0.0f, 1e-7f);
    // the min is the edge when it is the larger magnitude: positive scale, bias = min
    w[0] = -1.0f;
    w[1] = 0.5f;
    const AffineGroups h = quantize_mlx_affine(w.data(), 1, 32, 4, 32);
    EXPECT_GT(h.scales[0], 0.0f);
    EXPECT_EQ(h.biases[0], -1.0f);
    EXPECT_EQ(h.q[0], 0);
}

TEST(MlxAffine, AllZeroGroupAndF16Dequantization) {
    const std::vector<float> zeros(64, 0.0f);
    const AffineGroups z = quantize_mlx_affine(zeros.data(), 1, 64, 3, 64);
    EXPECT_EQ(z.scales[0], -1e-7f);
    EXPECT_EQ(z.biases[0], 0.0f);
    for (auto q : z.q) EXPECT_EQ(q, 0);
    // in f16, scale * q is rounded before the bias is added, as mlx computes in the scales' dtype
    const std::uint8_t q[1] = {3};
    const float s = fp16_to_fp32(fp32_to_fp16(0.3333f)), b = fp16_to_fp32(fp32_to_fp16(0.0001f));
    float out = 0.0f;
    dequantize_mlx_affine_rows(q, &s, &b, 0, 1, 1, 1, TensorType::F16, &out);
    EXPECT_EQ(out, fp16_to_fp32(fp32_to_fp16(fp16_to_fp32(fp32_to_fp16(s * 3.0f)) + b)));
}

// Every value lands on its nearest level: within half a step, or clamped at the end of the grid (refitting the
// scale to keep zero exact can push the far edge past the last level, as in mlx).
TEST(MlxAffine, WithinHalfAStep) {
    std::vector<float> w(4 * 128);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(static_cast<float>(i) * 0.37f) * (1.0f + static_cast<float>(i % 7));
    for (int bits : {2, 3, 4, 5, 6, 8})
        for (int group : {32, 64, 128}) {
            const AffineGroups g = quantize_mlx_affine(w.data(), 4, 128, bits, group);
            std::vector<float> back(w.size());
            dequantize_mlx_affine_rows(g.q.data(), g.scales.data(), g.biases.data(), 0, 4, 128, group, TensorType::F32, back.data());
            for (std::size_t i = 0; i < w.size(); ++i) {
                const float s = std::fabs(g.scales[(i / 128) * static_cast<std::size_t>(128 / group) + (i % 128) / static_cast<std::size_t>(group)]);
                const bool clamped = g.q[i] == 0 || g.q[i] == (1 << bits) - 1;
                if (!clamped) ASSERT_LE(std::fabs(back[i] - w[i]), s * 0.5001f + 1e-6f) << bits << " " << group << " " << i;
            }
        }
}

TEST(MlxConfig, ReadsGlobalAndPerModuleGrids) {
    const nlohmann::json c = {{"quantization",
                               {{"group_size", 64},
                                {"bits", 3},
                                {"mode", "affine"},
                                {"lm_head", {{"group_size", 64}, {"bits", 6}, {"mode", "affine"}}},
                                {"model.layers.0.mlp.down_proj", {{"group_size", nullptr}, {"bits", 6}}},
                                {"model.layers.1.mlp.gate", false}}}};
    const auto q = read_mlx_quantization(c, "d");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->global, (MlxGrid{3, 64}));
    EXPECT_EQ(q->grid_of("lm_head"), (MlxGrid{6, 64}));
    EXPECT_EQ(q->grid_of("model.layers.0.mlp.down_proj"), (MlxGrid{6, 64}));  // a null group size is 64
    EXPECT_EQ(q->grid_of("model.layers.0.mlp.up_proj"), (MlxGrid{3, 64}));
    EXPECT_EQ(q->excluded.count("model.layers.1.mlp.gate"), 1u);
    EXPECT_EQ(q->describe(), "MLX affine INT3 g64, mixed");
    const auto back = read_mlx_quantization({{"quantization", mlx_quantization_json(*q)}}, "d");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->overrides, q->overrides);
    EXPECT_EQ(back->excluded, q->excluded);
    EXPECT_FALSE(read_mlx_quantization({{"quantization_config", {{"quant_method", "gptq"}}}}, "d"));
}

TEST(MlxConfig, RefusesOtherModesAndGrids) {
    auto message = [](const nlohmann::json& q) {
        try {
            read_mlx_quantization({{"quantization", q}}, "dir");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message({{"group_size", 32}, {"bits", 4}, {"mode", "mxfp4"}}).find("mode \"mxfp4\""), std::string::npos);
    EXPECT_NE(message({{"group_size", 32}, {"bits", 7}}).find("dir/config.json: quantization: 'bits' is 7"), std::string::npos);
    EXPECT_NE(message({{"group_size", 48}, {"bits", 4}}).find("'group_size' is 48"), std::string::npos);
    EXPECT_NE(message({{"bits", 4}}).find("'bits' and 'group_size' are required"), std::string::npos);
    EXPECT_NE(message({{"group_size", 32}, {"bits", 4}, {"lm_head", 3}}).find("entry 'lm_head' must be an object or a boolean"),
              std::string::npos);
}

}  // namespace
}  // namespace qforge
