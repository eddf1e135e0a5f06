#include "model/llama_session.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
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

void embed(const TensorView& emb, std::int32_t token, float* out, std::int64_t n) {
    const std::size_t row_bytes = emb.data.size() / static_cast<std::size_t>(emb.ne[1]);
    const std::uint8_t* row = emb.data.data() + static_cast<std::size_t>(token) * row_bytes;
    dequantize_row(emb.type, row, out, n);
}

}  // namespace

LlamaSession::LlamaSession(const LlamaModel& model, std::int64_t n_ctx, ThreadPool& pool)
    : model_(model), hp_(model.hparams()), pool_(pool), n_ctx_(n_ctx),
      cache_(model.hparams().n_layer, n_ctx, model.hparams().n_head_kv * model.hparams().head_dim) {
    if (n_ctx <= 0) fail("context size must be positive, not {}", n_ctx);
}

void LlamaSession::attention(std::int64_t layer, std::int64_t n_tokens, const float* q, float* out) {
    const std::int64_t hd = hp_.head_dim, n_head = hp_.n_head, group = hp_.n_head / hp_.n_head_kv;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    pool_.parallel_for(n_tokens * n_head, [&](std::int64_t b, std::int64_t e) {
        std::vector<float> scores(static_cast<std::size_t>(n_past_ + n_tokens));
        std::vector<float> qh(static_cast<std::size_t>(hd)), acc(static_cast<std::size_t>(hd));
        for (std::int64_t item = b; item < e; ++item) {
            const std::int64_t t = item / n_head, h = item % n_head, kvh = h / group;
            const std::int64_t n_kv = n_past_ + t + 1;  // causal: positions up to this token's
            // llama.cpp rounds q to fp16 for the dot with the fp16 keys, and the probabilities for the values
            for (std::int64_t i = 0; i < hd; ++i) qh[i] = fp16_to_fp32(fp32_to_fp16(q[(t * n_head + h) * hd + i]));
            for (std::int64_t j = 0; j < n_kv; ++j)
                scores[static_cast<std::size_t>(j)] = vec_dot(TensorType::F32, cache_.k_at(layer, j) + kvh * hd, qh.data(), hd) * scale;
            softmax(scores.data(), n_kv);
            std::fill(acc.begin(), acc.end(), 0.0f);
            for (std::int64_t j = 0; j < n_kv; ++j) {
                const float p = fp16_to_fp32(fp32_to_fp16(scores[static_cast<std::size_t>(j)]));
                const float* v = cache_.v_at(layer, j) + kvh * hd;
                for (std::int64_t i = 0; i < hd; ++i) acc[i] += p * v[i];
            }
            std::memcpy(out + (t * n_head + h) * hd, acc.data(), static_cast<std::size_t>(hd) * sizeof(float));
        }
    });
}

void LlamaSession::truncate(std::int64_t n_past) {
    if (n_past < 0 || n_past > n_past_) fail("truncate: position {} is outside the {} decoded", n_past, n_past_);
    n_past_ = n_past;
}

void LlamaSession::mm(const TensorView& w, const float* x, std::int64_t n_tokens, float* y) {
    if (observer_) observer_(w, x, n_tokens);
    matmul(w, x, n_tokens, y, pool_);
}

void LlamaSession::decode(std::span<const std::int32_t> tokens, bool all_logits, std::vector<float>& logits) {
    const std::int64_t T = static_cast<std::int64_t>(tokens.size());
    if (T == 0) fail("decode: no tokens");
    if (n_past_ + T > n_ctx_) fail("decode: {} tokens after {} do not fit the context of {}", T, n_past_, n_ctx_);
    const auto& w = model_.weights();
    const std::int64_t E = hp_.n_embd, hd = hp_.head_dim, nq = hp_.n_head * hd, nkv = hp_.n_head_kv * hd;
    for (auto tok : tokens)
        if (tok < 0 || tok >= hp_.n_vocab) fail("decode: token id {} is outside the vocabulary ({})", tok, hp_.n_vocab);

    std::vector<float> x(static_cast<std::size_t>(T * E)), xn(x.size()), q(static_cast<std::size_t>(T * nq)),
        k(static_cast<std::size_t>(T * nkv)), v(k.size()), att(q.size()), tmp(x.size()),
        gate(static_cast<std::size_t>(T * hp_.n_ff)), up(gate.size()), rope(static_cast<std::size_t>(T * hp_.n_rot));
    for (std::int64_t t = 0; t < T; ++t) embed(*w.tok_embd, tokens[static_cast<std::size_t>(t)], x.data() + t * E, E);
    const float* freq_factors = w.rope_freqs != nullptr ? f32(w.rope_freqs) : nullptr;
    for (std::int64_t t = 0; t < T; ++t)
        rope_cache(rope.data() + t * hp_.n_rot, hp_.n_rot, n_past_ + t, hp_.rope_base, hp_.rope_freq_scale, freq_factors);

    for (std::int64_t l = 0; l < hp_.n_layer; ++l) {
        const LlamaLayer& L = w.layers[static_cast<std::size_t>(l)];
        for (std::int64_t t = 0; t < T; ++t) rms_norm(x.data() + t * E, f32(L.attn_norm), xn.data() + t * E, E, hp_.rms_eps);
        mm(*L.wq, xn.data(), T, q.data());
        mm(*L.wk, xn.data(), T, k.data());
        mm(*L.wv, xn.data(), T, v.data());
        add_bias(q.data(), L.bq, T, nq);
        add_bias(k.data(), L.bk, T, nkv);
        add_bias(v.data(), L.bv, T, nkv);
        for (std::int64_t t = 0; t < T; ++t) {
            const float* rc = rope.data() + t * hp_.n_rot;
            for (std::int64_t h = 0; h < hp_.n_head; ++h) rope_apply(q.data() + t * nq + h * hd, rc, hp_.n_rot, hp_.rope_neox);
            for (std::int64_t h = 0; h < hp_.n_head_kv; ++h) rope_apply(k.data() + t * nkv + h * hd, rc, hp_.n_rot, hp_.rope_neox);
            float* kc = cache_.k_at(l, n_past_ + t);
            float* vc = cache_.v_at(l, n_past_ + t);
            for (std::int64_t i = 0; i < nkv; ++i) {
                kc[i] = fp16_to_fp32(fp32_to_fp16(k[static_cast<std::size_t>(t * nkv + i)]));
                vc[i] = fp16_to_fp32(fp32_to_fp16(v[static_cast<std::size_t>(t * nkv + i)]));
            }
        }
        attention(l, T, q.data(), att.data());
        mm(*L.wo, att.data(), T, tmp.data());
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];

        for (std::int64_t t = 0; t < T; ++t) rms_norm(x.data() + t * E, f32(L.ffn_norm), xn.data() + t * E, E, hp_.rms_eps);
        mm(*L.gate, xn.data(), T, gate.data());
        mm(*L.up, xn.data(), T, up.data());
        swiglu(gate.data(), up.data(), gate.data(), T * hp_.n_ff);
        mm(*L.down, gate.data(), T, tmp.data());
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += tmp[i];
    }

    const std::int64_t first = all_logits ? 0 : T - 1, n_out = T - first;
    for (std::int64_t t = first; t < T; ++t)
        rms_norm(x.data() + t * E, f32(w.output_norm), xn.data() + (t - first) * E, E, hp_.rms_eps);
    logits.resize(static_cast<std::size_t>(n_out * hp_.n_vocab));
    mm(*w.output, xn.data(), n_out, logits.data());
    n_past_ += T;
}

}  // namespace qforge
