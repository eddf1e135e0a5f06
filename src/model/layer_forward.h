#pragma once
// One transformer layer of the llama family over a batch of tokens: the body of the forward pass, shared by
// LlamaSession (all layers, token after token) and layer-by-layer calibration (one layer over every sample,
// with weights that are being quantized). The batch's tokens may belong to many sequences (batch_layout.h): each
// token's key and value go to its sequence's blocks at its position, and attention looks back over its own
// sequence only, so a token's result does not depend on what else is in the batch.
//
//   xn = rms_norm(x) * attn_norm;  q, k, v = xn Wq, xn Wk, xn Wv (+ biases; or the row ranges of one fused Wqkv)
//   q, k = rms_norm(q) * q_norm, rms_norm(k) * k_norm, head by head (families with q/k norms);  rope(q, k);  cache k, v
//   x += attention(q, cache) Wo        (over the layer's sliding window where it has one; Gemma 2: scores
//                                       soft-capped, and rms_norm(.) * attn_post_norm before the add)
//   xn = rms_norm(x) * ffn_norm;   x += (silu(xn Wgate) * xn Wup) Wdown,  or the routed experts' sum (moe_forward.h)
//                                  (Gemma 2: gelu for silu, and rms_norm(.) * ffn_post_norm before the add)
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "model/attention.h"
#include "model/batch_layout.h"
#include "model/kv_pool.h"
#include "model/llama_hparams.h"
#include "model/llama_weights.h"
#include "model/matmul_observer.h"
#include "model/moe_forward.h"
#include "quant/kernels/linear_weight.h"
#include "quant/kernels/matmul.h"

namespace qforge {

// One layer's weights as the forward pass reads them: the matrices ready for their kernels, the vectors as
// f32 views.
struct LayerWeights {
    const TensorView *attn_norm = nullptr, *ffn_norm = nullptr;
    const TensorView *bq = nullptr, *bk = nullptr, *bv = nullptr, *q_norm = nullptr, *k_norm = nullptr;
    const TensorView *attn_post_norm = nullptr, *ffn_post_norm = nullptr;
    LinearWeight wq, wk, wv, wo, gate, up, down;  // gate, up, down: the dense feed-forward block
    // fused tensors (Phi-3) whose row ranges wq, wk, wv (gate, up) are: what observers see in their place
    const TensorView *wqkv = nullptr, *gate_up = nullptr;
    ExpertWeights experts;                         // none in a dense layer
    std::int64_t n_swa = 0;                        // the sliding window of its attention (0: none)
    bool sliding_rope = false;                     // reads rope_table's second table (Gemma 3's sliding layers)
    bool has_experts() const { return experts.n_expert() > 0; }
    // Every matrix of the layer (the experts' one by one, the router included).
    std::vector<const LinearWeight*> matrices() const;
};
// Matrices made ready for their kernels (repacked over the pool where a kernel has a layout of its own;
// source says whether the views are file mappings whose pages can be dropped). A repacked weight is a copy:
// rebind after changing a view's values. choice: llama.cpp's summation order for models (their figures are
// llama.cpp's), the fastest kernels for calibration's passes (gemm.h).
LayerWeights bind_layer(const LlamaLayer& layer, ThreadPool* pool, LinearWeight::Source source,
                        KernelChoice choice = KernelChoice::LlamaCppOrder);

// Working memory of the forward pass for batches of up to max_tokens tokens and n_ctx cached positions, sized
// once: the hot loop allocates nothing.
class ForwardScratch {
public:
    // n_ctx: the most positions one sequence holds.
    ForwardScratch(const LlamaHparams& hp, std::int64_t max_tokens, std::int64_t n_ctx, int n_threads);
    std::int64_t max_tokens() const { return max_tokens_; }

private:
    friend void forward_layer(const LlamaHparams&, const LayerWeights&, KvPool&, std::int64_t, const BatchLayout&, const float*, float*,
                              ThreadPool&, ForwardScratch&, const MatmulObserver&);
    std::int64_t max_tokens_;
    AlignedBuffer xn_, q_, k_, v_, att_, tmp_, gate_, up_;
    MatmulScratch matmul_;
    AttentionScratch attention_;
    MoeScratch moe_;
};

// Rows of the token embedding (any type it is stored in), n_embd floats per token, into x; scaled where the
// family scales them (Gemma: by sqrt(n_embd)).
void embed_tokens(const LlamaHparams& hp, const TensorView& tok_embd, std::span<const std::int32_t> tokens, float* x);

// cos/sin tables of the tokens' positions (n_rot floats each), which every layer shares; rope_freqs: the
// frequency factors for the context at hand (LlamaWeights::rope_factors), or null. Where the sliding layers
// have a RoPE of their own (LlamaHparams::has_sliding_rope), a second table for them follows the first.
std::size_t rope_table_floats(const LlamaHparams& hp, std::int64_t n_tokens);
void rope_table(const LlamaHparams& hp, const TensorView* rope_freqs, std::span<const std::int32_t> positions, float* out);
std::vector<float> rope_table(const LlamaHparams& hp, const TensorView* rope_freqs, std::span<const std::int32_t> positions);

// Gemma 2's soft cap of the logits (n_vocab per row), where the model has one.
void final_soft_cap(const LlamaHparams& hp, float* logits, std::int64_t n_rows);

// x: one row of n_embd hidden states per token of the batch, updated in place (attention and FFN residuals
// added); rope: the batch's rope_table. The batch must not exceed the scratch's max_tokens.
void forward_layer(const LlamaHparams& hp, const LayerWeights& layer, KvPool& kv, std::int64_t kv_layer, const BatchLayout& batch,
                   const float* rope, float* x, ThreadPool& pool, ForwardScratch& scratch, const MatmulObserver& observer = {});

}  // namespace qforge
