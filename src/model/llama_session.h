#pragma once
// One sequence being evaluated by a LlamaModel: the KV cache and the forward pass. decode() takes a batch of
// tokens at the next positions (prompt processing is matrix-matrix, one token is matrix-vector) and gives
// their logits.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/kv_cache.h"
#include "model/layer_forward.h"
#include "model/llama_model.h"

namespace qforge {

class LlamaSession {
public:
    LlamaSession(const LlamaModel& model, std::int64_t n_ctx, ThreadPool& pool);

    // Appends tokens at positions n_past() ...; logits gets n_vocab floats per token when all_logits,
    // else for the last token only.
    void decode(std::span<const std::int32_t> tokens, bool all_logits, std::vector<float>& logits);
    std::int64_t n_past() const { return n_past_; }
    std::int64_t n_ctx() const { return n_ctx_; }
    void reset() { n_past_ = 0; }
    // Forgets every position from n_past on (the next decode continues there): shared prefixes, then branches.
    void truncate(std::int64_t n_past);
    void set_matmul_observer(MatmulObserver observer) { observer_ = std::move(observer); }

private:
    void mm(const TensorView& w, const float* x, std::int64_t n_tokens, float* y);

    const LlamaModel& model_;
    const LlamaHparams& hp_;
    ThreadPool& pool_;
    std::int64_t n_ctx_;
    std::int64_t n_past_ = 0;
    KvCache cache_;
    MatmulObserver observer_;
};

}  // namespace qforge
