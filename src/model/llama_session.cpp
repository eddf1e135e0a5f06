#include "model/llama_session.h"

#include "core/error.h"
#include "model/ops.h"
#include "quant/kernels/matmul.h"

namespace qforge {
namespace {

const float* f32(const TensorView* t) { return reinterpret_cast<const float*>(t->data.data()); }

}  // namespace

LlamaSession::LlamaSession(const LlamaModel& model, std::int64_t n_ctx, ThreadPool& pool)
    : model_(model), hp_(model.hparams()), pool_(pool), n_ctx_(n_ctx),
      cache_(model.hparams().n_layer, n_ctx, model.hparams().n_head_kv * model.hparams().head_dim) {
    if (n_ctx <= 0) fail("context size must be positive, not {}", n_ctx);
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
    const std::int64_t E = hp_.n_embd;
    for (auto tok : tokens)
        if (tok < 0 || tok >= hp_.n_vocab) fail("decode: token id {} is outside the vocabulary ({})", tok, hp_.n_vocab);

    std::vector<float> x(static_cast<std::size_t>(T * E)), xn(x.size());
    embed_tokens(*w.tok_embd, tokens, x.data(), E);
    const std::vector<float> rope = rope_table(hp_, w.rope_freqs, n_past_, T);
    for (std::int64_t l = 0; l < hp_.n_layer; ++l)
        forward_layer(hp_, w.layers[static_cast<std::size_t>(l)], cache_, l, n_past_, rope.data(), x.data(), T, pool_, observer_);

    const std::int64_t first = all_logits ? 0 : T - 1, n_out = T - first;
    for (std::int64_t t = first; t < T; ++t)
        rms_norm(x.data() + t * E, f32(w.output_norm), xn.data() + (t - first) * E, E, hp_.rms_eps);
    logits.resize(static_cast<std::size_t>(n_out * hp_.n_vocab));
    mm(*w.output, xn.data(), n_out, logits.data());
    n_past_ += T;
}

}  // namespace qforge
