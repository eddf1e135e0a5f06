#pragma once
// One transformer layer of the llama family over a batch of tokens: the body of the forward pass, shared by
// LlamaSession (all layers, token after token) and layer-by-layer calibration (one layer over every sample,
// with weights that are being quantized). Keys and values go to the given cache layer at positions
// n_past.. and attention looks back over every cached position before them.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "model/kv_cache.h"
#include "model/llama_hparams.h"
#include "model/llama_weights.h"

namespace qforge {

// Sees the input of every matrix multiplication (n_tokens rows of weight.ne[0] floats) before it runs: the
// hook calibration (imatrix, GPTQ Hessians, AWQ scales) collects statistics through.
using MatmulObserver = std::function<void(const TensorView& weight, const float* x, std::int64_t n_tokens)>;

// Rows of the token embedding (any type it is stored in), n_embd floats per token, into x.
void embed_tokens(const TensorView& tok_embd, std::span<const std::int32_t> tokens, float* x, std::int64_t n_embd);

// cos/sin tables of n_tokens positions from n_past (n_rot floats each), which every layer shares.
std::vector<float> rope_table(const LlamaHparams& hp, const TensorView* rope_freqs, std::int64_t n_past, std::int64_t n_tokens);

// x: n_tokens x n_embd hidden states, updated in place (attention and FFN residuals added).
void forward_layer(const LlamaHparams& hp, const LlamaLayer& layer, KvCache& cache, std::int64_t cache_layer,
                   std::int64_t n_past, const float* rope, float* x, std::int64_t n_tokens, ThreadPool& pool,
                   const MatmulObserver& observer = {});

}  // namespace qforge
