#pragma once
// Architectures qforge knows: Hugging Face class names, the GGUF architecture they map to, and how their
// tensors are named and laid out in each world.
#include <optional>
#include <string>

namespace qforge {

struct ArchSpec {
    std::string hf_class;     // "LlamaForCausalLM"
    std::string gguf_arch;    // "llama"
    bool permute_qk = false;  // llama.cpp stores Q/K rows of HF llama checkpoints permuted for its RoPE layout
};

std::optional<ArchSpec> find_arch_by_hf_class(const std::string& hf_class);
// Comma-separated list of supported Hugging Face classes, for error messages.
std::string supported_hf_classes();

// GGUF name ("blk.3.attn_q.weight") of a Hugging Face llama-family tensor name
// ("model.layers.3.self_attn.q_proj.weight"); nullopt when the name is unknown.
std::optional<std::string> llama_family_gguf_name(const std::string& hf_name);
// The inverse: the Hugging Face name of a llama-family GGUF tensor; nullopt when the name is unknown.
std::optional<std::string> llama_family_hf_name(const std::string& gguf_name);
// True for tensors that converters drop (e.g. rotary_emb.inv_freq, recomputed at load time).
bool is_ignored_hf_tensor(const std::string& hf_name);

// GGUF name of a tensor in Meta's original naming (llama2.c checkpoints): "layers.0.attention.wq.weight".
std::optional<std::string> meta_llama_gguf_name(const std::string& meta_name);

}  // namespace qforge
