#include "model/llama_session.h"

#include <algorithm>

#include "core/error.h"
#include "model/ops.h"

namespace qforge {
namespace {

const float* f32(const TensorView* t) { return reinterpret_cast<const float*>(t->data.data()); }

}  // namespace

LlamaSession::LlamaSession(const LlamaModel& model, std::int64_t n_ctx, ThreadPool& pool, std::int64_t max_batch)
    : model_(model), hp_(model.hparams()), pool_(pool), n_ctx_(n_ctx), max_batch_(std::clamp<std::int64_t>(max_batch, 1, std::max<std::int64_t>(n_ctx, 1))),
      cache_(model.hparams().n_layer, std::max<std::int64_t>(n_ctx, 1), model.hparams().n_head_kv * model.hparams().head_dim),
      scratch_(model.hparams(), max_batch_, std::max<std::int64_t>(n_ctx, 1), pool.size()) {
    if (n_ctx <= 0) fail("context size must be positive, not {}", n_ctx);
    const std::size_t e = static_cast<std::size_t>(max_batch_ * hp_.n_embd) * sizeof(float);
    x_.reserve(e);
    xn_.reserve(e);
    rope_.reserve(static_cast<std::size_t>(max_batch_ * hp_.n_rot) * sizeof(float));
    const LinearWeight* out[] = {&model.output()};
    output_scratch_.reserve(out, max_batch_);
}

void LlamaSession::truncate(std::int64_t n_past) {
    if (n_past < 0 || n_past > n_past_) fail("truncate: position {} is outside the {} decoded", n_past, n_past_);
    n_past_ = n_past;
}

void LlamaSession::decode(std::span<const std::int32_t> tokens, bool all_logits, std::vector<float>& logits) {
    const std::int64_t T = static_cast<std::int64_t>(tokens.size());
    if (T == 0) fail("decode: no tokens");
    if (n_past_ + T > n_ctx_) fail("decode: {} tokens after {} do not fit the context of {}", T, n_past_, n_ctx_);
    for (auto tok : tokens)
        if (tok < 0 || tok >= hp_.n_vocab) fail("decode: token id {} is outside the vocabulary ({})", tok, hp_.n_vocab);
    const std::int64_t n_out = all_logits ? T : 1;
    logits.resize(static_cast<std::size_t>(n_out * hp_.n_vocab));
    for (std::int64_t b = 0; b < T; b += max_batch_) {
        const std::int64_t n = std::min(max_batch_, T - b);
        // logits of this micro-batch's tokens from first_logit on (all of them, or the last token of the last one)
        const std::int64_t first = all_logits ? 0 : (b + n == T ? n - 1 : n);
        float* out = logits.data() + (all_logits ? b * hp_.n_vocab : 0);
        decode_batch(tokens.subspan(static_cast<std::size_t>(b), static_cast<std::size_t>(n)), first, out);
    }
}

void LlamaSession::decode_batch(std::span<const std::int32_t> tokens, std::int64_t first, float* logits) {
    const std::int64_t T = static_cast<std::int64_t>(tokens.size());
    const auto& w = model_.weights();
    const std::int64_t E = hp_.n_embd;
    float* x = x_.as<float>();
    float* xn = xn_.as<float>();
    float* rope = rope_.as<float>();
    embed_tokens(*w.tok_embd, tokens, x, E);
    rope_table(hp_, w.rope_freqs, n_past_, T, rope);
    for (std::int64_t l = 0; l < hp_.n_layer; ++l)
        forward_layer(hp_, model_.layer(l), cache_, l, n_past_, rope, x, T, pool_, scratch_, observer_);
    n_past_ += T;
    if (first >= T) return;
    const std::int64_t n_out = T - first;
    for (std::int64_t t = first; t < T; ++t) rms_norm(x + t * E, f32(w.output_norm), xn + (t - first) * E, E, hp_.rms_eps);
    if (observer_) observer_(model_.output().view(), xn, n_out);
    matmul(model_.output(), xn, n_out, logits, pool_, output_scratch_);
}

}  // namespace qforge
