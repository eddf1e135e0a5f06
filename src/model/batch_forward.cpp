#include "model/batch_forward.h"

#include <algorithm>

#include "core/error.h"
#include "model/ops.h"

namespace qforge {
namespace {

const float* f32(const TensorView* t) { return reinterpret_cast<const float*>(t->data.data()); }

}  // namespace

BatchForward::BatchForward(const LlamaModel& model, std::int64_t max_tokens, std::int64_t n_ctx, ThreadPool& pool)
    : model_(model), hp_(model.hparams()), pool_(pool), max_tokens_(std::max<std::int64_t>(max_tokens, 1)),
      n_ctx_(std::max<std::int64_t>(n_ctx, 1)), scratch_(model.hparams(), max_tokens_, n_ctx_, pool.size()) {
    const std::size_t e = static_cast<std::size_t>(max_tokens_ * hp_.n_embd) * sizeof(float);
    x_.reserve(e);
    xn_.reserve(e);
    rope_.reserve(rope_table_floats(hp_, max_tokens_) * sizeof(float));
    const LinearWeight* out[] = {&model.output()};
    output_scratch_.reserve(out, max_tokens_);
    runs_.reserve(static_cast<std::size_t>(max_tokens_));
    logit_rows_.reserve(static_cast<std::size_t>(max_tokens_));
}

KvPool BatchForward::make_pool(const LlamaModel& model, std::int64_t n_blocks, std::int64_t block_tokens) {
    const auto& hp = model.hparams();
    return KvPool(hp.n_layer, hp.n_head_kv * hp.head_dim, n_blocks, block_tokens);
}

std::int64_t BatchForward::step(KvPool& kv, const BatchInput& in, float* logits) {
    const auto T = static_cast<std::int64_t>(in.tokens.size());
    if (T == 0) fail("batch: no tokens");
    if (T > max_tokens_) fail("batch: {} tokens, more than the {} a step takes", T, max_tokens_);
    if (in.positions.size() != in.tokens.size() || in.seq.size() != in.tokens.size() ||
        (!in.want_logits.empty() && in.want_logits.size() != in.tokens.size()))
        fail("batch: {} tokens with {} positions, {} sequence ids and {} logit flags", T, in.positions.size(), in.seq.size(),
             in.want_logits.size());
    if (kv.n_layer() != hp_.n_layer || kv.row() != hp_.n_head_kv * hp_.head_dim)
        fail("batch: the KV pool holds {} layers of rows of {}, the model needs {} of {}", kv.n_layer(), kv.row(), hp_.n_layer,
             hp_.n_head_kv * hp_.head_dim);
    for (auto tok : in.tokens)
        if (tok < 0 || tok >= hp_.n_vocab) fail("batch: token id {} is outside the vocabulary ({})", tok, hp_.n_vocab);
    for (auto p : in.positions)
        if (p >= n_ctx_) fail("batch: position {} is beyond the {} positions a sequence may hold", p, n_ctx_);
    plan_runs(in.positions, in.seq, in.tables, kv.block_tokens(), runs_);
    const BatchLayout layout{in.positions, in.seq, in.tables, runs_};

    const auto& w = model_.weights();
    const std::int64_t E = hp_.n_embd;
    float* x = x_.as<float>();
    float* xn = xn_.as<float>();
    float* rope = rope_.as<float>();
    embed_tokens(hp_, *w.tok_embd, in.tokens, x);
    rope_table(hp_, w.rope_factors(n_ctx_, hp_.n_ctx_orig), in.positions, rope);
    for (std::int64_t l = 0; l < hp_.n_layer; ++l) forward_layer(hp_, model_.layer(l), kv, l, layout, rope, x, pool_, scratch_, observer_);

    logit_rows_.clear();
    for (std::int64_t t = 0; t < T; ++t)
        if (in.want_logits.empty() ? t == T - 1 : in.want_logits[static_cast<std::size_t>(t)] != 0) logit_rows_.push_back(t);
    const auto n_out = static_cast<std::int64_t>(logit_rows_.size());
    if (n_out == 0) return 0;
    for (std::int64_t i = 0; i < n_out; ++i) rms_norm(x + logit_rows_[static_cast<std::size_t>(i)] * E, f32(w.output_norm), xn + i * E, E, hp_.rms_eps);
    if (observer_) observer_(model_.output().view(), -1, xn, n_out);
    matmul(model_.output(), xn, n_out, logits, pool_, output_scratch_);
    final_soft_cap(hp_, logits, n_out);
    return n_out;
}

}  // namespace qforge
