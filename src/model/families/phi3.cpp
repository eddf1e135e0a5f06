// phi3: Phi-3 and Phi-3.5 (Phi3ForCausalLM; Phi-4 is the same class without a sliding window): llama's layer
// with q, k, v fused into one matrix (attn_qkv: the rows of q, then k, then v) and gate and up fused into one
// (ffn_up: gate's rows, then up's), NeoX-style RoPE with LongRoPE's per-frequency factors for long contexts
// (rope_factors_short / rope_factors_long, the long ones used when a sequence may hold more than the original
// context) scaled by rope.scaling.attn_factor, and sliding-window attention in every layer where the file sets
// a window. llama.cpp's Phi3MiniModel converter maps the names and writes its own keys (model_family.h).
#include "model/families/families.h"
#include "model/families/llama_layer_tensors.h"

namespace qforge::families {
namespace {
constexpr HfClass kClasses[] = {{"Phi3ForCausalLM", "phi3"}};
constexpr LayerTensorSpec kLayer[] = {
    kAttnNorm,
    {LayerRole::Wqkv, "attn_qkv.weight", "self_attn.qkv_proj.weight", Dim::Embd, Dim::QkvOut, false, InputGroup::AttnIn},
    kWo,
    kFfnNorm,
    {LayerRole::GateUp, "ffn_up.weight", "mlp.gate_up_proj.weight", Dim::Embd, Dim::FfPair, false, InputGroup::FfnIn},
    kDown};
}  // namespace

const ModelFamily kPhi3{.gguf_arch = "phi3",
                        .hf_classes = kClasses,
                        .layer = kLayer,
                        .rope_neox = true,
                        .converter = ModelFamily::Converter::Phi3,
                        .scale_queries = true,
                        .sliding_layers = ModelFamily::SlidingLayers::All};

}  // namespace qforge::families
