#pragma once
// The tensors of a model of a registered family, found by the GGUF names its description gives
// (model_family.h) and checked for shape and for a type the engine's kernels run. Views into the mapped file:
// nothing is copied or dequantized.
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
    // routed experts: the router (ne = {n_embd, n_expert}) and the experts' matrices stacked along ne[2]
    const TensorView *gate_inp = nullptr, *gate_exps = nullptr, *up_exps = nullptr, *down_exps = nullptr;
    std::int64_t n_expert_used = 0;  // experts each token is routed to
    const TensorView*& at(LayerRole role);
    const TensorView* at(LayerRole role) const { return const_cast<LlamaLayer*>(this)->at(role); }
};

struct LlamaWeights {
    const TensorView *tok_embd, *output_norm, *output;  // output == tok_embd when embeddings are tied
    const TensorView* rope_freqs = nullptr;             // llama3 rope scaling factors
    std::vector<LlamaLayer> layers;
};

LlamaWeights bind_llama_weights(const TensorSource& src, const LlamaHparams& hp, const std::string& where);

}  // namespace qforge
