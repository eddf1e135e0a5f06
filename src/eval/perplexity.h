#pragma once
// Perplexity the way llama-perplexity measures it: the text is tokenized once (with BOS), cut into
// non-overlapping chunks of n_ctx tokens whose first token is replaced by BOS, and only the second half of each
// chunk is scored, each token predicted from the logits before it.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/llama_model.h"
#include "model/llama_session.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

struct PerplexityOptions {
    std::int64_t n_ctx = 512;
    std::int64_t n_chunks = -1;  // -1: as many as the text holds
    std::int64_t n_batch = 2048;  // tokens per forward pass (a chunk longer than this is evaluated in pieces)
    bool allow_beyond_training_context = false;
    // Called after each chunk with its number (1-based) and the running perplexity.
    std::function<void(std::int64_t, double)> on_chunk;
    // When set, the scored log-probabilities are saved there in llama.cpp's _logits_ layout
    // (--kl-divergence-base), for a later KL-divergence comparison.
    std::string kl_base_path;
    // Sees every matrix multiplication's input (calibration statistics: the imatrix).
    MatmulObserver matmul_observer;
};

struct PerplexityResult {
    double ppl = 0.0, ppl_error = 0.0;
    std::int64_t n_chunks = 0, n_scored = 0, n_tokens = 0;
};

// Log-probability of `token` under softmax(logits), computed in double like llama.cpp's log_softmax.
double log_softmax_at(const float* logits, std::int64_t n_vocab, std::int32_t token);

PerplexityResult compute_perplexity(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& text,
                                    const PerplexityOptions& options, ThreadPool& pool);

}  // namespace qforge
