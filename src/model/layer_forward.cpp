#include "model/layer_forward.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "model/ops.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/activations.h"

namespace qforge {
namespace {

const float* f32(const TensorView* t) { return reinterpret_cast<const float*>(t->data.data()); }

void add_bias(float* x, const TensorView* bias, std::int64_t n_tokens, std::int64_t n) {
    if (bias == nullptr) return;
    for (std::int64_t t = 0; t < n_tokens; ++t) add_in_place(x + t * n, f32(bias), n);
}

// Element-wise work over tokens: on the calling thread for a few tokens (decode), else split over the pool.
template <typename F>
void over_tokens(ThreadPool& pool, std::int64_t n_tokens, F&& fn) {
    if (n_tokens < 4) fn(std::int64_t{0}, n_tokens);
    else pool.parallel_for(n_tokens, fn);
}

std::size_t floats(std::int64_t n) { return static_cast<std::size_t>(n) * sizeof(float); }

}  // namespace

LayerWeights bind_layer(const LlamaLayer& l, ThreadPool* pool, LinearWeight::Source source, KernelChoice choice) {
    LayerWeights w;
    w.attn_norm = l.attn_norm;
    w.ffn_norm = l.ffn_norm;
    w.bq = l.bq;
    w.bk = l.bk;
    w.bv = l.bv;
    w.q_norm = l.q_norm;
    w.k_norm = l.k_norm;
    w.attn_post_norm = l.attn_post_norm;
    w.ffn_post_norm = l.ffn_post_norm;
    w.wqkv = l.wqkv;
    w.gate_up = l.gate_up;
    w.n_swa = l.n_swa;
    w.sliding_rope = l.sliding_rope;
    auto linear = [&](const TensorView* v) { return LinearWeight(*v, pool, source, choice); };
    w.wq = linear(l.wq);
    w.wk = linear(l.wk);
    w.wv = linear(l.wv);
    w.wo = linear(l.wo);
    if (l.gate_inp == nullptr) {
        w.gate = linear(l.gate);
        w.up = linear(l.up);
        w.down = linear(l.down);
        return w;
    }
    ExpertWeights& x = w.experts;
    x.gate_stacked = l.gate_exps;
    x.up_stacked = l.up_exps;
    x.down_stacked = l.down_exps;
    x.router = LinearWeight(*l.gate_inp, pool, LinearWeight::Source::Memory, choice);
    x.n_expert_used = l.n_expert_used;
    auto views = std::make_shared<std::vector<TensorView>>();
    for (const TensorView* stacked : {l.gate_exps, l.up_exps, l.down_exps})
        for (TensorView& v : expert_slices(*stacked)) views->push_back(std::move(v));
    const std::size_t n = views->size() / 3;
    for (std::size_t e = 0; e < n; ++e) {
        x.gate.emplace_back((*views)[e], pool, source, choice);
        x.up.emplace_back((*views)[n + e], pool, source, choice);
        x.down.emplace_back((*views)[2 * n + e], pool, source, choice);
    }
    x.views = std::move(views);
    return w;
}

std::vector<const LinearWeight*> LayerWeights::matrices() const {
    std::vector<const LinearWeight*> m = {&wq, &wk, &wv, &wo};
    if (!has_experts()) {
        for (const LinearWeight* w : {&gate, &up, &down}) m.push_back(w);
        return m;
    }
    m.push_back(&experts.router);
    for (const auto* list : {&experts.gate, &experts.up, &experts.down})
        for (const LinearWeight& w : *list) m.push_back(&w);
    return m;
}

ForwardScratch::ForwardScratch(const LlamaHparams& hp, std::int64_t max_tokens, std::int64_t n_ctx, int n_threads)
    : max_tokens_(max_tokens),
      attention_(AttentionShape{hp.n_head, hp.n_head_kv, hp.head_dim}, n_ctx, max_tokens, n_threads) {
    if (max_tokens < 1) fail("forward pass: a batch needs at least one token");
    const std::int64_t T = max_tokens, nq = hp.n_head * hp.head_dim, nkv = hp.n_head_kv * hp.head_dim;
    xn_.reserve(floats(T * hp.n_embd));
    q_.reserve(floats(T * nq));
    k_.reserve(floats(T * nkv));
    v_.reserve(floats(T * nkv));
    att_.reserve(floats(T * nq));
    tmp_.reserve(floats(T * std::max(hp.n_embd, nkv)));
    gate_.reserve(floats(T * hp.n_ff));
    up_.reserve(floats(T * hp.n_ff));
    if (hp.n_expert > 0) moe_ = MoeScratch(T, hp.n_embd, hp.n_ff_exp, hp.n_expert, hp.n_expert_used);
}

void embed_tokens(const LlamaHparams& hp, const TensorView& emb, std::span<const std::int32_t> tokens, float* x) {
    const std::int64_t n = hp.n_embd;
    const std::size_t row_bytes = emb.data.size() / static_cast<std::size_t>(emb.ne[1]);
    for (std::size_t t = 0; t < tokens.size(); ++t)
        dequantize_row(emb.type, emb.data.data() + static_cast<std::size_t>(tokens[t]) * row_bytes, x + static_cast<std::int64_t>(t) * n, n);
    embed_scale(hp, x, static_cast<std::int64_t>(tokens.size()));
}

std::size_t rope_table_floats(const LlamaHparams& hp, std::int64_t n_tokens) {
    return static_cast<std::size_t>(n_tokens * hp.n_rot * (hp.has_sliding_rope() ? 2 : 1));
}

void rope_table(const LlamaHparams& hp, const TensorView* rope_freqs, std::span<const std::int32_t> positions, float* out) {
    const float* freq_factors = rope_freqs != nullptr ? f32(rope_freqs) : nullptr;
    const auto T = static_cast<std::int64_t>(positions.size());
    for (int table = 0; table < (hp.has_sliding_rope() ? 2 : 1); ++table) {
        // the second: the sliding layers' base, unscaled (Gemma 3, as llama.cpp's graph)
        const float base = table == 0 ? hp.rope_base : hp.family->sliding_rope_base;
        const float freq_scale = table == 0 ? hp.rope_freq_scale : 1.0f;
        for (std::int64_t t = 0; t < T; ++t) {
            float* c = out + (table * T + t) * hp.n_rot;
            rope_cache(c, hp.n_rot, positions[static_cast<std::size_t>(t)], base, freq_scale, table == 0 ? freq_factors : nullptr);
            if (hp.rope_attn_factor != 1.0f)  // (ggml scales cos and sin as they are computed)
                for (std::int64_t i = 0; i < hp.n_rot; ++i) c[i] *= hp.rope_attn_factor;
        }
    }
}

std::vector<float> rope_table(const LlamaHparams& hp, const TensorView* rope_freqs, std::span<const std::int32_t> positions) {
    std::vector<float> rope(rope_table_floats(hp, static_cast<std::int64_t>(positions.size())));
    rope_table(hp, rope_freqs, positions, rope.data());
    return rope;
}

void final_soft_cap(const LlamaHparams& hp, float* logits, std::int64_t n_rows) {
    if (hp.final_softcap > 0.0f) soft_cap(logits, n_rows * hp.n_vocab, hp.final_softcap);
}

void forward_layer(const LlamaHparams& hp, const LayerWeights& L, KvPool& kv, std::int64_t l, const BatchLayout& batch,
                   const float* rope, float* x, ThreadPool& pool, ForwardScratch& s, const MatmulObserver& observer) {
    const std::int64_t T = batch.n_tokens();
    if (T > s.max_tokens_) fail("forward pass: {} tokens in a batch sized for {}", T, s.max_tokens_);
    const std::int64_t E = hp.n_embd, hd = hp.head_dim, nq = hp.n_head * hd, nkv = hp.n_head_kv * hd, F = hp.n_ff;
    float *xn = s.xn_.as<float>(), *q = s.q_.as<float>(), *k = s.k_.as<float>(), *v = s.v_.as<float>();
    float *att = s.att_.as<float>(), *tmp = s.tmp_.as<float>(), *gate = s.gate_.as<float>(), *up = s.up_.as<float>();
    auto observe = [&](const LinearWeight& w, const float* in) {
        if (observer) observer(w.view(), -1, in, T);
    };

    // attention block
    over_tokens(pool, T, [&](std::int64_t t0, std::int64_t t1) {
        for (std::int64_t t = t0; t < t1; ++t) rms_norm(x + t * E, f32(L.attn_norm), xn + t * E, E, hp.rms_eps);
    });
    if (L.wqkv != nullptr) {
        if (observer) observer(*L.wqkv, -1, xn, T);
    } else {
        observe(L.wq, xn);
        observe(L.wk, xn);
        observe(L.wv, xn);
    }
    {
        const LinearWeight* ws[] = {&L.wq, &L.wk, &L.wv};
        float* ys[] = {q, k, v};
        matmul(ws, xn, T, ys, pool, s.matmul_);
    }
    over_tokens(pool, T, [&](std::int64_t t0, std::int64_t t1) {
        const std::int64_t n = t1 - t0;
        add_bias(q + t0 * nq, L.bq, n, nq);
        add_bias(k + t0 * nkv, L.bk, n, nkv);
        add_bias(v + t0 * nkv, L.bv, n, nkv);
        for (std::int64_t t = t0; t < t1; ++t) {
            if (L.q_norm != nullptr)
                for (std::int64_t h = 0; h < hp.n_head; ++h) rms_norm(q + t * nq + h * hd, f32(L.q_norm), q + t * nq + h * hd, hd, hp.rms_eps);
            if (L.k_norm != nullptr)
                for (std::int64_t h = 0; h < hp.n_head_kv; ++h) rms_norm(k + t * nkv + h * hd, f32(L.k_norm), k + t * nkv + h * hd, hd, hp.rms_eps);
            const float* rc = rope + ((L.sliding_rope ? T : 0) + t) * hp.n_rot;
            for (std::int64_t h = 0; h < hp.n_head; ++h) rope_apply(q + t * nq + h * hd, rc, hp.n_rot, hp.rope_neox);
            for (std::int64_t h = 0; h < hp.n_head_kv; ++h) rope_apply(k + t * nkv + h * hd, rc, hp.n_rot, hp.rope_neox);
            // the cache holds fp16, as llama.cpp's
            const KvTable table = batch.tables[static_cast<std::size_t>(batch.seq[static_cast<std::size_t>(t)])];
            const std::int64_t pos = batch.positions[static_cast<std::size_t>(t)];
            convert_activation_row(ActivationFormat::F16, k + t * nkv, nkv, reinterpret_cast<std::uint8_t*>(kv.k_at(l, table, pos)));
            convert_activation_row(ActivationFormat::F16, v + t * nkv, nkv, reinterpret_cast<std::uint8_t*>(kv.v_at(l, table, pos)));
        }
    });
    const AttentionShape shape{hp.n_head, hp.n_head_kv, hd, L.n_swa, hp.attn_scale, hp.family->scale_queries, hp.attn_softcap};
    attention(shape, kv, l, batch, q, att, pool, s.attention_);
    observe(L.wo, att);
    matmul(L.wo, att, T, tmp, pool, s.matmul_);
    over_tokens(pool, T, [&](std::int64_t t0, std::int64_t t1) {
        if (L.attn_post_norm != nullptr)
            for (std::int64_t t = t0; t < t1; ++t) rms_norm(tmp + t * E, f32(L.attn_post_norm), tmp + t * E, E, hp.rms_eps);
        add_in_place(x + t0 * E, tmp + t0 * E, (t1 - t0) * E);
        for (std::int64_t t = t0; t < t1; ++t) rms_norm(x + t * E, f32(L.ffn_norm), xn + t * E, E, hp.rms_eps);
    });

    // feed-forward block
    if (L.has_experts()) {
        moe_ffn(L.experts, xn, T, tmp, pool, s.moe_, s.matmul_, observer);
        over_tokens(pool, T, [&](std::int64_t t0, std::int64_t t1) { add_in_place(x + t0 * E, tmp + t0 * E, (t1 - t0) * E); });
        return;
    }
    if (L.gate_up != nullptr) {
        if (observer) observer(*L.gate_up, -1, xn, T);
    } else {
        observe(L.gate, xn);
        observe(L.up, xn);
    }
    {
        const LinearWeight* ws[] = {&L.gate, &L.up};
        float* ys[] = {gate, up};
        matmul(ws, xn, T, ys, pool, s.matmul_);
    }
    const bool gelu = hp.family->activation == ModelFamily::Activation::GeluTanh;
    over_tokens(pool, T, [&](std::int64_t t0, std::int64_t t1) {
        if (gelu) geglu(gate + t0 * F, up + t0 * F, gate + t0 * F, (t1 - t0) * F);
        else swiglu(gate + t0 * F, up + t0 * F, gate + t0 * F, (t1 - t0) * F);
    });
    observe(L.down, gate);
    matmul(L.down, gate, T, tmp, pool, s.matmul_);
    over_tokens(pool, T, [&](std::int64_t t0, std::int64_t t1) {
        if (L.ffn_post_norm != nullptr)
            for (std::int64_t t = t0; t < t1; ++t) rms_norm(tmp + t * E, f32(L.ffn_post_norm), tmp + t * E, E, hp.rms_eps);
        add_in_place(x + t0 * E, tmp + t0 * E, (t1 - t0) * E);
    });
}

}  // namespace qforge
