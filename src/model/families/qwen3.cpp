// qwen3: Qwen3 dense models: llama's layer without biases, with a per-head RMSNorm of the queries and keys
// before RoPE (attn_q_norm, attn_k_norm: head_dim values each), NeoX-style RoPE, head_dim given by config.json
// (128, not n_embd / n_head). llama.cpp c392e509 predates it: names and keys follow ik_llama.cpp 8337e4c
// (Qwen3Model, a Qwen2Model).
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"Qwen3ForCausalLM", "qwen3"}};
constexpr LayerTensorSpec kLayer[] = {kAttnNorm, kWq, kWk, kWv, kQNorm, kKNorm, kWo, kFfnNorm, kGate, kUp, kDown};
}  // namespace

const ModelFamily kQwen3{.gguf_arch = "qwen3", .hf_classes = kClasses, .layer = kLayer, .rope_neox = true};

}  // namespace qforge::families
