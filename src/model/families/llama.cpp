// llama: Llama 1/2/3.x, Mistral (with its sliding window where config.json sets one: see hf_hparams.cpp) and Mixtral (Mistral's layers with routed
// experts: a llama GGUF with expert_count > 0). llama.cpp's converter permutes the Q/K rows of Hugging Face
// checkpoints for its adjacent-pair RoPE, writes LlamaModel's own keys (vocab_size, rope.dimension_count, rope
// scaling, llama3's rope_freqs) and stacks Mixtral's experts w1, w2, w3 as ffn_gate_exps, ffn_down_exps,
// ffn_up_exps, in that order, once a layer's last expert tensor has been read.
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"LlamaForCausalLM", "llama"}, {"MistralForCausalLM", "mistral"}, {"MixtralForCausalLM", "mixtral", true}};
// q, k, v biases where config.json sets attention_bias
constexpr LayerTensorSpec kLayer[] = {kAttnNorm, kWq, kWk, kWv, optional(kBq), optional(kBk), optional(kBv), kWo, kFfnNorm, kGate, kUp, kDown,
                                      router("block_sparse_moe.gate.weight"),
                                      gate_exps("block_sparse_moe.experts.{}.w1.weight"),
                                      down_exps("block_sparse_moe.experts.{}.w2.weight"),
                                      up_exps("block_sparse_moe.experts.{}.w3.weight")};
}  // namespace

const ModelFamily kLlama{.gguf_arch = "llama",
                         .hf_classes = kClasses,
                         .layer = kLayer,
                         .permute_qk = true,
                         .converter = ModelFamily::Converter::Llama,
                         .sliding_layers = ModelFamily::SlidingLayers::All};

}  // namespace qforge::families
