#include "model/layer_forward.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/float_convert.h"
#include "model/ops.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/matmul.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

const float* f32(const TensorView* t) { return reinterpret_cast<const float*>(t->data.data()); }

void add_bias(float* x, const TensorView* bias, std::int64_t n_tokens, std::int64_t n) {
    if (bias == nullptr) return;
    for (std::int64_t t = 0; t < n_tokens; ++t)
        for (std::int64_t i = 0; i < n; ++i) x[t * n + i] += f32(bias)[i];
}

void attention(const LlamaHparams& hp, KvCache& cache, std::int64_t layer, std::int64_t n_past, std::int64_t n_tokens,
               const float* q, float* out, ThreadPool& pool) {
    const std::int64_t hd = hp.head_dim, n_head = hp.n_head, group = hp.n_head / hp.n_head_kv;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    pool.parallel_for(n_tokens * n_head, [&](std::int64_t b, std::int64_t e) {
        std::vector<float> scores(static_cast<std::size_t>(n_past + n_tokens));
        std::vector<float> qh(static_cast<std::size_t>(hd)), acc(static_cast<std::size_t>(hd));
        for (std::int64_t item = b; item < e; ++item) {
            const std::int64_t t = item / n_head, h = item % n_head, kvh = h / group;
            const std::int64_t n_kv = n_past + t + 1;  // causal: positions up to this token's
            // llama.cpp rounds q to fp16 for the dot with the fp16 keys, and the probabilities for the values
            for (std::int64_t i = 0; i < hd; ++i) qh[i] = fp16_to_fp32(fp32_to_fp16(q[(t * n_head + h) * hd + i]));
            for (std::int64_t j = 0; j < n_kv; ++j)
                scores[static_cast<std::size_t>(j)] = vec_dot(TensorType::F32, cache.k_at(layer, j) + kvh * hd, qh.data(), hd) * scale;
            softmax(scores.data(), n_kv);
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (std::int64_t j = 0; j < n_kv; ++j) {
                const float p = fp16_to_fp32(fp32_to_fp16(scores[static_cast<std::size_t>(j)]));
                const float* v = cache.v_at(layer, j) + kvh * hd;
                for (std::int64_t i = 0; i < hd; ++i) acc[i] += p * v[i];
            }
            std::memcpy(out + (t * n_head + h) * hd, acc.data(), static_cast<std::size_t>(hd) * sizeof(float));
        }
    });
}

}  // namespace

void embed_tokens(const TensorView& emb, std::span<const std::int32_t> tokens, float* x, std::int64_t n) {
    const std::size_t row_bytes = emb.data.size() / static_cast<std::size_t>(emb.ne[1]);
    for (std::size_t t = 0; t < tokens.size(); ++t)
        dequantize_row(emb.type, emb.data.data() + static_cast<std::size_t>(tokens[t]) * row_bytes, x + static_cast<std::int64_t>(t) * n, n);
}

std::vector<float> rope_table(const LlamaHparams& hp, const TensorView* rope_freqs, std::int64_t n_past, std::int64_t n_tokens) {
    std::vector<float> rope(static_cast<std::size_t>(n_tokens * hp.n_rot));
    const float* freq_factors = rope_freqs != nullptr ? f32(rope_freqs) : nullptr;
    for (std::int64_t t = 0; t < n_tokens; ++t)
        rope_cache(rope.data() + t * hp.n_rot, hp.n_rot, n_past + t, hp.rope_base, hp.rope_freq_scale, freq_factors);
    return rope;
}

void forward_layer(const LlamaHparams& hp, const LlamaLayer& L, KvCache& cache, std::int64_t l, std::int64_t n_past,
                   const float* rope, float* x, std::int64_t T, ThreadPool& pool, const MatmulObserver& observer) {
    const std::int64_t E = hp.n_embd, hd = hp.head_dim, nq = hp.n_head * hd, nkv = hp.n_head_kv * hd;
    std::vector<float> xn(static_cast<std::size_t>(T * E)), q(static_cast<std::size_t>(T * nq)),
        k(static_cast<std::size_t>(T * nkv)), v(k.size()), att(q.size()), tmp(xn.size()),
        gate(static_cast<std::size_t>(T * hp.n_ff)), up(gate.size());
    auto mm = [&](const TensorView& w, const float* in, float* y) {
        if (observer) observer(w, in, T);
        matmul(w, in, T, y, pool);
    };
    for (std::int64_t t = 0; t < T; ++t) rms_norm(x + t * E, f32(L.attn_norm), xn.data() + t * E, E, hp.rms_eps);
    mm(*L.wq, xn.data(), q.data());
    mm(*L.wk, xn.data(), k.data());
    mm(*L.wv, xn.data(), v.data());
    add_bias(q.data(), L.bq, T, nq);
    add_bias(k.data(), L.bk, T, nkv);
    add_bias(v.data(), L.bv, T, nkv);
    for (std::int64_t t = 0; t < T; ++t) {
        const float* rc = rope + t * hp.n_rot;
        for (std::int64_t h = 0; h < hp.n_head; ++h) rope_apply(q.data() + t * nq + h * hd, rc, hp.n_rot, hp.rope_neox);
        for (std::int64_t h = 0; h < hp.n_head_kv; ++h) rope_apply(k.data() + t * nkv + h * hd, rc, hp.n_rot, hp.rope_neox);
        float* kc = cache.k_at(l, n_past + t);
        float* vc = cache.v_at(l, n_past + t);
        for (std::int64_t i = 0; i < nkv; ++i) {
            kc[i] = fp16_to_fp32(fp32_to_fp16(k[static_cast<std::size_t>(t * nkv + i)]));
            vc[i] = fp16_to_fp32(fp32_to_fp16(v[static_cast<std::size_t>(t * nkv + i)]));
        }
    }
    attention(hp, cache, l, n_past, T, q.data(), att.data(), pool);
    mm(*L.wo, att.data(), tmp.data());
    for (std::int64_t i = 0; i < T * E; ++i) x[i] += tmp[static_cast<std::size_t>(i)];

    for (std::int64_t t = 0; t < T; ++t) rms_norm(x + t * E, f32(L.ffn_norm), xn.data() + t * E, E, hp.rms_eps);
    mm(*L.gate, xn.data(), gate.data());
    mm(*L.up, xn.data(), up.data());
    swiglu(gate.data(), up.data(), gate.data(), T * hp.n_ff);
    mm(*L.down, gate.data(), tmp.data());
    for (std::int64_t i = 0; i < T * E; ++i) x[i] += tmp[static_cast<std::size_t>(i)];
}

}  // namespace qforge
