#include "model/model_family.h"

#include <charconv>

#include "model/families/families.h"

namespace qforge {
namespace {

constexpr const ModelFamily* kFamilies[] = {&families::kLlama, &families::kQwen2, &families::kQwen3, &families::kQwen3Moe, &families::kPhi3, &families::kGemma2, &families::kGemma3};

// Hugging Face and GGUF names of the tensors outside the layers, which every registered family shares.
constexpr std::pair<std::string_view, std::string_view> kGlobal[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
};

// "<prefix><digits>.<rest>" -> (digits, rest)
std::optional<std::pair<std::int64_t, std::string_view>> split_layer(std::string_view name, std::string_view prefix) {
    if (!name.starts_with(prefix)) return std::nullopt;
    name.remove_prefix(prefix.size());
    const std::size_t dot = name.find('.');
    if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
    std::int64_t layer = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + dot, layer);
    if (ec != std::errc() || end != name.data() + dot || layer < 0) return std::nullopt;
    return std::pair{layer, name.substr(dot + 1)};
}

// An expert's index in `rest` when it is the spec's per-expert Hugging Face name ("mlp.experts.{}.up_proj.weight").
std::optional<std::int64_t> match_expert(const LayerTensorSpec& s, std::string_view rest) {
    const std::size_t brace = s.hf.find("{}");
    if (brace == std::string_view::npos) return std::nullopt;
    const std::string_view prefix = s.hf.substr(0, brace), suffix = s.hf.substr(brace + 2);
    if (rest.size() <= prefix.size() + suffix.size() || !rest.starts_with(prefix) || !rest.ends_with(suffix)) return std::nullopt;
    const std::string_view digits = rest.substr(prefix.size(), rest.size() - prefix.size() - suffix.size());
    std::int64_t e = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), e);
    if (ec != std::errc() || end != digits.data() + digits.size() || e < 0 || (digits.size() > 1 && digits[0] == '0'))
        return std::nullopt;
    return e;
}

}  // namespace

const LayerTensorSpec* ModelFamily::find(LayerRole role) const {
    for (const LayerTensorSpec& s : layer)
        if (s.role == role) return &s;
    return nullptr;
}

std::int64_t dim_size(Dim d, const LayerDims& s) {
    switch (d) {
        case Dim::None: return 1;
        case Dim::Embd: return s.n_embd;
        case Dim::QOut: return s.n_head * s.head_dim;
        case Dim::KvOut: return s.n_head_kv * s.head_dim;
        case Dim::HeadDim: return s.head_dim;
        case Dim::Ff: return s.n_ff;
        case Dim::QkvOut: return (s.n_head + 2 * s.n_head_kv) * s.head_dim;
        case Dim::FfPair: return 2 * s.n_ff;
        case Dim::Expert: return s.n_expert;
        case Dim::FfExp: return s.n_ff_exp;
    }
    return 0;
}

std::span<const ModelFamily* const> model_families() { return kFamilies; }

const ModelFamily* find_family(std::string_view gguf_arch) {
    for (const ModelFamily* f : kFamilies)
        if (f->gguf_arch == gguf_arch) return f;
    return nullptr;
}

const ModelFamily* find_family_by_hf_class(std::string_view hf_class) {
    for (const ModelFamily* f : kFamilies)
        for (const HfClass& c : f->hf_classes)
            if (c.name == hf_class) return f;
    return nullptr;
}

std::string_view hf_model_type(const ModelFamily& family, std::string_view hf_class) {
    for (const HfClass& c : family.hf_classes)
        if (c.name == hf_class) return c.model_type;
    return {};
}

std::string supported_architectures() {
    std::string s;
    for (const ModelFamily* f : kFamilies) s += (s.empty() ? "" : ", ") + std::string(f->gguf_arch);
    return s;
}

std::string supported_hf_classes() {
    std::string s;
    for (const ModelFamily* f : kFamilies)
        for (const HfClass& c : f->hf_classes) s += (s.empty() ? "" : ", ") + std::string(c.name);
    return s;
}

bool is_ignored_hf_tensor(std::string_view n) {
    return n.ends_with(".rotary_emb.inv_freq") || n.ends_with(".masked_bias") || n.ends_with(".attn.bias");
}

std::int64_t qk_permute_heads(const ModelFamily& family, LayerRole role, std::int64_t n_head, std::int64_t n_head_kv) {
    if (!family.permute_qk) return 0;
    if (role == LayerRole::Wq || role == LayerRole::Bq) return n_head;
    if (role == LayerRole::Wk || role == LayerRole::Bk) return n_head_kv;
    return 0;
}

std::optional<std::string> gguf_tensor_name(const ModelFamily& family, const std::string& hf_name) {
    for (const auto& [hf, gguf] : kGlobal)
        if (hf_name == hf) return std::string(gguf);
    const auto t = parse_hf_layer_tensor(family, hf_name);
    if (!t) return std::nullopt;
    return "blk." + std::to_string(t->layer) + "." + std::string(t->spec->gguf);
}

std::optional<HfLayerTensor> parse_hf_layer_tensor(const ModelFamily& family, std::string_view hf_name) {
    const auto split = split_layer(hf_name, "model.layers.");
    if (!split) return std::nullopt;
    for (const LayerTensorSpec& s : family.layer) {
        if (s.per_expert()) {
            if (auto e = match_expert(s, split->second)) return HfLayerTensor{split->first, &s, *e};
        } else if (s.hf == split->second) {
            return HfLayerTensor{split->first, &s};
        }
    }
    return std::nullopt;
}

std::string hf_expert_tensor_name(const LayerTensorSpec& spec, std::int64_t layer, std::int64_t expert) {
    const std::size_t brace = spec.hf.find("{}");
    std::string rest(spec.hf);
    if (brace != std::string_view::npos) rest.replace(brace, 2, std::to_string(expert));
    return "model.layers." + std::to_string(layer) + "." + rest;
}

std::optional<std::string> hf_tensor_name(const ModelFamily& family, const std::string& gguf_name) {
    for (const auto& [hf, gguf] : kGlobal)
        if (gguf_name == gguf) return std::string(hf);
    const auto t = parse_layer_tensor(family, gguf_name);
    if (!t) return std::nullopt;
    return hf_expert_tensor_name(*t->spec, t->layer, 0);
}

std::optional<LayerTensorName> parse_layer_tensor(const ModelFamily& family, std::string_view gguf_name) {
    const auto split = split_layer(gguf_name, "blk.");
    if (!split) return std::nullopt;
    for (const LayerTensorSpec& s : family.layer)
        if (s.gguf == split->second) return LayerTensorName{split->first, &s};
    return std::nullopt;
}

}  // namespace qforge
