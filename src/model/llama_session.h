#pragma once
// One sequence being evaluated by a LlamaModel: the KV cache and the forward pass. decode() takes a batch of
// tokens at the next positions (prompt processing is matrix-matrix, one token is matrix-vector) and gives
// their logits. Batches longer than max_batch run as consecutive micro-batches, as llama.cpp's ubatch.
// Every buffer is sized when the session starts.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "model/kv_cache.h"
#include "model/layer_forward.h"
#include "model/llama_model.h"

namespace qforge {

class LlamaSession {
public:
    static constexpr std::int64_t kDefaultMaxBatch = 512;
    LlamaSession(const LlamaModel& model, std::int64_t n_ctx, ThreadPool& pool, std::int64_t max_batch = kDefaultMaxBatch);

    // Appends tokens at positions n_past() ...; logits gets n_vocab floats per token when all_logits,
    // else for the last token only.
    void decode(std::span<const std::int32_t> tokens, bool all_logits, std::vector<float>& logits);
    std::int64_t n_past() const { return n_past_; }
    std::int64_t n_ctx() const { return n_ctx_; }
    void reset() { n_past_ = 0; }
    // Forgets every position from n_past on (the next decode continues there): shared prefixes, then branches.
    void truncate(std::int64_t n_past);
    void set_matmul_observer(MatmulObserver observer) { observer_ = std::move(observer); }
    std::size_t kv_bytes() const { return cache_.bytes(); }

private:
    void decode_batch(std::span<const std::int32_t> tokens, std::int64_t first_logit, float* logits);

    const LlamaModel& model_;
    const LlamaHparams& hp_;
    ThreadPool& pool_;
    std::int64_t n_ctx_, max_batch_;
    std::int64_t n_past_ = 0;
    KvCache cache_;
    ForwardScratch scratch_;
    AlignedBuffer x_, xn_, rope_;
    MatmulScratch output_scratch_;
    MatmulObserver observer_;
};

}  // namespace qforge
