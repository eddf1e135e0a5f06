#pragma once
// Hyperparameters of a GGUF of one of the registered families (model_family.h), read from its metadata.
#include <cstdint>
#include <string>

#include "formats/gguf/gguf_metadata.h"
#include "model/model_family.h"

namespace qforge {

struct LlamaHparams {
    std::string arch;
    const ModelFamily* family = nullptr;
    std::int64_t n_vocab = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_ctx_train = 0;
    std::int64_t head_dim = 0, n_rot = 0;
    float rms_eps = 1e-5f;
    float rope_base = 10000.0f;
    float rope_freq_scale = 1.0f;  // 1/factor for linear rope scaling
    bool rope_neox = false;        // rotate (i, i + n_rot/2) pairs instead of adjacent ones (the family's)
    // routed experts (n_expert 0: a dense model): how many, how many each token uses, an expert's n_ff
    std::int64_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;
    // sliding-window attention: a token sees the last n_swa positions (itself included) in the family's sliding
    // layers (0: all positions everywhere)
    std::int64_t n_swa = 0;
    // rope.scaling.original_context_length (0: n_ctx_train): LongRoPE's long factors serve longer sequences
    std::int64_t n_ctx_orig = 0;
    float rope_attn_factor = 1.0f;  // rope.scaling.attn_factor: cos and sin scaled by it
    // attention: the queries' scale (1/sqrt(head_dim) unless the family says otherwise), applied to the queries
    // before their dot products where the family does (ModelFamily::scale_queries), else to the scores; and
    // Gemma 2's soft caps of the scores and of the final logits (0: none)
    float attn_scale = 1.0f;
    float attn_softcap = 0.0f, final_softcap = 0.0f;

    LayerDims dims() const { return {n_embd, n_head, n_head_kv, head_dim, n_ff, n_expert, n_ff_exp}; }
    // Whether layer il is one of the family's sliding layers, and the window it attends over (0: every position).
    bool sliding_layer(std::int64_t il) const;
    std::int64_t layer_window(std::int64_t il) const;
    // Gemma 3: the sliding layers' RoPE (base, unscaled) differs from the others'; rope_table then holds a second
    // table, and layer il reads it where this says so.
    bool has_sliding_rope() const { return family != nullptr && family->sliding_rope_base > 0.0f; }
    bool layer_sliding_rope(std::int64_t il) const { return has_sliding_rope() && sliding_layer(il); }
};

// Token embeddings into x (n_embd floats per token), scaled where the family scales them.
void embed_scale(const LlamaHparams& hp, float* x, std::int64_t n_tokens);

// n_vocab comes from the tokenizer or token_embd and is passed in. Throws for unsupported architectures.
LlamaHparams read_llama_hparams(const GgufMetadata& m, std::int64_t n_vocab, const std::string& where);

}  // namespace qforge
