#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "model/moe_forward.h"
#include "quant/codecs/codec_table.h"

namespace qforge {
namespace {

TEST(MoeRouting, TopKInGgmlArgsortOrderWithWeightsRenormalised) {
    // experts 1 and 3 tie for the top: ggml's descending argsort keeps 1 first, then takes 3 over 0 and 2
    std::vector<float> logits = {1.0f, 3.0f, 2.0f, 3.0f, /* token 2 */ 0.5f, -1.0f, 2.5f, 0.0f};
    std::vector<std::int32_t> sel(4);
    std::vector<float> w(4);
    route_tokens(logits.data(), 2, 4, 2, sel.data(), w.data());
    EXPECT_EQ(sel, (std::vector<std::int32_t>{1, 3, 2, 0}));
    EXPECT_FLOAT_EQ(w[0], 0.5f);
    EXPECT_FLOAT_EQ(w[1], 0.5f);
    // token 2: p(2) / (p(2) + p(0)) = 1 / (1 + e^-2)
    EXPECT_NEAR(w[2], 1.0 / (1.0 + std::exp(-2.0)), 1e-6);
    EXPECT_NEAR(w[2] + w[3], 1.0, 1e-6);
    EXPECT_NEAR(logits[4 + 2], std::exp(2.5) / (std::exp(0.5) + std::exp(-1.0) + std::exp(2.5) + 1.0), 1e-6);  // the softmax
}

// A layer's experts in one type, against a plain per-token computation in double and against each token run alone.
void check_experts(TensorType type) {
    constexpr std::int64_t E = 256, F = 256, X = 6, K = 2, T = 9;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    auto matrix = [&](std::int64_t in, std::int64_t out, float scale) {
        std::vector<float> v(static_cast<std::size_t>(in * out));
        for (float& x : v) x = scale * u(rng);
        return v;
    };
    std::vector<float> router = matrix(E, X, 0.3f);
    std::vector<std::vector<float>> gate, up, down;  // the values the kernels see (after the type's rounding)
    std::vector<std::uint8_t> bytes[3];
    const std::size_t row = static_cast<std::size_t>(*bytes_for(type, E));
    const std::size_t row_f = static_cast<std::size_t>(*bytes_for(type, F));
    for (std::int64_t e = 0; e < X; ++e) {
        for (int which = 0; which < 3; ++which) {
            const std::int64_t in = which == 2 ? F : E, out = which == 2 ? E : F;
            std::vector<float> m = matrix(in, out, 1.0f / std::sqrt(static_cast<float>(in)));
            const std::size_t rb = which == 2 ? row_f : row;
            const std::size_t at = bytes[which].size();
            bytes[which].resize(at + rb * static_cast<std::size_t>(out));
            for (std::int64_t r = 0; r < out; ++r) {
                quantize_row(type, m.data() + r * in, bytes[which].data() + at + rb * static_cast<std::size_t>(r), in);
                dequantize_row(type, bytes[which].data() + at + rb * static_cast<std::size_t>(r), m.data() + r * in, in);
            }
            (which == 0 ? gate : which == 1 ? up : down).push_back(std::move(m));
        }
    }
    const TensorView router_view{"blk.0.ffn_gate_inp.weight", TensorType::F32, {E, X},
                                 {reinterpret_cast<const std::uint8_t*>(router.data()), router.size() * sizeof(float)}};
    const TensorView stacked[3] = {{"blk.0.ffn_gate_exps.weight", type, {E, F, X}, bytes[0]},
                                   {"blk.0.ffn_up_exps.weight", type, {E, F, X}, bytes[1]},
                                   {"blk.0.ffn_down_exps.weight", type, {F, E, X}, bytes[2]}};
    ThreadPool pool(2);
    ExpertWeights w;
    w.router = LinearWeight(router_view, &pool, LinearWeight::Source::Memory);
    w.n_expert_used = K;
    auto views = std::make_shared<std::vector<TensorView>>();
    for (const TensorView& s : stacked)
        for (TensorView& v : expert_slices(s)) views->push_back(std::move(v));
    for (std::int64_t e = 0; e < X; ++e) {
        w.gate.emplace_back((*views)[static_cast<std::size_t>(e)], &pool, LinearWeight::Source::Memory);
        w.up.emplace_back((*views)[static_cast<std::size_t>(X + e)], &pool, LinearWeight::Source::Memory);
        w.down.emplace_back((*views)[static_cast<std::size_t>(2 * X + e)], &pool, LinearWeight::Source::Memory);
    }
    w.views = views;

    std::vector<float> xn = matrix(E, T, 1.0f), out(static_cast<std::size_t>(T * E));
    MoeScratch scratch(T, E, F, X, K);
    MatmulScratch ms;
    moe_ffn(w, xn.data(), T, out.data(), pool, scratch, ms);
    // each token alone: the grouping of a batch's tokens by expert changes nothing of a token's result
    for (std::int64_t t = 0; t < T; ++t) {
        std::vector<float> alone(E);
        moe_ffn(w, xn.data() + t * E, 1, alone.data(), pool, scratch, ms);
        for (std::int64_t o = 0; o < E; ++o)
            ASSERT_NEAR(alone[static_cast<std::size_t>(o)], out[static_cast<std::size_t>(t * E + o)], 1e-5f * (1.0f + std::fabs(alone[static_cast<std::size_t>(o)])))
                << type_name(type) << " token " << t;
    }

    for (std::int64_t t = 0; t < T; ++t) {
        const float* x = xn.data() + t * E;
        std::vector<double> p(X);
        double mx = -1e30;
        for (std::int64_t e = 0; e < X; ++e) {
            double d = 0.0;
            for (std::int64_t i = 0; i < E; ++i) d += static_cast<double>(router[static_cast<std::size_t>(e * E + i)]) * x[i];
            p[static_cast<std::size_t>(e)] = d;
            mx = std::max(mx, d);
        }
        for (double& v : p) v = std::exp(v - mx);  // (the chosen ones are renormalised below)
        std::vector<int> order(X);
        for (int e = 0; e < X; ++e) order[static_cast<std::size_t>(e)] = e;
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[static_cast<std::size_t>(a)] > p[static_cast<std::size_t>(b)]; });
        double chosen = 0.0;
        for (int j = 0; j < K; ++j) chosen += p[static_cast<std::size_t>(order[static_cast<std::size_t>(j)])];
        std::vector<double> y(E, 0.0);
        for (int j = 0; j < K; ++j) {
            const int e = order[static_cast<std::size_t>(j)];
            std::vector<double> h(F);
            for (std::int64_t f = 0; f < F; ++f) {
                double g = 0.0, v = 0.0;
                for (std::int64_t i = 0; i < E; ++i) {
                    g += static_cast<double>(gate[static_cast<std::size_t>(e)][static_cast<std::size_t>(f * E + i)]) * x[i];
                    v += static_cast<double>(up[static_cast<std::size_t>(e)][static_cast<std::size_t>(f * E + i)]) * x[i];
                }
                h[static_cast<std::size_t>(f)] = g / (1.0 + std::exp(-g)) * v;
            }
            for (std::int64_t o = 0; o < E; ++o) {
                double d = 0.0;
                for (std::int64_t f = 0; f < F; ++f) d += static_cast<double>(down[static_cast<std::size_t>(e)][static_cast<std::size_t>(o * F + f)]) * h[static_cast<std::size_t>(f)];
                y[static_cast<std::size_t>(o)] += p[static_cast<std::size_t>(e)] / chosen * d;
            }
        }
        double err = 0.0, norm = 0.0;
        for (std::int64_t o = 0; o < E; ++o) {
            const double diff = out[static_cast<std::size_t>(t * E + o)] - y[static_cast<std::size_t>(o)];
            err += diff * diff;
            norm += y[static_cast<std::size_t>(o)] * y[static_cast<std::size_t>(o)];
        }
        // the quantized types' kernels round the activations (q8_0, q8_K): a few percent of error on these random rows
        EXPECT_LT(std::sqrt(err / norm), type == TensorType::F32 ? 1e-5 : 5e-2) << type_name(type) << " token " << t;
    }
}

TEST(MoeForward, ExpertsGroupedOverTheBatchGiveEachTokensWeightedSum) {
    for (TensorType t : {TensorType::F32, TensorType::Q8_0, TensorType::Q4_K}) check_experts(t);
}

}  // namespace
}  // namespace qforge
