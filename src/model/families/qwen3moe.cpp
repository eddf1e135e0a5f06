// qwen3moe: Qwen3 mixture-of-experts models (Qwen3-30B-A3B, Qwen3-235B-A22B): Qwen3's attention (q/k norms, NeoX
// RoPE, head_dim from config.json) and, in every layer, routed experts instead of a dense block: softmax over
// the router's logits, the top num_experts_per_tok chosen and their weights renormalised to sum to one (as
// ik_llama.cpp's graph does whatever norm_topk_prob says; Qwen3's checkpoints set it). llama.cpp c392e509
// predates it: names and keys follow ik_llama.cpp 8337e4c (Qwen3MoeModel, a Qwen2MoeModel), which stacks
// down_proj, gate_proj, up_proj in that order and writes expert_count and expert_feed_forward_length after
// general.file_type.
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"Qwen3MoeForCausalLM", "qwen3_moe", true}};
constexpr LayerTensorSpec kLayer[] = {kAttnNorm, kWq, kWk, kWv, kQNorm, kKNorm, kWo, kFfnNorm,
                                      router("mlp.gate.weight"),
                                      down_exps("mlp.experts.{}.down_proj.weight"),
                                      gate_exps("mlp.experts.{}.gate_proj.weight"),
                                      up_exps("mlp.experts.{}.up_proj.weight")};
}  // namespace

const ModelFamily kQwen3Moe{.gguf_arch = "qwen3moe", .hf_classes = kClasses, .layer = kLayer, .rope_neox = true, .converter = ModelFamily::Converter::QwenMoe};

}  // namespace qforge::families
