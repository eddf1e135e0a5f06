// gemma3: Gemma 3 text models (Gemma3ForCausalLM: the 1B, and text-only exports). Gemma 2's layer (scaled and
// tied embeddings, (1 + w) norms stored as 1 + w, post-attention and post-feed-forward norms, GeGLU) with a
// per-head RMSNorm of the queries and keys before RoPE (attn_q_norm, attn_k_norm, also (1 + w)), no soft-capping
// of the scores, the scale applied to the scores (not the queries), and a sliding window in five layers of every
// six with their own RoPE base (10000, unscaled); the global layers use rope.freq_base (1e6) and the file's linear
// scaling. llama.cpp c392e509 predates it and ik_llama.cpp 8337e4c runs it but has no converter for it: names and
// keys follow the Gemma3Model of llama.cpp's converter of mid-2025 (model_family.h), the graph ik_llama.cpp's
// build_gemma3.
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"Gemma3ForCausalLM", "gemma3_text"}};
constexpr LayerTensorSpec kLayer[] = {
    kAttnNorm, kWq, kWk, kWv, kQNorm, kKNorm, kWo,
    {LayerRole::AttnPostNorm, "post_attention_norm.weight", "post_attention_layernorm.weight", Dim::Embd},
    {LayerRole::FfnNorm, "ffn_norm.weight", "pre_feedforward_layernorm.weight", Dim::Embd},
    kGate, kUp, kDown,
    {LayerRole::FfnPostNorm, "post_ffw_norm.weight", "post_feedforward_layernorm.weight", Dim::Embd}};
}  // namespace

const ModelFamily kGemma3{.gguf_arch = "gemma3",
                          .hf_classes = kClasses,
                          .layer = kLayer,
                          .rope_neox = true,
                          .converter = ModelFamily::Converter::Gemma3,
                          .norms_plus_one = true,
                          .scale_embeddings = true,
                          .activation = ModelFamily::Activation::GeluTanh,
                          .sliding_layers = ModelFamily::SlidingLayers::FiveOfSix,
                          .sliding_rope_base = 10000.0f};

}  // namespace qforge::families
