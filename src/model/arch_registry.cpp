#include "model/arch_registry.h"

#include <array>
#include <regex>
#include <utility>

namespace qforge {
namespace {

const std::array<ArchSpec, 3> kArchs = {{
    {"LlamaForCausalLM", "llama", true},
    {"MistralForCausalLM", "llama", true},
    {"Qwen2ForCausalLM", "qwen2", false},
}};

// Per-layer suffixes: Hugging Face -> GGUF.
const std::array<std::pair<const char*, const char*>, 9> kHfLayer = {{
    {"input_layernorm", "attn_norm"},
    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"},
    {"post_attention_layernorm", "ffn_norm"},
    {"mlp.gate_proj", "ffn_gate"},
    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
}};

const std::array<std::pair<const char*, const char*>, 9> kMetaLayer = {{
    {"attention_norm", "attn_norm"},
    {"attention.wq", "attn_q"},
    {"attention.wk", "attn_k"},
    {"attention.wv", "attn_v"},
    {"attention.wo", "attn_output"},
    {"ffn_norm", "ffn_norm"},
    {"feed_forward.w1", "ffn_gate"},
    {"feed_forward.w3", "ffn_up"},
    {"feed_forward.w2", "ffn_down"},
}};

template <std::size_t N>
std::optional<std::string> map_layer(const std::string& name, const std::string& prefix,
                                     const std::array<std::pair<const char*, const char*>, N>& table) {
    static const std::regex re(R"(^(\d+)\.(.+)\.(weight|bias)$)");
    if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    std::smatch m;
    const std::string rest = name.substr(prefix.size());
    if (!std::regex_match(rest, m, re)) return std::nullopt;
    for (const auto& [from, to] : table)
        if (m[2] == from) return "blk." + m[1].str() + "." + to + "." + m[3].str();
    return std::nullopt;
}

}  // namespace

std::optional<ArchSpec> find_arch_by_hf_class(const std::string& hf_class) {
    for (const auto& a : kArchs)
        if (a.hf_class == hf_class) return a;
    return std::nullopt;
}

std::string supported_hf_classes() {
    std::string s;
    for (const auto& a : kArchs) s += (s.empty() ? "" : ", ") + a.hf_class;
    return s;
}

std::optional<std::string> llama_family_gguf_name(const std::string& n) {
    if (n == "model.embed_tokens.weight") return "token_embd.weight";
    if (n == "model.norm.weight") return "output_norm.weight";
    if (n == "lm_head.weight") return "output.weight";
    return map_layer(n, "model.layers.", kHfLayer);
}

std::optional<std::string> llama_family_hf_name(const std::string& n) {
    if (n == "token_embd.weight") return "model.embed_tokens.weight";
    if (n == "output_norm.weight") return "model.norm.weight";
    if (n == "output.weight") return "lm_head.weight";
    static const std::regex re(R"(^blk\.(\d+)\.(.+)\.(weight|bias)$)");
    std::smatch m;
    if (!std::regex_match(n, m, re)) return std::nullopt;
    for (const auto& [hf, gguf] : kHfLayer)
        if (m[2] == gguf) return "model.layers." + m[1].str() + "." + hf + "." + m[3].str();
    return std::nullopt;
}

bool is_ignored_hf_tensor(const std::string& n) {
    return n.ends_with(".rotary_emb.inv_freq") || n.ends_with(".masked_bias") || n.ends_with(".attn.bias");
}

std::optional<std::string> meta_llama_gguf_name(const std::string& n) {
    if (n == "tok_embeddings.weight") return "token_embd.weight";
    if (n == "norm.weight") return "output_norm.weight";
    if (n == "output.weight") return "output.weight";
    return map_layer(n, "layers.", kMetaLayer);
}

}  // namespace qforge
