#pragma once
// Hugging Face checkpoints of any registered family with random weights, for tests and benchmarks of real
// shapes: config.json as the family's transformers class writes it, model.safetensors with every tensor the
// family's layers hold (model_family.h), and the tokenizer files copied from another checkpoint. The values
// come from a fixed generator (mt19937's raw words), so a seed gives the same bytes on every machine.
#include <cstdint>
#include <string>

#include "core/tensor_type.h"
#include "model/model_family.h"

namespace qforge {

struct SyntheticShape {
    std::int64_t n_embd = 256, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 512, n_vocab = 4096;
    std::int64_t head_dim = 0;  // 0: n_embd / n_head (written to config.json only when set)
    std::int64_t n_ctx = 1024;
    bool tied_embeddings = false;
    // routed experts (0: dense): how many, how many a token uses, an expert's n_ff (0: n_ff; written as
    // moe_intermediate_size in families that have it)
    std::int64_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;
    // sliding-window attention over this many positions (0: none; config.json's sliding_window)
    std::int64_t sliding_window = 0;
    // the context the model was trained on before its context was extended (0: n_ctx). Phi-3 writes it as
    // original_max_position_embeddings, with LongRoPE's short and long factors when it is below n_ctx.
    std::int64_t n_ctx_orig = 0;
};

struct SyntheticCheckpointOptions {
    TensorType dtype = TensorType::F32;  // F32, F16 or BF16
    std::uint32_t seed = 1;
    std::string tokenizer_dir;  // tokenizer.model / tokenizer.json and tokenizer_config.json come from here
    std::string hf_class;       // one of the family's classes (empty: its first, of those with experts when n_expert > 0)
};

// Writes the directory (whole or not at all); throws on a shape the family cannot have.
void write_synthetic_checkpoint(const ModelFamily& family, const SyntheticShape& shape, const SyntheticCheckpointOptions& options,
                                const std::string& out_dir);

}  // namespace qforge
