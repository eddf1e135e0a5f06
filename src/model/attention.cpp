#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "model/ops.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

float round_fp16(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

bool use_avx512(const AttentionShape& shape) {
    static const bool cpu = vec_dot_isa() == "avx512";
    return cpu && attention_avx512_usable(shape);
}

// Query rows of one work item: the grouped heads of one kv head for a block of tokens, at most 64 rows.
std::int64_t item_tokens(const AttentionShape& s) { return std::max<std::int64_t>(1, 64 / (s.n_head / s.n_head_kv)); }

}  // namespace

AttentionScratch::AttentionScratch(const AttentionShape& shape, std::int64_t n_ctx, int n_threads) : n_ctx_(n_ctx) {
    rows_ = item_tokens(shape) * (shape.n_head / shape.n_head_kv);
    per_thread_ = attention_avx512_scratch_floats(shape, n_ctx, rows_);
    buffer_.reserve(per_thread_ * sizeof(float) * static_cast<std::size_t>(n_threads));
}

void attention_reference(const AttentionShape& s, const KvCache& cache, std::int64_t layer, std::int64_t n_past,
                         std::int64_t n_tokens, const float* q, float* out) {
    const std::int64_t hd = s.head_dim, group = s.n_head / s.n_head_kv;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    std::vector<float> scores(static_cast<std::size_t>(n_past + n_tokens)), qh(static_cast<std::size_t>(hd)), acc(qh.size());
    for (std::int64_t t = 0; t < n_tokens; ++t)
        for (std::int64_t h = 0; h < s.n_head; ++h) {
            const std::int64_t kvh = h / group, n_kv = n_past + t + 1;
            for (std::int64_t i = 0; i < hd; ++i) qh[static_cast<std::size_t>(i)] = round_fp16(q[(t * s.n_head + h) * hd + i]);
            for (std::int64_t j = 0; j < n_kv; ++j) {
                const std::uint16_t* k = cache.k_at(layer, j) + kvh * hd;
                float dot = 0;
                for (std::int64_t i = 0; i < hd; ++i) dot += qh[static_cast<std::size_t>(i)] * fp16_to_fp32(k[i]);
                scores[static_cast<std::size_t>(j)] = dot * scale;
            }
            softmax(scores.data(), n_kv);
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (std::int64_t j = 0; j < n_kv; ++j) {
                const float p = round_fp16(scores[static_cast<std::size_t>(j)]);
                const std::uint16_t* v = cache.v_at(layer, j) + kvh * hd;
                for (std::int64_t i = 0; i < hd; ++i) acc[static_cast<std::size_t>(i)] += p * fp16_to_fp32(v[i]);
            }
            std::copy(acc.begin(), acc.end(), out + (t * s.n_head + h) * hd);
        }
}

void attention(const AttentionShape& s, const KvCache& cache, std::int64_t layer, std::int64_t n_past, std::int64_t n_tokens,
               const float* q, float* out, ThreadPool& pool, AttentionScratch& scratch) {
    if (s.n_head % s.n_head_kv != 0) fail("attention: {} heads do not share {} kv heads evenly", s.n_head, s.n_head_kv);
    if (n_past + n_tokens > cache.n_ctx) fail("attention: positions up to {} outside the cache of {}", n_past + n_tokens, cache.n_ctx);
    if (!use_avx512(s)) {
        // the reference, tokens split over the threads
        pool.parallel_for(n_tokens, [&](std::int64_t t0, std::int64_t t1) {
            attention_reference(s, cache, layer, n_past + t0, t1 - t0, q + t0 * s.n_head * s.head_dim, out + t0 * s.n_head * s.head_dim);
        });
        return;
    }
    if (scratch.n_ctx() < n_past + n_tokens) fail("attention: scratch for {} positions, {} needed", scratch.n_ctx(), n_past + n_tokens);
    const std::int64_t bt = item_tokens(s), blocks = (n_tokens + bt - 1) / bt, items = blocks * s.n_head_kv;
    pool.run([&](int thread, int threads) {
        // later blocks see more keys: deal items round-robin from the most expensive end for balance
        for (std::int64_t i = thread; i < items; i += threads) {
            const std::int64_t item = items - 1 - i, block = item / s.n_head_kv, kvh = item % s.n_head_kv;
            const std::int64_t t0 = block * bt, t1 = std::min(n_tokens, t0 + bt);
            attention_avx512_item(s, cache, layer, n_past, kvh, t0, t1, q, out, scratch.thread(thread), scratch.n_ctx());
        }
    });
}

}  // namespace qforge
