// qwen2: Qwen2 / Qwen2.5 dense models: llama's layer with q, k, v biases, NeoX-style RoPE, no Q/K permutation.
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"Qwen2ForCausalLM", "qwen2"}};
constexpr LayerTensorSpec kLayer[] = {kAttnNorm, kWq, kWk, kWv, kBq, kBk, kBv, kWo, kFfnNorm, kGate, kUp, kDown};
}  // namespace

const ModelFamily kQwen2{.gguf_arch = "qwen2", .hf_classes = kClasses, .layer = kLayer, .rope_neox = true};

}  // namespace qforge::families
