// llama: Llama 1/2/3.x and Mistral (without sliding-window attention). llama.cpp's converter permutes the Q/K
// rows of Hugging Face checkpoints for its adjacent-pair RoPE and writes LlamaModel's own keys (vocab_size,
// rope.dimension_count, rope scaling, llama3's rope_freqs).
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr std::string_view kClasses[] = {"LlamaForCausalLM", "MistralForCausalLM"};
// q, k, v biases where config.json sets attention_bias
constexpr LayerTensorSpec kLayer[] = {kAttnNorm, kWq, kWk, kWv, optional(kBq), optional(kBk), optional(kBv), kWo, kFfnNorm, kGate, kUp, kDown};
}  // namespace

const ModelFamily kLlama{.gguf_arch = "llama",
                         .hf_classes = kClasses,
                         .hf_model_type = "llama",
                         .layer = kLayer,
                         .permute_qk = true,
                         .llama_converter_keys = true};

}  // namespace qforge::families
