// gemma2: Gemma 2 (Gemma2ForCausalLM). llama's attention and feed-forward matrices, with: the embeddings scaled
// by sqrt(n_embd) and tied to the output; every RMSNorm multiplying by (1 + w), which llama.cpp's converter stores
// as 1 + w; a norm of each block's output before its residual add (post_attention_norm, post_ffw_norm; the
// feed-forward block's input norm is pre_feedforward_layernorm); GeGLU (gelu(gate) * up, GELU's tanh form);
// queries scaled by 1/sqrt(head_dim) before their dot products (1/sqrt(n_embd / n_head) for the 46-layer 27B, as
// llama.cpp decides by the layer count); attention scores and final logits soft-capped (c * tanh(x / c)); NeoX
// RoPE without a row permutation; and a sliding window in the even layers (0, 2, ...), every position in the odd
// ones. llama.cpp's Gemma2Model converter writes its own keys (model_family.h).
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"Gemma2ForCausalLM", "gemma2"}};
constexpr LayerTensorSpec kLayer[] = {
    kAttnNorm, kWq, kWk, kWv, kWo,
    {LayerRole::AttnPostNorm, "post_attention_norm.weight", "post_attention_layernorm.weight", Dim::Embd},
    {LayerRole::FfnNorm, "ffn_norm.weight", "pre_feedforward_layernorm.weight", Dim::Embd},
    kGate, kUp, kDown,
    {LayerRole::FfnPostNorm, "post_ffw_norm.weight", "post_feedforward_layernorm.weight", Dim::Embd}};
}  // namespace

const ModelFamily kGemma2{.gguf_arch = "gemma2",
                          .hf_classes = kClasses,
                          .layer = kLayer,
                          .rope_neox = true,
                          .converter = ModelFamily::Converter::Gemma2,
                          .norms_plus_one = true,
                          .scale_embeddings = true,
                          .activation = ModelFamily::Activation::GeluTanh,
                          .scale_queries = true,
                          .sliding_layers = ModelFamily::SlidingLayers::Even};

}  // namespace qforge::families
