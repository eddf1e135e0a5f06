// The AVX2 and AVX-512 dot products agree with the scalar reference on odd shapes (row lengths that are not multiples of
// the vector width, single blocks, many blocks), up to float reassociation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "quant/codecs/codec_table.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/super_block.h"
#include "quant/kernels/super_block_iq.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

class VecDot : public ::testing::TestWithParam<TensorType> {};

// The codebook types' quantizers want importance data (three of them require it): uniform weights.
void quantize_for_test(TensorType type, const std::vector<float>& w, std::uint8_t* out) {
    const std::vector<float> ones(w.size(), 1.f);
    quantize_row(type, w.data(), out, static_cast<std::int64_t>(w.size()), is_iq_super_block_type(type) ? ones.data() : nullptr);
}

TEST_P(VecDot, Avx2MatchesScalarReference) {
    if (vec_dot_isa() == "scalar") GTEST_SKIP() << "no AVX2 on this CPU (or QFORGE_NO_SIMD set)";
    const TensorType type = GetParam();
    const std::int64_t block = traits(type).block_size;
    std::mt19937 rng(3);
    std::normal_distribution<float> dist(0.0f, 2.0f);
    for (std::int64_t n : {1, 7, 9, 31, 32, 37, 96, 255, 256, 768, 1056, 2560, 4128}) {
        if (n % block != 0) continue;
        std::vector<float> w(static_cast<std::size_t>(n)), x(w.size());
        double magnitude = 0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            w[i] = dist(rng);
            x[i] = dist(rng);
            magnitude += std::fabs(w[i] * x[i]);
        }
        std::vector<std::uint8_t> wb(*bytes_for(type, static_cast<std::uint64_t>(n))), xb(activation_row_bytes(type, n));
        quantize_for_test(type, w, wb.data());
        prepare_activations(type, x.data(), xb.data(), n);
        const float ref = vec_dot_scalar(type, wb.data(), xb.data(), n);
        const float simd = vec_dot_avx2(type, wb.data(), xb.data(), n);
        EXPECT_NEAR(simd, ref, 1e-5 * magnitude + 1e-6) << type_name(type) << " n=" << n;
        // super-block types sum integers exactly and finish with the same float expression: bit-identical
        if (is_super_block_type(type)) {
            EXPECT_EQ(simd, ref) << type_name(type) << " n=" << n;
        }
        const float widest = vec_dot_isa() == "avx512" ? vec_dot_avx512(type, wb.data(), xb.data(), n) : simd;
        EXPECT_EQ(vec_dot(type, wb.data(), xb.data(), n), widest);  // the dispatcher picks the widest path
        if (cpu_has_avx512()) {
            EXPECT_NEAR(widest, ref, 1e-5 * magnitude + 1e-6) << type_name(type) << " n=" << n << " (AVX-512)";
            if (traits(type).quantized && activation_type(type) != TensorType::F32) {
                EXPECT_EQ(widest, simd) << type_name(type);  // quantized: the AVX2 kernels
            }
        }
        // four rows at once give the single-row results exactly
        std::vector<std::uint8_t> xs(xb.size() * 4);
        const void* rows[4];
        float single[4], four[4];
        for (int k = 0; k < 4; ++k) {
            for (auto& v : x) v = dist(rng);
            prepare_activations(type, x.data(), xs.data() + k * xb.size(), n);
            rows[k] = xs.data() + k * xb.size();
            single[k] = vec_dot(type, wb.data(), rows[k], n);
        }
        vec_dot_x4(type, wb.data(), rows, n, four);
        for (int k = 0; k < 4; ++k) EXPECT_EQ(four[k], single[k]) << type_name(type) << " n=" << n << " row " << k;
    }
}

INSTANTIATE_TEST_SUITE_P(Types, VecDot,
                         ::testing::Values(TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0,
                                           TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                           TensorType::IQ4_NL, TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K,
                                           TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS,
                                           TensorType::IQ2_XXS, TensorType::IQ2_XS, TensorType::IQ2_S,
                                           TensorType::IQ3_XXS, TensorType::IQ3_S, TensorType::IQ1_S, TensorType::IQ1_M,
                                           TensorType::TQ1_0, TensorType::TQ2_0),
                         [](const auto& info) { return std::string(type_name(info.param)); });

// The reference dot product means what the codecs mean: it equals the float dot product of the dequantized
// weight row and the dequantized activation row (for every type whose activations have a dequantizer).
class VecDotSemantics : public ::testing::TestWithParam<TensorType> {};

TEST_P(VecDotSemantics, ScalarEqualsDotOfDequantizedRows) {
    const TensorType type = GetParam();
    const std::int64_t n = 768;
    std::mt19937 rng(11);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> w(n), x(n), wd(n), xd(n);
    for (std::int64_t i = 0; i < n; ++i) {
        w[i] = dist(rng);
        x[i] = dist(rng);
    }
    std::vector<std::uint8_t> wb(*bytes_for(type, n)), xb(activation_row_bytes(type, n));
    quantize_for_test(type, w, wb.data());
    prepare_activations(type, x.data(), xb.data(), n);
    dequantize_row(type, wb.data(), wd.data(), n);
    dequantize_row(activation_type(type), xb.data(), xd.data(), n);
    double expect = 0, magnitude = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        expect += static_cast<double>(wd[i]) * xd[i];
        magnitude += std::fabs(static_cast<double>(wd[i]) * xd[i]);
    }
    EXPECT_NEAR(vec_dot_scalar(type, wb.data(), xb.data(), n), expect, 1e-5 * magnitude) << type_name(type);
}

INSTANTIATE_TEST_SUITE_P(Types, VecDotSemantics,
                         ::testing::Values(TensorType::Q8_0, TensorType::Q4_0, TensorType::Q5_0, TensorType::IQ4_NL,
                                           TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K,
                                           TensorType::Q6_K, TensorType::IQ4_XS, TensorType::IQ2_XXS, TensorType::IQ2_XS,
                                           TensorType::IQ2_S, TensorType::IQ3_XXS, TensorType::IQ3_S, TensorType::IQ1_S,
                                           TensorType::IQ1_M, TensorType::TQ1_0, TensorType::TQ2_0),
                         [](const auto& info) { return std::string(type_name(info.param)); });

TEST(Q8_0, RoundTripsWithinHalfAStep) {
    std::vector<float> x(64), y(64);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i)) * 3.0f;
    std::vector<BlockQ8_0> q(2);
    quantize_row_q8_0(x.data(), q.data(), 64);
    dequantize_row_q8_0(q.data(), y.data(), 64);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], x[i], 3.0f / 127.0f * 0.51f + 1e-3f);
}

}  // namespace
}  // namespace qforge
