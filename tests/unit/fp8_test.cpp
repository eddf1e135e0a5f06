#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/hf/fp8_config.h"
#include "quant/codecs/fp8.h"

namespace qforge {
namespace {

std::vector<float> random_matrix(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 0.05f);
    std::vector<float> w(static_cast<std::size_t>(rows * cols));
    for (float& x : w) x = d(rng);
    w[3] = 0.9f;  // an outlier in row 0
    return w;
}

// Each scale is its block's largest magnitude over 448, that element lands on +-448, and every value is the
// nearest E4M3 step: within half a step (1/16 of the value for normal codes, 2^-10 of the scale below them).
TEST(Fp8Codec, ScalesPerBlockAndRoundsToTheNearestStep) {
    const std::int64_t rows = 130, cols = 200;  // partial blocks on both sides
    const std::vector<float> w = random_matrix(rows, cols, 1);
    for (auto [br, bc] : {std::pair<std::int64_t, std::int64_t>{rows, cols}, {1, cols}, {128, 128}}) {
        const Fp8Matrix m = quantize_fp8(w.data(), rows, cols, br, bc);
        ASSERT_EQ(m.scales.size(), fp8_scale_count(rows, cols, br, bc));
        const std::int64_t grid_cols = (cols + bc - 1) / bc;
        for (std::size_t b = 0; b < m.scales.size(); ++b) {
            const std::int64_t r0 = static_cast<std::int64_t>(b) / grid_cols * br, c0 = static_cast<std::int64_t>(b) % grid_cols * bc;
            float amax = 0.0f;
            for (std::int64_t r = r0; r < std::min(rows, r0 + br); ++r)
                for (std::int64_t c = c0; c < std::min(cols, c0 + bc); ++c) amax = std::max(amax, std::fabs(w[r * cols + c]));
            EXPECT_EQ(m.scales[b], amax / 448.0f);
        }
        std::vector<float> back(w.size());
        dequantize_fp8_rows(m.q.data(), m.scales.data(), 0, rows, cols, br, bc, back.data());
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < cols; ++c) {
                const std::size_t i = static_cast<std::size_t>(r * cols + c);
                const float s = m.scales[static_cast<std::size_t>((r / br) * grid_cols + c / bc)];
                ASSERT_EQ(back[i], fp8_e4m3_to_fp32(m.q[i]) * s);
                ASSERT_LE(std::fabs(back[i] - w[i]), std::max(std::fabs(w[i]) / 16.0f, s / 1024.0f) * 1.0001f) << br << " " << i;
            }
        EXPECT_EQ(m.q[3], 0x7E);  // the outlier is its block's largest: 448 x scale
    }
    // rows [2, 5) alone decode as those rows of the whole
    const Fp8Matrix m = quantize_fp8(w.data(), rows, cols, 1, cols);
    std::vector<float> all(w.size()), part(static_cast<std::size_t>(3 * cols));
    dequantize_fp8_rows(m.q.data(), m.scales.data(), 0, rows, cols, 1, cols, all.data());
    dequantize_fp8_rows(m.q.data() + 2 * cols, m.scales.data(), 2, 5, cols, 1, cols, part.data());
    EXPECT_TRUE(std::equal(part.begin(), part.end(), all.begin() + 2 * cols));
}

TEST(Fp8Codec, AllZeroBlockKeepsZeros) {
    const std::vector<float> w(64, 0.0f);
    const Fp8Matrix m = quantize_fp8(w.data(), 4, 16, 1, 16);
    for (float s : m.scales) EXPECT_EQ(s, 1.0f);
    for (auto q : m.q) EXPECT_EQ(q, 0);
}

nlohmann::json with(const nlohmann::json& q) { return {{"quantization_config", q}}; }

// The three layouts as vLLM, AutoFP8, DeepSeek-V3 / Qwen3 and llm-compressor write them.
TEST(Fp8Config, ReadsVllmsFp8MethodAndCompressedTensors) {
    auto c = read_fp8_config(with({{"quant_method", "fp8"}, {"activation_scheme", "dynamic"}}), "d");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, Fp8Scheme::Tensor);
    EXPECT_FALSE(c->compressed_tensors);
    c = read_fp8_config(with({{"quant_method", "fp8"}, {"fmt", "e4m3"}, {"activation_scheme", "dynamic"}, {"weight_block_size", {128, 64}},
                              {"modules_to_not_convert", {"lm_head", "model.layers.0.mlp.down_proj"}}}),
                        "d");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, Fp8Scheme::Block);
    EXPECT_EQ(c->block_rows, 128);
    EXPECT_EQ(c->block_cols, 64);
    EXPECT_EQ(c->ignored.size(), 2u);
    EXPECT_EQ(c->describe(), "FP8 E4M3 128x64 blocks");
    Fp8Config channel;
    const nlohmann::json ct = fp8_config_json(channel);
    EXPECT_EQ(ct["quant_method"], "compressed-tensors");
    EXPECT_EQ(ct["config_groups"]["group_0"]["weights"]["strategy"], "channel");
    EXPECT_EQ(ct["config_groups"]["group_0"]["input_activations"]["strategy"], "token");
    EXPECT_EQ(ct["config_groups"]["group_0"]["input_activations"]["dynamic"], true);
    EXPECT_EQ(ct["ignore"], nlohmann::json({"lm_head"}));
    c = read_fp8_config(with(ct), "d");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->scheme, Fp8Scheme::Channel);
    EXPECT_TRUE(c->compressed_tensors);
    for (const Fp8Scheme s : {Fp8Scheme::Tensor, Fp8Scheme::Block}) {
        Fp8Config v;
        v.scheme = s;
        v.compressed_tensors = false;
        const auto back = read_fp8_config(with(fp8_config_json(v)), "d");
        ASSERT_TRUE(back);
        EXPECT_EQ(back->scheme, s);
        EXPECT_EQ(fp8_config_json(v)["activation_scheme"], "dynamic");
    }
    EXPECT_FALSE(read_fp8_config(with({{"quant_method", "gptq"}, {"bits", 4}}), "d"));
    EXPECT_FALSE(read_fp8_config(nlohmann::json::object(), "d"));
}

TEST(Fp8Config, RefusesWhatItCannotRead) {
    auto message = [](const nlohmann::json& q) {
        try {
            read_fp8_config(with(q), "dir");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message({{"quant_method", "fp8"}}).find("'activation_scheme' is missing"), std::string::npos);
    EXPECT_NE(message({{"quant_method", "fp8"}, {"activation_scheme", "dynamic"}, {"fmt", "e5m2"}}).find("'fmt' is 'e5m2'"), std::string::npos);
    EXPECT_NE(message({{"quant_method", "fp8"}, {"activation_scheme", "dynamic"}, {"weight_block_size", {128}}}).find("weight_block_size"),
              std::string::npos);
    const nlohmann::json int4 = {{"quant_method", "compressed-tensors"},
                                 {"format", "float-quantized"},
                                 {"config_groups", {{"g", {{"weights", {{"type", "int"}, {"num_bits", 4}}}}}}}};
    EXPECT_NE(message(int4).find("dir/config.json: quantization_config config_groups.g: weights of type 'int' with 4 bits"), std::string::npos)
        << message(int4);
}

}  // namespace
}  // namespace qforge
