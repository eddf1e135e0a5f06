#pragma once
// The tensors of a model of a registered family, found by the GGUF names its description gives
// (model_family.h) and checked for shape and for a type the engine's kernels run. Views into the mapped file:
// nothing is copied or dequantized.
#include <memory>
#include <string>
#include <vector>

#include "core/tensor_view.h"
#include "model/llama_hparams.h"

namespace qforge {

// One layer's tensors by role; those the family (or this checkpoint) lacks are null.
struct LlamaLayer {
    const TensorView *attn_norm = nullptr, *wq = nullptr, *wk = nullptr, *wv = nullptr, *wo = nullptr;
    const TensorView *ffn_norm = nullptr, *gate = nullptr, *up = nullptr, *down = nullptr;
    const TensorView *bq = nullptr, *bk = nullptr, *bv = nullptr;  // qwen2
    const TensorView *q_norm = nullptr, *k_norm = nullptr;         // qwen3
    const TensorView *attn_post_norm = nullptr, *ffn_post_norm = nullptr;  // gemma2
    // routed experts: the router (ne = {n_embd, n_expert}) and the experts' matrices stacked along ne[2]
    const TensorView *gate_inp = nullptr, *gate_exps = nullptr, *up_exps = nullptr, *down_exps = nullptr;
    // a fused tensor (Phi-3's attn_qkv, ffn_up) as stored; then wq, wk, wv (gate, up) are views of its rows
    const TensorView *wqkv = nullptr, *gate_up = nullptr;
    std::int64_t n_expert_used = 0;  // experts each token is routed to
    std::int64_t n_swa = 0;          // the sliding window this layer attends over (0: every position)
    bool sliding_rope = false;       // Gemma 3's sliding layers: their own RoPE (rope_table's second table)
    const TensorView*& at(LayerRole role);
    const TensorView* at(LayerRole role) const { return const_cast<LlamaLayer*>(this)->at(role); }
};

struct LlamaWeights {
    const TensorView *tok_embd, *output_norm, *output;  // output == tok_embd when embeddings are tied
    const TensorView* rope_freqs = nullptr;             // llama3 rope scaling factors
    // LongRoPE's factors (Phi-3): the long ones for sequences longer than the original context
    const TensorView *rope_factors_short = nullptr, *rope_factors_long = nullptr;
    std::vector<LlamaLayer> layers;
    // views of the fused tensors' parts (layers point at them; their own allocation, so moving keeps them)
    std::vector<std::unique_ptr<TensorView>> parts;

    // The rope frequency factors for sequences of up to n_ctx positions (null: none).
    const TensorView* rope_factors(std::int64_t n_ctx, std::int64_t n_ctx_orig) const;
};

// Row views [row0, row0 + rows) of a 2-D tensor (named as the tensor).
TensorView row_slice(const TensorView& t, std::int64_t row0, std::int64_t rows);

LlamaWeights bind_llama_weights(const TensorSource& src, const LlamaHparams& hp, const std::string& where);

}  // namespace qforge
