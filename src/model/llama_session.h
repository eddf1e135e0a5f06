#pragma once
// One sequence evaluated by a LlamaModel on the batched engine: its own contiguous KV pool (one block of n_ctx
// positions) and a BatchForward. decode() takes tokens at the next positions (prompt processing is
// matrix-matrix, one token is matrix-vector) and gives their logits. Batches longer than max_batch run as
// consecutive micro-batches, as llama.cpp's ubatch. Every buffer is sized when the session starts. Servers
// and batched scoring use BatchForward with a shared pool directly (runtime/).
#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/batch_forward.h"
#include "model/kv_pool.h"
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
    void set_matmul_observer(MatmulObserver observer) { forward_.set_matmul_observer(std::move(observer)); }
    std::size_t kv_bytes() const { return kv_.bytes(); }

private:
    const LlamaHparams& hp_;
    std::int64_t n_ctx_, max_batch_;
    std::int64_t n_past_ = 0;
    KvPool kv_;
    BatchForward forward_;
    std::int32_t block0_ = 0;
    std::vector<std::int32_t> positions_, seq_;
    std::vector<std::uint8_t> want_;
};

}  // namespace qforge
