#include "model/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "model/ops.h"
#include "quant/kernels/lane_sum.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

float round_fp16(float x) { return fp16_to_fp32(fp32_to_fp16(x)); }

bool use_avx512(const AttentionShape& shape) {
    static const bool cpu = vec_dot_isa() == "avx512";
    return cpu && attention_avx512_usable(shape);
}

std::int64_t round_up_lanes(std::int64_t n) { return (n + kLanes8 - 1) / kLanes8 * kLanes8; }

bool avx2() {
    static const bool cpu = vec_dot_isa() != "scalar";
    return cpu;
}

// The f16 dot product as tinyBLAS computes it: element i fused into lane i % 8, the lanes summed in its order,
// the elements past the last whole group of eight after (the AVX2 kernel's bits).
float dot_f16(const std::uint16_t* k, const std::uint16_t* q, std::int64_t hd) {
    if (avx2()) return vec_dot_avx2(TensorType::F16, k, q, hd);
    float lanes[kLanes8] = {};
    std::int64_t i = 0;
    for (; i + kLanes8 <= hd; i += kLanes8)
        for (int l = 0; l < kLanes8; ++l) lanes[l] = std::fma(fp16_to_fp32(k[i + l]), fp16_to_fp32(q[i + l]), lanes[l]);
    float tail = 0.0f;
    for (; i < hd; ++i) tail = std::fma(fp16_to_fp32(k[i]), fp16_to_fp32(q[i]), tail);
    return sum_lanes8(lanes) + tail;
}

// lane += p * v over one value row
void pv_accumulate(float* lane, float p, const std::uint16_t* v, std::int64_t hd) {
    if (avx2()) return pv_accumulate_avx2(lane, p, v, hd);
    for (std::int64_t i = 0; i < hd; ++i) lane[i] = std::fma(p, fp16_to_fp32(v[i]), lane[i]);
}

// out[i] = the eight lanes of dimension i summed in sum_lanes8's order
void pv_finish(const float* acc, float* out, std::int64_t hd) {
    if (avx2()) return pv_finish_avx2(acc, out, hd);
    for (std::int64_t i = 0; i < hd; ++i) {
        float lanes[kLanes8];
        for (int l = 0; l < kLanes8; ++l) lanes[l] = acc[l * hd + i];
        out[i] = sum_lanes8(lanes);
    }
}

// Query rows of one work item: the grouped heads of one kv head for a block of tokens, at most 64 rows.
std::int64_t item_tokens(const AttentionShape& s) { return std::max<std::int64_t>(1, 64 / (s.n_head / s.n_head_kv)); }

}  // namespace

AttentionScratch::AttentionScratch(const AttentionShape& shape, std::int64_t n_ctx, std::int64_t max_tokens, int n_threads) : n_ctx_(n_ctx) {
    // at worst every token a run of its own
    items_.reserve(static_cast<std::size_t>(std::max<std::int64_t>(max_tokens, 1) * shape.n_head_kv));
    rows_ = item_tokens(shape) * (shape.n_head / shape.n_head_kv);
    per_thread_ = attention_avx512_scratch_floats(shape, n_ctx, rows_);
    buffer_.reserve(per_thread_ * sizeof(float) * static_cast<std::size_t>(n_threads));
}

void attention_reference(const AttentionShape& s, const KvPool& kv, std::int64_t layer, KvTable table, std::int64_t pos0,
                         std::int64_t t0, std::int64_t t1, const float* q, float* out) {
    const std::int64_t hd = s.head_dim, group = s.n_head / s.n_head_kv;
    const float scale = s.score_scale(), qscale = s.query_scale();
    const float masked = -std::numeric_limits<float>::infinity();
    std::vector<float> scores(static_cast<std::size_t>(round_up_lanes(pos0 + t1 - t0))), acc(static_cast<std::size_t>(kLanes8 * hd));
    std::vector<std::uint16_t> qh(static_cast<std::size_t>(hd));
    for (std::int64_t t = t0; t < t1; ++t)
        for (std::int64_t h = 0; h < s.n_head; ++h) {
            const std::int64_t kvh = h / group, n_kv = pos0 + (t - t0) + 1, first = s.first_key(n_kv - 1);
            for (std::int64_t i = 0; i < hd; ++i) qh[static_cast<std::size_t>(i)] = fp32_to_fp16(q[(t * s.n_head + h) * hd + i] * qscale);
            // KQ: the f16 dot product in eight lanes (as tinyBLAS multiplies f16 K by the query rounded to f16)
            for (std::int64_t j = first; j < n_kv; ++j)
                scores[static_cast<std::size_t>(j)] = dot_f16(kv.k_at(layer, table, j) + kvh * hd, qh.data(), hd) * scale;
            if (s.softcap > 0.0f) soft_cap(scores.data() + first, n_kv - first, s.softcap);
            // the softmax over whole groups of eight keys from key 0, the keys outside [first, n_kv) masked
            const std::int64_t g0 = first / kLanes8 * kLanes8, g1 = round_up_lanes(n_kv);
            std::fill(scores.begin() + g0, scores.begin() + first, masked);
            std::fill(scores.begin() + n_kv, scores.begin() + g1, masked);
            softmax(scores.data() + g0, g1 - g0);
            // KQV: probabilities rounded to f16 times V, key j into lane j % 8 (tinyBLAS over the keys)
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (std::int64_t j = first; j < n_kv; ++j)
                pv_accumulate(acc.data() + (j % kLanes8) * hd, round_fp16(scores[static_cast<std::size_t>(j)]), kv.v_at(layer, table, j) + kvh * hd, hd);
            pv_finish(acc.data(), out + (t * s.n_head + h) * hd, hd);
        }
}

void attention(const AttentionShape& s, const KvPool& kv, std::int64_t layer, const BatchLayout& batch, const float* q, float* out,
               ThreadPool& pool, AttentionScratch& scratch) {
    if (s.n_head % s.n_head_kv != 0) fail("attention: {} heads do not share {} kv heads evenly", s.n_head, s.n_head_kv);
    for (const AttentionRun& r : batch.runs)
        if (r.pos0 + (r.t1 - r.t0) > scratch.n_ctx()) fail("attention: positions up to {} outside the {} a sequence may hold", r.pos0 + (r.t1 - r.t0), scratch.n_ctx());
    if (!use_avx512(s)) {
        // the reference, tokens split over the threads
        pool.parallel_for(batch.n_tokens(), [&](std::int64_t b, std::int64_t e) {
            for (const AttentionRun& r : batch.runs) {
                const std::int64_t t0 = std::max(b, r.t0), t1 = std::min(e, r.t1);
                if (t0 < t1) attention_reference(s, kv, layer, batch.tables[static_cast<std::size_t>(r.seq)], r.pos0 + (t0 - r.t0), t0, t1, q, out);
            }
        });
        return;
    }
    // work items: blocks of a run's tokens for one kv head
    const std::int64_t bt = item_tokens(s);
    auto& items = scratch.items();
    items.clear();
    for (std::size_t ri = 0; ri < batch.runs.size(); ++ri)
        for (std::int64_t t0 = batch.runs[ri].t0; t0 < batch.runs[ri].t1; t0 += bt)
            for (std::int64_t h = 0; h < s.n_head_kv; ++h)
                items.push_back({static_cast<std::int64_t>(ri), h, t0, std::min(batch.runs[ri].t1, t0 + bt)});
    const auto n_items = static_cast<std::int64_t>(items.size());
    pool.run([&](int thread, int threads) {
        // later positions see more keys: deal items round-robin from the end for balance
        for (std::int64_t i = thread; i < n_items; i += threads) {
            const auto& it = items[static_cast<std::size_t>(n_items - 1 - i)];
            const AttentionRun& r = batch.runs[static_cast<std::size_t>(it.run)];
            attention_avx512_item(s, kv, layer, batch.tables[static_cast<std::size_t>(r.seq)], r.pos0 + (it.t0 - r.t0), it.kv_head, it.t0,
                                  it.t1, q, out, scratch.thread(thread), scratch.n_ctx());
        }
    });
}

}  // namespace qforge
