// The element-wise operations that follow ggml's AVX2 build: exp_ggml (ggml's vectorised expf, lane by lane),
// softmax in groups of eight, SiLU, and the AVX2 paths held to the references' bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "model/attention.h"
#include "model/exp_ggml.h"
#include "model/ops.h"
#include "quant/kernels/lane_sum.h"
#include "core/float_convert.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(ExpGgml, WithinTwoUlpsOfExpOverFloatsRange) {
    double worst = 0;
    for (float x = -87.0f; x <= 88.0f; x += 0.001953125f) {
        const double want = std::exp(static_cast<double>(x));
        worst = std::max(worst, std::fabs(exp_ggml(x) - want) / want);
    }
    EXPECT_LT(worst, 2.5e-7);  // ggml's polynomial: about 1.5 units in the last place
    EXPECT_EQ(exp_ggml(0.0f), 1.0f);
    EXPECT_EQ(exp_ggml(-std::numeric_limits<float>::infinity()), 0.0f);  // masked scores
    EXPECT_EQ(exp_ggml(-200.0f), 0.0f);
    EXPECT_EQ(exp_ggml(100.0f), std::numeric_limits<float>::infinity());
    // |n| > 126: the two-factor scaling reaches the subnormals (within one subnormal step, 2^-149)
    EXPECT_GT(exp_ggml(-100.0f), 0.0f);
    EXPECT_NEAR(exp_ggml(-100.0f), std::exp(-100.0), std::ldexp(1.0, -149));
}

TEST(Softmax, GroupsOfEightSummedInTheirLaneOrder) {
    // ten values: one group of eight (summed as sum_lanes8, in float), then two by libm's expf, in double
    std::vector<float> x = {0.5f, -1.0f, 2.0f, 0.25f, -3.0f, 1.5f, 0.0f, -0.75f, 1.0f, -2.0f};
    std::vector<float> e(x.size());
    float max = 2.0f;
    float group[8];
    for (int i = 0; i < 8; ++i) group[i] = e[i] = exp_ggml(x[i] - max);
    double sum = sum_lanes8(group);
    for (int i = 8; i < 10; ++i) sum += e[i] = std::exp(x[i] - max);
    const float inv = static_cast<float>(1.0 / sum);
    softmax_reference(x.data(), static_cast<std::int64_t>(x.size()));
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(same_bits(x[i], e[i] * inv)) << i;
}

TEST(Softmax, Avx2GivesTheReferenceBits) {
    if (vec_dot_isa() == "scalar") GTEST_SKIP() << "no AVX2 on this CPU (or QFORGE_NO_SIMD set)";
    std::mt19937 rng(5);
    std::normal_distribution<float> dist(0.0f, 30.0f);  // wide: some lanes take the |n| > 126 branch
    for (std::int64_t n : {1, 7, 8, 9, 37, 128, 1000}) {
        std::vector<float> a(static_cast<std::size_t>(n));
        for (auto& v : a) v = dist(rng);
        if (n > 3) a[2] = -std::numeric_limits<float>::infinity();  // a masked key
        std::vector<float> b = a;
        softmax_reference(a.data(), n);
        softmax_avx2(b.data(), n);
        for (std::int64_t i = 0; i < n; ++i) EXPECT_TRUE(same_bits(a[i], b[i])) << "n=" << n << " i=" << i;
    }
}

TEST(Swiglu, Avx2GivesTheReferenceBits) {
    if (vec_dot_isa() == "scalar") GTEST_SKIP() << "no AVX2 on this CPU (or QFORGE_NO_SIMD set)";
    std::mt19937 rng(6);
    std::normal_distribution<float> dist(0.0f, 8.0f);
    const std::int64_t n = 77;
    std::vector<float> g(n), u(n), a(n), b(n);
    for (std::int64_t i = 0; i < n; ++i) {
        g[i] = dist(rng);
        u[i] = dist(rng);
    }
    g[3] = 120.0f;  // e^-x underflows
    g[4] = -120.0f;  // e^-x overflows: silu -0
    swiglu_reference(g.data(), u.data(), a.data(), n);
    swiglu_avx2(g.data(), u.data(), b.data(), n);
    for (std::int64_t i = 0; i < n; ++i) EXPECT_TRUE(same_bits(a[i], b[i])) << i;
    EXPECT_EQ(a[3], g[3] * u[3]);
}

// P.V in eight lanes: key j's probability times its value row into lane j % 8, then sum_lanes8 per dimension.
TEST(AttentionLanes, Avx2GivesTheReferenceBits) {
    if (vec_dot_isa() == "scalar") GTEST_SKIP() << "no AVX2 on this CPU (or QFORGE_NO_SIMD set)";
    std::mt19937 rng(7);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (std::int64_t hd : {64, 72, 13}) {
        std::vector<float> acc(static_cast<std::size_t>(8 * hd), 0.0f), want = acc, out(hd), want_out(hd);
        for (int j = 0; j < 21; ++j) {
            std::vector<std::uint16_t> v(static_cast<std::size_t>(hd));
            for (auto& x : v) x = fp32_to_fp16(dist(rng));
            const float p = fp16_to_fp32(fp32_to_fp16(std::fabs(dist(rng)) / 8.0f));
            float* lane = want.data() + (j % 8) * hd;
            for (std::int64_t i = 0; i < hd; ++i) lane[i] = std::fma(p, fp16_to_fp32(v[i]), lane[i]);
            pv_accumulate_avx2(acc.data() + (j % 8) * hd, p, v.data(), hd);
        }
        for (std::size_t i = 0; i < acc.size(); ++i) ASSERT_TRUE(same_bits(acc[i], want[i])) << "hd=" << hd << " " << i;
        for (std::int64_t i = 0; i < hd; ++i) {
            float lanes[8];
            for (int l = 0; l < 8; ++l) lanes[l] = want[l * hd + i];
            want_out[i] = sum_lanes8(lanes);
        }
        pv_finish_avx2(acc.data(), out.data(), hd);
        for (std::int64_t i = 0; i < hd; ++i) EXPECT_TRUE(same_bits(out[i], want_out[i])) << "hd=" << hd << " " << i;
    }
}

}  // namespace
}  // namespace qforge
