// The AVX-512 attention and row operations held to their plain references: attention over grouped heads, a
// batch continuing a cache, head sizes 64 and 128; rms_norm and SwiGLU on rows that do not fill a vector.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/float_convert.h"
#include "core/thread_pool.h"
#include "model/attention.h"
#include "model/ops.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

void check_attention(const AttentionShape& s, std::int64_t n_past, std::int64_t n_tokens) {
    std::mt19937 rng(static_cast<unsigned>(s.head_dim + n_past));
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const std::int64_t n_ctx = n_past + n_tokens + 5, row = s.n_head_kv * s.head_dim;
    KvCache cache(2, n_ctx, row);
    for (std::int64_t p = 0; p < n_past + n_tokens; ++p)
        for (std::int64_t i = 0; i < row; ++i) {
            cache.k_at(1, p)[i] = fp32_to_fp16(dist(rng) * 2.0f);
            cache.v_at(1, p)[i] = fp32_to_fp16(dist(rng));
        }
    std::vector<float> q(static_cast<std::size_t>(n_tokens * s.n_head * s.head_dim));
    for (auto& v : q) v = dist(rng);
    std::vector<float> fast(q.size()), ref(q.size());
    ThreadPool pool(2);
    AttentionScratch scratch(s, n_ctx, pool.size());
    attention(s, cache, 1, n_past, n_tokens, q.data(), fast.data(), pool, scratch);
    attention_reference(s, cache, 1, n_past, n_tokens, q.data(), ref.data());
    for (std::size_t i = 0; i < q.size(); ++i)
        ASSERT_NEAR(fast[i], ref[i], 2e-3) << "head_dim " << s.head_dim << " n_past " << n_past << " at " << i;
}

TEST(Attention, MatchesTheReference) {
    check_attention({8, 2, 64}, 0, 37);    // a prompt, grouped heads
    check_attention({8, 2, 64}, 50, 1);    // decode after it
    check_attention({4, 4, 128}, 17, 20);  // no grouping, a batch continuing the cache
    check_attention({6, 1, 32}, 3, 70);
    check_attention({2, 2, 8}, 5, 9);      // head size the SIMD path does not take
}

TEST(Ops, RmsNormAndSwigluMatchTheirReferences) {
    std::mt19937 rng(4);
    std::normal_distribution<float> dist(0.0f, 2.0f);
    for (std::int64_t n : {7, 64, 333, 2048}) {
        std::vector<float> x(static_cast<std::size_t>(n)), w(x.size()), up(x.size()), a(x.size()), b(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = dist(rng) * (i % 50 == 0 ? 20.0f : 1.0f);
            w[i] = dist(rng);
            up[i] = dist(rng);
        }
        rms_norm(x.data(), w.data(), a.data(), n, 1e-5f);
        rms_norm_reference(x.data(), w.data(), b.data(), n, 1e-5f);
        for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6f * (1 + std::fabs(b[i]))) << "rms_norm n=" << n;
        swiglu(x.data(), up.data(), a.data(), n);
        swiglu_reference(x.data(), up.data(), b.data(), n);
        for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(a[i], b[i], 2e-6f * (1 + std::fabs(b[i]))) << "swiglu n=" << n << " x=" << x[i];
    }
}

}  // namespace
}  // namespace qforge
