#pragma once
// llama.cpp's per-tensor type choices for its quantization mixes (llama_tensor_get_type in llama-quant.cpp):
// Q4_K_M puts some attn_v and ffn_down tensors in Q6_K, output.weight in Q6_K, and so on, with fallbacks for
// rows that do not divide into the chosen type's blocks.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor_type.h"

namespace qforge {

struct LlamaMix {
    std::string name;         // "Q4_K_M"
    std::uint32_t ftype;      // llama_ftype id written as general.file_type
    TensorType default_type;  // the type most tensors get
};

// Mixes and plain types by llama-quantize's names (case-insensitive); nullopt for unknown names.
std::optional<LlamaMix> find_llama_mix(const std::string& name);
std::vector<std::string> llama_mix_names();

struct MixModelInfo {
    std::string arch = "llama";
    std::int64_t n_layer = 0, n_head = 1, n_head_kv = 1, n_expert = 0;
    bool has_output = true;   // output.weight exists (else token_embd is quantized like it)
    bool has_imatrix = false;
    int n_attention_wv = 0;   // attn_v / attn_qkv / attn_kv_b tensors in the model
};

// The user's --output-tensor-type and --token-embedding-type, which replace the mix's choice for those two.
struct MixUserTypes {
    std::optional<TensorType> output, token_embedding;
};

// Chooses types tensor by tensor; call in llama.cpp's tensor order (it counts attn_v and ffn_* as it goes).
class MixPlanner {
public:
    MixPlanner(const LlamaMix& mix, const MixModelInfo& model, const MixUserTypes& user = {});
    TensorType choose(const std::string& name, std::int64_t ne0);
    int fallbacks() const { return n_fallback_; }

private:
    LlamaMix mix_;
    MixModelInfo m_;
    MixUserTypes user_;
    int i_attention_wv_ = 0, i_ffn_down_ = 0, i_ffn_gate_ = 0, i_ffn_up_ = 0, n_fallback_ = 0;
};

}  // namespace qforge
