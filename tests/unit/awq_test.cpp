// AWQ on a synthetic layer whose input channels differ in magnitude by 30x (as real activations' outlier
// channels do): the scale search finds a scaling that lowers the output error of fake-quantized weights, the
// scaled weights with inputs divided by the scales compute the same function in float, clipping never makes the
// error worse, and the Hessian-based error is the output error it stands for.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "core/thread_pool.h"
#include "quant/methods/awq.h"
#include "quant/methods/gptq.h"

namespace qforge {
namespace {

constexpr std::int64_t kRows = 64, kCols = 128, kSamples = 400;

struct Layer {
    std::vector<float> w, x;
};

Layer make_layer() {
    Layer l;
    std::mt19937 rng(21);
    std::normal_distribution<float> n(0.0f, 1.0f);
    l.w.resize(static_cast<std::size_t>(kRows * kCols));
    for (auto& v : l.w) v = n(rng) * 0.05f;
    l.x.resize(static_cast<std::size_t>(kSamples * kCols));
    for (std::int64_t s = 0; s < kSamples; ++s)
        for (std::int64_t c = 0; c < kCols; ++c) l.x[static_cast<std::size_t>(s * kCols + c)] = n(rng) * (c % 16 == 0 ? 30.0f : 1.0f);
    return l;
}

// INT4 asymmetric, groups of 32 columns (AWQ's grid)
void int4_g32(const float* w, std::int64_t rows, std::int64_t cols, const float*, float* out) {
    GptqOptions o;
    o.bits = 4;
    o.group_size = 32;
    const GptqResult r = rtn_quantize(w, rows, cols, o);
    std::copy(r.dequantized.begin(), r.dequantized.end(), out);
}

double output_error(const Layer& l, const std::vector<float>& q) {
    double e = 0;
    for (std::int64_t s = 0; s < kSamples; ++s)
        for (std::int64_t r = 0; r < kRows; ++r) {
            double d = 0;
            for (std::int64_t c = 0; c < kCols; ++c)
                d += (static_cast<double>(l.w[r * kCols + c]) - q[r * kCols + c]) * l.x[s * kCols + c];
            e += d * d;
        }
    return e;
}

std::vector<double> hessian(const Layer& l) {
    HessianAccumulator h(kCols);
    h.add(l.x.data(), kSamples);
    return h.matrix();
}

std::vector<float> mean_abs(const Layer& l) {
    std::vector<float> m(kCols, 0.0f);
    for (std::int64_t s = 0; s < kSamples; ++s)
        for (std::int64_t c = 0; c < kCols; ++c) m[static_cast<std::size_t>(c)] += std::fabs(l.x[s * kCols + c]) / kSamples;
    return m;
}

TEST(Awq, HessianErrorIsTheOutputErrorOnTheCalibrationInputs) {
    const Layer l = make_layer();
    std::vector<float> q(l.w.size());
    int4_g32(l.w.data(), kRows, kCols, nullptr, q.data());
    // H = 2/n X^T X, so d H d^T = 2/n * sum over samples of (d . x)^2
    EXPECT_NEAR(hessian_error(l.w.data(), q.data(), kRows, kCols, hessian(l)), 2.0 / kSamples * output_error(l, q),
                1e-6 * output_error(l, q));
}

TEST(Awq, ScalingProtectsTheLargeChannelsAndKeepsTheFloatFunction) {
    Layer l = make_layer();
    ThreadPool pool(2);
    const std::vector<double> h = hessian(l);
    std::vector<float> rtn(l.w.size());
    int4_g32(l.w.data(), kRows, kCols, nullptr, rtn.data());

    std::vector<float> w = l.w;
    const AwqScales s = awq_search_scales({{w.data(), kRows, int4_g32}}, kCols, h, mean_abs(l), AwqOptions{}, pool);
    ASSERT_EQ(s.scales.size(), static_cast<std::size_t>(kCols));
    EXPECT_GT(s.ratio, 0.0);
    EXPECT_LT(s.loss, 0.9 * s.loss_unscaled);
    EXPECT_GT(s.scales[0], s.scales[1]);  // the 30x channel is scaled up
    awq_scale_columns({w.data(), kRows, int4_g32}, kCols, s.scales);
    // float function unchanged: (W s)(x / s) = W x
    for (std::int64_t r = 0; r < kRows; ++r)
        for (std::int64_t c = 0; c < kCols; ++c)
            ASSERT_NEAR(w[static_cast<std::size_t>(r * kCols + c)] / s.scales[static_cast<std::size_t>(c)], l.w[static_cast<std::size_t>(r * kCols + c)], 1e-6);
    // quantized in the scaled space, then read back in the original one: lower output error than plain rounding
    std::vector<float> q(w.size());
    int4_g32(w.data(), kRows, kCols, nullptr, q.data());
    for (std::int64_t r = 0; r < kRows; ++r)
        for (std::int64_t c = 0; c < kCols; ++c) q[static_cast<std::size_t>(r * kCols + c)] /= s.scales[static_cast<std::size_t>(c)];
    EXPECT_LT(output_error(l, q), 0.9 * output_error(l, rtn));
}

TEST(Awq, ClippingNeverRaisesTheError) {
    Layer l = make_layer();
    ThreadPool pool(2);
    const std::vector<double> h = hessian(l);
    std::vector<float> before(l.w.size());
    int4_g32(l.w.data(), kRows, kCols, nullptr, before.data());
    std::vector<float> w = l.w;
    const std::int64_t clipped = awq_clip({w.data(), kRows, int4_g32}, kCols, h, 32, AwqOptions{}, pool);
    EXPECT_GT(clipped, 0);
    std::vector<float> after(w.size());
    int4_g32(w.data(), kRows, kCols, nullptr, after.data());
    EXPECT_LE(hessian_error(l.w.data(), after.data(), kRows, kCols, h), hessian_error(l.w.data(), before.data(), kRows, kCols, h));
    EXPECT_THROW(awq_clip({w.data(), kRows, int4_g32}, kCols, h, 48, AwqOptions{}, pool), Error);
}

}  // namespace
}  // namespace qforge
