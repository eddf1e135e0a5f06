#pragma once
// Hyperparameters of a Hugging Face config.json of a registered family, and the GGUF metadata keys llama.cpp's
// converter writes for them (in its order: the generic keys, then general.file_type, then the
// architecture's own keys).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/gguf/gguf_metadata.h"
#include "model/model_family.h"

namespace qforge {

struct HfHparams {
    std::int64_t n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, vocab_size = 0;
    std::optional<std::int64_t> n_ff, n_ctx, head_dim;
    bool tied_embeddings = false;
    // routed experts (0: a dense model): num_local_experts (Mixtral) or num_experts (Qwen MoE), the number each
    // token uses, and an expert's n_ff where it differs from intermediate_size (moe_intermediate_size)
    std::int64_t n_expert = 0, n_expert_used = 0;
    std::optional<std::int64_t> n_ff_exp;
};

// Reads and checks the fields; `where` names the config file in errors.
HfHparams read_hf_hparams(const nlohmann::json& config, const std::string& where);

// The keys the family's converter writes before general.file_type: Model.set_gguf_parameters' {arch}.block_count
// ... {arch}.attention.layer_norm_rms_epsilon, or Phi3MiniModel's or Gemma2Model's own (ModelFamily::Converter).
void write_hparams(const nlohmann::json& config, const HfHparams& hp, const ModelFamily& family, GgufMetadata& m);
// The keys it writes after general.file_type (llama: vocab_size, rope.dimension_count, rope scaling; Qwen MoE's
// expert counts; Phi-3's and Gemma 2's sliding window, Gemma 2's soft-capping).
void write_arch_hparams(const nlohmann::json& config, const HfHparams& hp, const ModelFamily& family, GgufMetadata& m);

// LongRoPE (Phi-3's rope_scaling of type longrope or su, and yarn): the attention factor and the short and
// long frequency factors, as llama.cpp's converter computes them; nullopt when config.json has no rope_scaling.
struct LongRope {
    float attn_factor = 1.0f;
    std::vector<float> long_factors, short_factors;
};
std::optional<LongRope> phi3_long_rope(const nlohmann::json& config, const HfHparams& hp, const std::string& where);

// llama3-style rope scaling factors (the rope_freqs.weight tensor), when config.json asks for them.
std::optional<std::vector<float>> llama3_rope_factors(const nlohmann::json& config, const HfHparams& hp);

}  // namespace qforge
