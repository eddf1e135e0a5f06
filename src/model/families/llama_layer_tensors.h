#pragma once
// The layer tensors the llama-style families share, named as llama.cpp's and Hugging Face's llama code names
// them. A family lists the ones its layers hold (model_family.h).
#include "model/model_family.h"

namespace qforge::families {

inline constexpr LayerTensorSpec kAttnNorm{LayerRole::AttnNorm, "attn_norm.weight", "input_layernorm.weight", Dim::Embd};
inline constexpr LayerTensorSpec kWq{LayerRole::Wq, "attn_q.weight", "self_attn.q_proj.weight", Dim::Embd, Dim::QOut, false, InputGroup::AttnIn};
inline constexpr LayerTensorSpec kWk{LayerRole::Wk, "attn_k.weight", "self_attn.k_proj.weight", Dim::Embd, Dim::KvOut, false, InputGroup::AttnIn};
inline constexpr LayerTensorSpec kWv{LayerRole::Wv, "attn_v.weight", "self_attn.v_proj.weight", Dim::Embd, Dim::KvOut, false, InputGroup::AttnIn};
// q, k, v biases (Qwen2's layers have them)
inline constexpr LayerTensorSpec kBq{LayerRole::Bq, "attn_q.bias", "self_attn.q_proj.bias", Dim::QOut, Dim::None, true};
inline constexpr LayerTensorSpec kBk{LayerRole::Bk, "attn_k.bias", "self_attn.k_proj.bias", Dim::KvOut, Dim::None, true};
inline constexpr LayerTensorSpec kBv{LayerRole::Bv, "attn_v.bias", "self_attn.v_proj.bias", Dim::KvOut, Dim::None, true};
inline constexpr LayerTensorSpec kQNorm{LayerRole::QNorm, "attn_q_norm.weight", "self_attn.q_norm.weight", Dim::HeadDim};
inline constexpr LayerTensorSpec kKNorm{LayerRole::KNorm, "attn_k_norm.weight", "self_attn.k_norm.weight", Dim::HeadDim};
inline constexpr LayerTensorSpec kWo{LayerRole::Wo, "attn_output.weight", "self_attn.o_proj.weight", Dim::QOut, Dim::Embd, false, InputGroup::AttnOut};
inline constexpr LayerTensorSpec kFfnNorm{LayerRole::FfnNorm, "ffn_norm.weight", "post_attention_layernorm.weight", Dim::Embd};
// the dense feed-forward block (absent where the model has experts)
inline constexpr LayerTensorSpec kGate{LayerRole::Gate, "ffn_gate.weight", "mlp.gate_proj.weight", Dim::Embd, Dim::Ff, false, InputGroup::FfnIn,
                                       Dim::None, FfnKind::Dense};
inline constexpr LayerTensorSpec kUp{LayerRole::Up, "ffn_up.weight", "mlp.up_proj.weight", Dim::Embd, Dim::Ff, false, InputGroup::FfnIn,
                                     Dim::None, FfnKind::Dense};
inline constexpr LayerTensorSpec kDown{LayerRole::Down, "ffn_down.weight", "mlp.down_proj.weight", Dim::Ff, Dim::Embd, false, InputGroup::FfnMid,
                                       Dim::None, FfnKind::Dense};

// Routed experts: the router's logits (kept in f32 by the converters and llama-quantize) and each expert's
// SwiGLU matrices, which Hugging Face stores one tensor per expert (hf: the name with "{}" for the expert).
constexpr LayerTensorSpec router(std::string_view hf) {
    return {LayerRole::GateInp, "ffn_gate_inp.weight", hf, Dim::Embd, Dim::Expert, false, InputGroup::FfnIn, Dim::None, FfnKind::Experts};
}
constexpr LayerTensorSpec gate_exps(std::string_view hf) {
    return {LayerRole::GateExps, "ffn_gate_exps.weight", hf, Dim::Embd, Dim::FfExp, false, InputGroup::FfnIn, Dim::Expert, FfnKind::Experts};
}
constexpr LayerTensorSpec up_exps(std::string_view hf) {
    return {LayerRole::UpExps, "ffn_up_exps.weight", hf, Dim::Embd, Dim::FfExp, false, InputGroup::FfnIn, Dim::Expert, FfnKind::Experts};
}
constexpr LayerTensorSpec down_exps(std::string_view hf) {
    return {LayerRole::DownExps, "ffn_down_exps.weight", hf, Dim::FfExp, Dim::Embd, false, InputGroup::FfnMid, Dim::Expert, FfnKind::Experts};
}

// A tensor only some checkpoints of the family hold.
constexpr LayerTensorSpec optional(LayerTensorSpec s) {
    s.optional = true;
    return s;
}

}  // namespace qforge::families
