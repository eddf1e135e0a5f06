#include "model/llama_weights.h"

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

class Binder {
public:
    Binder(const TensorSource& src, const std::string& where) : src_(src), where_(where) {}

    const TensorView* get(const std::string& name, std::vector<std::int64_t> ne, bool matrix, bool optional = false) {
        const TensorView* t = src_.find(name);
        if (t == nullptr) {
            if (optional) return nullptr;
            fail("{}: tensor '{}' is missing", where_, name);
        }
        if (t->ne != ne) fail("{}: tensor '{}' has shape {} (expected {})", where_, name, shape_string(t->ne), shape_string(ne));
        if (matrix && !has_vec_dot(t->type))
            fail("{}: tensor '{}' has type {}, which the engine cannot run yet (supported: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_K..q6_K, iq4_nl, iq4_xs)",
                 where_, name, type_name(t->type));
        if (!matrix && t->type != TensorType::F32)
            fail("{}: tensor '{}' has type {} (expected f32)", where_, name, type_name(t->type));
        return t;
    }

private:
    const TensorSource& src_;
    const std::string& where_;
};

}  // namespace

const TensorView*& LlamaLayer::at(LayerRole role) {
    switch (role) {
        case LayerRole::AttnNorm: return attn_norm;
        case LayerRole::Wq: return wq;
        case LayerRole::Wk: return wk;
        case LayerRole::Wv: return wv;
        case LayerRole::Bq: return bq;
        case LayerRole::Bk: return bk;
        case LayerRole::Bv: return bv;
        case LayerRole::QNorm: return q_norm;
        case LayerRole::KNorm: return k_norm;
        case LayerRole::Wo: return wo;
        case LayerRole::FfnNorm: return ffn_norm;
        case LayerRole::Gate: return gate;
        case LayerRole::Up: return up;
        case LayerRole::Down: return down;
        case LayerRole::GateInp: return gate_inp;
        case LayerRole::GateExps: return gate_exps;
        case LayerRole::UpExps: return up_exps;
        case LayerRole::DownExps: return down_exps;
        case LayerRole::AttnPostNorm: return attn_post_norm;
        case LayerRole::FfnPostNorm: return ffn_post_norm;
        case LayerRole::Wqkv: return wqkv;
        case LayerRole::GateUp: return gate_up;
    }
    fail("internal error: layer role {}", static_cast<int>(role));
}

TensorView row_slice(const TensorView& t, std::int64_t row0, std::int64_t rows) {
    if (t.ne.size() != 2 || row0 < 0 || rows < 0 || row0 + rows > t.ne[1])
        fail("internal error: rows {}..{} of '{}' ({})", row0, row0 + rows, t.name, shape_string(t.ne));
    const std::size_t row_bytes = t.data.size() / static_cast<std::size_t>(t.ne[1]);
    return TensorView{t.name, t.type, {t.ne[0], rows}, t.data.subspan(static_cast<std::size_t>(row0) * row_bytes, static_cast<std::size_t>(rows) * row_bytes)};
}

const TensorView* LlamaWeights::rope_factors(std::int64_t n_ctx, std::int64_t n_ctx_orig) const {
    if (rope_freqs != nullptr) return rope_freqs;
    // as llama.cpp chooses: by the context one sequence may hold
    if (rope_factors_long != nullptr && n_ctx > n_ctx_orig) return rope_factors_long;
    return rope_factors_short;
}

LlamaWeights bind_llama_weights(const TensorSource& src, const LlamaHparams& hp, const std::string& where) {
    if (hp.family == nullptr) fail("{}: internal error: hyperparameters without a model family", where);
    Binder b(src, where);
    LlamaWeights w;
    const std::int64_t e = hp.n_embd;
    const LayerDims dims = hp.dims();
    const TensorView* emb = src.find("token_embd.weight");
    if (emb == nullptr) fail("{}: tensor 'token_embd.weight' is missing", where);
    if (!has_vec_dot(emb->type) || emb->ne != std::vector<std::int64_t>{e, hp.n_vocab})
        fail("{}: tensor 'token_embd.weight' has type {} and shape {} (expected a type the engine runs and {})",
             where, type_name(emb->type), shape_string(emb->ne), shape_string({e, hp.n_vocab}));
    w.tok_embd = emb;
    w.output_norm = b.get("output_norm.weight", {e}, false);
    w.output = b.get("output.weight", {e, hp.n_vocab}, true, true);
    if (w.output == nullptr) w.output = w.tok_embd;
    w.rope_freqs = b.get("rope_freqs.weight", {hp.n_rot / 2}, false, true);
    w.rope_factors_short = b.get("rope_factors_short.weight", {hp.n_rot / 2}, false, true);
    w.rope_factors_long = b.get("rope_factors_long.weight", {hp.n_rot / 2}, false, true);
    if ((w.rope_factors_short == nullptr) != (w.rope_factors_long == nullptr))
        fail("{}: tensor 'rope_factors_{}.weight' is missing (LongRoPE needs the short and the long factors)", where,
             w.rope_factors_short == nullptr ? "short" : "long");
    auto part = [&](const TensorView& whole, std::int64_t row0, std::int64_t rows) {
        w.parts.push_back(std::make_unique<TensorView>(row_slice(whole, row0, rows)));
        return w.parts.back().get();
    };
    const std::int64_t nq = hp.n_head * hp.head_dim, nkv = hp.n_head_kv * hp.head_dim;
    for (std::int64_t i = 0; i < hp.n_layer; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        LlamaLayer l;
        l.n_expert_used = hp.n_expert_used;
        l.n_swa = hp.layer_window(i);
        l.sliding_rope = hp.layer_sliding_rope(i);
        for (const LayerTensorSpec& t : hp.family->layer) {
            if (!t.applies(hp.n_expert)) continue;
            std::vector<std::int64_t> ne = {dim_size(t.ne0, dims)};
            if (t.ne1 != Dim::None) ne.push_back(dim_size(t.ne1, dims));
            if (t.ne2 != Dim::None) ne.push_back(dim_size(t.ne2, dims));
            // the router stays f32 (as llama.cpp's converters and llama-quantize leave it)
            const bool matrix = t.ne1 != Dim::None && t.role != LayerRole::GateInp;
            l.at(t.role) = b.get(p + std::string(t.gguf), std::move(ne), matrix, t.optional);
        }
        if (l.wqkv != nullptr) {
            l.wq = part(*l.wqkv, 0, nq);
            l.wk = part(*l.wqkv, nq, nkv);
            l.wv = part(*l.wqkv, nq + nkv, nkv);
        }
        if (l.gate_up != nullptr) {
            l.gate = part(*l.gate_up, 0, hp.n_ff);
            l.up = part(*l.gate_up, hp.n_ff, hp.n_ff);
        }
        w.layers.push_back(l);
    }
    return w;
}

}  // namespace qforge
