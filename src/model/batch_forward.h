#pragma once
// The whole model over one batch of tokens from any number of sequences (batch_layout.h): embeddings, every
// layer, then the logits of the tokens that ask for them. The model is shared and never changes; the keys and
// values live in the caller's KvPool, the sequences' block tables come with each batch, so one BatchForward
// serves every sequence of a server as well as a single perplexity run. Working memory for batches of up to
// max_tokens tokens and sequences of up to n_ctx positions is sized at construction: steps allocate nothing.
#include <cstdint>
#include <span>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "model/batch_layout.h"
#include "model/kv_pool.h"
#include "model/layer_forward.h"
#include "model/llama_model.h"

namespace qforge {

struct BatchInput {
    std::span<const std::int32_t> tokens, positions, seq;  // one entry per token
    std::span<const std::uint8_t> want_logits;             // per token; empty: the last token only
    std::span<const KvTable> tables;                       // block tables, indexed by seq
};

class BatchForward {
public:
    BatchForward(const LlamaModel& model, std::int64_t max_tokens, std::int64_t n_ctx, ThreadPool& pool);

    // A pool of n_blocks blocks of block_tokens positions for this model's layers and heads.
    static KvPool make_pool(const LlamaModel& model, std::int64_t n_blocks, std::int64_t block_tokens);

    // Runs the batch, writing its keys and values into kv; logits gets n_vocab floats for each token that
    // wants them, in batch order. Returns the number of logit rows.
    std::int64_t step(KvPool& kv, const BatchInput& in, float* logits);

    void set_matmul_observer(MatmulObserver observer) { observer_ = std::move(observer); }
    std::int64_t max_tokens() const { return max_tokens_; }
    std::int64_t n_ctx() const { return n_ctx_; }
    const LlamaModel& model() const { return model_; }

private:
    const LlamaModel& model_;
    const LlamaHparams& hp_;
    ThreadPool& pool_;
    std::int64_t max_tokens_, n_ctx_;
    ForwardScratch scratch_;
    AlignedBuffer x_, xn_, rope_;
    MatmulScratch output_scratch_;
    std::vector<AttentionRun> runs_;
    std::vector<std::int64_t> logit_rows_;
    MatmulObserver observer_;
};

}  // namespace qforge
