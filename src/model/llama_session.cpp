#include "model/llama_session.h"

#include <algorithm>

#include "core/error.h"

namespace qforge {
namespace {

std::int64_t positive_ctx(std::int64_t n_ctx) {
    if (n_ctx <= 0) fail("context size must be positive, not {}", n_ctx);
    return n_ctx;
}

}  // namespace

LlamaSession::LlamaSession(const LlamaModel& model, std::int64_t n_ctx, ThreadPool& pool, std::int64_t max_batch)
    : hp_(model.hparams()), n_ctx_(positive_ctx(n_ctx)), max_batch_(std::clamp<std::int64_t>(max_batch, 1, n_ctx_)),
      kv_(BatchForward::make_pool(model, 1, n_ctx_)), forward_(model, max_batch_, n_ctx_, pool) {
    positions_.reserve(static_cast<std::size_t>(max_batch_));
    seq_.assign(static_cast<std::size_t>(max_batch_), 0);
    want_.reserve(static_cast<std::size_t>(max_batch_));
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
    const KvTable tables[] = {KvTable(&block0_, 1)};
    for (std::int64_t b = 0; b < T; b += max_batch_) {
        const std::int64_t n = std::min(max_batch_, T - b);
        const bool last = b + n == T;
        positions_.clear();
        want_.clear();
        for (std::int64_t i = 0; i < n; ++i) {
            positions_.push_back(static_cast<std::int32_t>(n_past_ + i));
            want_.push_back(all_logits || (last && i == n - 1) ? 1 : 0);
        }
        const BatchInput in{tokens.subspan(static_cast<std::size_t>(b), static_cast<std::size_t>(n)), positions_,
                            std::span<const std::int32_t>(seq_.data(), static_cast<std::size_t>(n)), want_, tables};
        float* out = logits.data() + (all_logits ? b * hp_.n_vocab : 0);
        forward_.step(kv_, in, out);
        n_past_ += n;
    }
}

}  // namespace qforge
