#pragma once
// Causal self-attention of a batch of tokens over the fp16 KV blocks of their sequences (batch_layout.h), computed as llama.cpp's
// (non-flash) graph does: each query rounded to fp16 for its dot products with the keys, scores scaled by
// 1/sqrt(head_dim) (or the query scaled before rounding, as some families' graphs do), soft-capped where the
// family caps them, softmax over the positions the token sees (all before it, or its sliding window),
// probabilities rounded to fp16, then the weighted sum of the values. Grouped-query
// heads share their key/value head.
//
// The AVX-512 path works on a key/value head and a block of one run's tokens at a time: the keys and values it reads
// are converted to floats once (keys transposed, so scores are register tiles of query rows by 16 keys), and
// every query row of the group reuses them. The reference is plain loops in the same order of operations
// per score; the two differ only by float summation order and the vectorised exp (tests bound it). Either way
// a token's result depends on its sequence's cache and its position only, not on what else is in the batch.
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "model/batch_layout.h"
#include "model/kv_pool.h"

namespace qforge {

struct AttentionShape {
    std::int64_t n_head, n_head_kv, head_dim;
    // sliding window: a token at position p sees positions p - window + 1 .. p (llama.cpp's mask: keys with
    // p - key >= window are masked); 0: every position 0..p
    std::int64_t window = 0;
    // the scale of the dot products (0: 1/sqrt(head_dim)), applied to the scores, or to each query before it is
    // rounded to fp16 (scale_queries: llama.cpp's Phi-3 and Gemma 2 graphs scale Q before the product)
    float scale = 0.0f;
    bool scale_queries = false;
    float softcap = 0.0f;  // scores soft-capped to softcap * tanh(score / softcap) before the softmax (0: not)
    std::int64_t first_key(std::int64_t pos) const { return window > 0 && pos >= window ? pos - window + 1 : 0; }
    float dot_scale() const { return scale != 0.0f ? scale : 1.0f / std::sqrt(static_cast<float>(head_dim)); }
    float query_scale() const { return scale_queries ? dot_scale() : 1.0f; }
    float score_scale() const { return scale_queries ? 1.0f : dot_scale(); }
};

// Per-thread working memory for sequences of up to n_ctx cached positions and batches of up to max_tokens, sized once.
class AttentionScratch {
public:
    struct Item {
        std::int64_t run, kv_head, t0, t1;
    };
    AttentionScratch() = default;
    AttentionScratch(const AttentionShape& shape, std::int64_t n_ctx, std::int64_t max_tokens, int n_threads);
    float* thread(int t) { return buffer_.as<float>() + per_thread_ * static_cast<std::size_t>(t); }
    std::int64_t n_ctx() const { return n_ctx_; }
    std::int64_t rows() const { return rows_; }  // query rows one work item holds
    std::vector<Item>& items() { return items_; }

private:
    std::vector<Item> items_;
    AlignedBuffer buffer_;
    std::size_t per_thread_ = 0;
    std::int64_t n_ctx_ = 0, rows_ = 0;
};

// q, out: n_tokens x n_head x head_dim. Token t at position p of its sequence attends that sequence's positions
// first_key(p)..p, which must already hold their keys and values (its own included).
void attention(const AttentionShape& shape, const KvPool& kv, std::int64_t layer, const BatchLayout& batch, const float* q,
               float* out, ThreadPool& pool, AttentionScratch& scratch);
// Tokens [t0, t1) of q/out at positions pos0.. of the sequence with blocks `table`, as llama.cpp's AVX2 build
// computes attention without flash attention: the query rounded to f16, K.q and P.V as tinyBLAS's f16 products in
// eight lanes (key j in lane j % 8 of P.V), ggml's softmax over groups of eight keys from key 0.
void attention_reference(const AttentionShape& shape, const KvPool& kv, std::int64_t layer, KvTable table, std::int64_t pos0,
                         std::int64_t t0, std::int64_t t1, const float* q, float* out);

// The AVX2 parts of the reference (callers check the CPU): lane[i] += p * v[i] (fused), and out[i] = the eight
// lanes acc[l * hd + i] summed in sum_lanes8's order.
void pv_accumulate_avx2(float* lane, float p, const std::uint16_t* v, std::int64_t hd);
void pv_finish_avx2(const float* acc, float* out, std::int64_t hd);

// The AVX-512 path (callers check the CPU): the query rows of tokens [t0, t1) (positions pos0 + (t - t0)) of one kv head.
bool attention_avx512_usable(const AttentionShape& shape);
void attention_avx512_item(const AttentionShape& shape, const KvPool& kv, std::int64_t layer, KvTable table, std::int64_t pos0,
                           std::int64_t kv_head, std::int64_t t0, std::int64_t t1, const float* q, float* out, float* scratch,
                           std::int64_t scratch_ctx);
std::size_t attention_avx512_scratch_floats(const AttentionShape& shape, std::int64_t n_ctx, std::int64_t rows);

}  // namespace qforge
