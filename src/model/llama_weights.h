#pragma once
// The tensors of a llama-family model, found by their GGUF names and checked for shape and for a type the
// engine's kernels run. Views into the mapped file: nothing is copied or dequantized.
#include <string>
#include <vector>

#include "core/tensor_view.h"
#include "model/llama_hparams.h"

namespace qforge {

struct LlamaLayer {
    const TensorView *attn_norm, *wq, *wk, *wv, *wo, *ffn_norm, *gate, *up, *down;
    const TensorView *bq = nullptr, *bk = nullptr, *bv = nullptr;  // qwen2
};

struct LlamaWeights {
    const TensorView *tok_embd, *output_norm, *output;  // output == tok_embd when embeddings are tied
    const TensorView* rope_freqs = nullptr;             // llama3 rope scaling factors
    std::vector<LlamaLayer> layers;
};

LlamaWeights bind_llama_weights(const TensorSource& src, const LlamaHparams& hp, const std::string& where);

}  // namespace qforge
