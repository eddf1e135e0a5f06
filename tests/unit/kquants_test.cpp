// k-quant codecs: what dequantize gives back is close to what was quantized, for every type with and without
// importance weights, on rows with mixed magnitudes, all-zero and constant sub-blocks. (Byte-identity with
// llama-quantize is shown on real tensors by tests/integration/quantize_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/tensor_type.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/kquants.h"

namespace qforge {
namespace {

std::vector<float> test_row(std::size_t n) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = std::sin(0.731f * static_cast<float>(i)) * (0.2f + static_cast<float>((i * 7) % 13)) / 13.0f;
    for (std::size_t i = 256; i < 288 && i < n; ++i) x[i] = 0.0f;   // an all-zero sub-block
    for (std::size_t i = 320; i < 352 && i < n; ++i) x[i] = 0.25f;  // a constant one
    return x;
}

double relative_rmse(const std::vector<float>& x, const std::vector<float>& y) {
    double err = 0, ref = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        err += (x[i] - y[i]) * (x[i] - y[i]);
        ref += x[i] * x[i];
    }
    return std::sqrt(err / ref);
}

struct Case {
    TensorType type;
    double max_rel_rmse;  // generous bounds for 2..8 bits
};

class KQuantRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(KQuantRoundTrip, DequantizeIsCloseToInput) {
    const auto [type, bound] = GetParam();
    const std::vector<float> x = test_row(1024);
    std::vector<float> importance(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) importance[i] = 0.5f + static_cast<float>(i % 5);
    for (const float* imp : {static_cast<const float*>(nullptr), static_cast<const float*>(importance.data())}) {
        std::vector<std::uint8_t> q(*bytes_for(type, x.size()));
        std::vector<float> y(x.size());
        quantize_row(type, x.data(), q.data(), static_cast<std::int64_t>(x.size()), imp);
        dequantize_row(type, q.data(), y.data(), static_cast<std::int64_t>(x.size()));
        EXPECT_LT(relative_rmse(x, y), bound) << type_name(type) << (imp ? " with importance" : "");
        for (std::size_t i = 256; i < 288; ++i) EXPECT_EQ(y[i], 0.0f) << type_name(type) << " element " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(Types, KQuantRoundTrip,
                         ::testing::Values(Case{TensorType::Q2_K, 0.40}, Case{TensorType::Q3_K, 0.16},
                                           Case{TensorType::Q4_K, 0.08}, Case{TensorType::Q5_K, 0.04},
                                           Case{TensorType::Q6_K, 0.02}, Case{TensorType::Q8_K, 0.008},
                                           Case{TensorType::Q4_0, 0.10}, Case{TensorType::Q4_1, 0.10},
                                           Case{TensorType::Q5_0, 0.05}, Case{TensorType::Q5_1, 0.04}),
                         [](const auto& info) { return std::string(type_name(info.param.type)); });

TEST(KQuants, MoreBitsNeverWorse) {
    const std::vector<float> x = test_row(2048);
    double previous = 1e9;
    for (TensorType t : {TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K}) {
        std::vector<std::uint8_t> q(*bytes_for(t, x.size()));
        std::vector<float> y(x.size());
        quantize_row(t, x.data(), q.data(), static_cast<std::int64_t>(x.size()));
        dequantize_row(t, q.data(), y.data(), static_cast<std::int64_t>(x.size()));
        const double e = relative_rmse(x, y);
        EXPECT_LT(e, previous) << type_name(t);
        previous = e;
    }
}

TEST(KQuants, Q8KBlockSumsAreSumsOfQuants) {
    const std::vector<float> x = test_row(512);
    std::vector<BlockQ8_K> q(2);
    quantize_row_q8_k(x.data(), q.data(), 512);
    for (const auto& b : q)
        for (int g = 0; g < 16; ++g) {
            int s = 0;
            for (int j = 0; j < 16; ++j) s += b.qs[16 * g + j];
            EXPECT_EQ(b.bsums[g], s);
        }
}

// Ternary types: every weight comes back as -d, 0 or d with d the block's absolute maximum, the sign kept.
TEST(TernaryCodecs, ValuesAreMinusZeroOrPlusTheScale) {
    std::vector<float> x(512);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.3f * static_cast<float>(i)) * 2.0f;
    for (TensorType t : {TensorType::TQ1_0, TensorType::TQ2_0}) {
        std::vector<std::uint8_t> q(*bytes_for(t, x.size()));
        std::vector<float> y(x.size());
        quantize_row(t, x.data(), q.data(), 512);
        dequantize_row(t, q.data(), y.data(), 512);
        for (std::size_t b = 0; b < 2; ++b) {
            float amax = 0;
            for (int j = 0; j < 256; ++j) amax = std::max(amax, std::fabs(x[b * 256 + j]));
            for (int j = 0; j < 256; ++j) {
                const float v = x[b * 256 + j], r = y[b * 256 + j];
                const float expect = std::fabs(v) < 0.5f * amax ? 0.0f : std::copysign(amax, v);
                EXPECT_NEAR(r, expect, amax * 1e-3f) << type_name(t) << " element " << b * 256 + j;
            }
        }
    }
}

TEST(KQuants, ScalePackingRoundTrips) {
    // Q4_K/Q5_K: 8 scales and 8 mins of 6 bits in 12 bytes, as llama.cpp's get_scale_min_k4 reads them.
    const std::uint8_t packed[12] = {0xC1, 0x42, 0x83, 0x04, 0xC5, 0x06, 0x47, 0x88, 0x9A, 0xBC, 0xDE, 0xF0};
    std::uint8_t s, m;
    get_scale_min_k4(0, packed, &s, &m);
    EXPECT_EQ(s, 0x01);
    EXPECT_EQ(m, 0x05);
    get_scale_min_k4(4, packed, &s, &m);
    EXPECT_EQ(s, (0x9A & 0xF) | ((0xC1 >> 6) << 4));
    EXPECT_EQ(m, (0x9A >> 4) | ((0xC5 >> 6) << 4));
    std::int8_t q3[16];
    const std::uint8_t q3packed[12] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0x1B, 0x2D, 0x3E, 0x4F};
    unpack_q3_k_scales(q3packed, q3);
    EXPECT_EQ(q3[0], ((0x10 & 0xF) | ((0x1B & 3) << 4)) - 32);
    EXPECT_EQ(q3[9], ((0x32 >> 4) | (((0x2D >> 4) & 3) << 4)) - 32);
}

}  // namespace
}  // namespace qforge
