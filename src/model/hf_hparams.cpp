#include "model/hf_hparams.h"

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "formats/hf/json_file.h"

namespace qforge {
namespace {

std::optional<std::int64_t> get_int(const nlohmann::json& c, const char* key, const std::string& where) {
    auto it = c.find(key);
    if (it == c.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) fail("{}: field '{}' must be an integer", where, key);
    return it->get<std::int64_t>();
}

std::int64_t require_positive(const nlohmann::json& c, const char* key, const std::string& where) {
    auto v = get_int(c, key, where);
    if (!v) fail("{}: missing field '{}'", where, key);
    if (*v <= 0 || *v > (std::int64_t{1} << 31)) fail("{}: field '{}' is {} (expected a positive integer)", where, key, *v);
    return *v;
}

std::optional<double> get_number(const nlohmann::json& c, const char* key, const std::string& where) {
    auto it = c.find(key);
    if (it == c.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) fail("{}: field '{}' must be a number", where, key);
    return it->get<double>();
}

GgufValue u32(std::int64_t v) { return GgufValue::make(static_cast<std::uint32_t>(v)); }
GgufValue f32(double v) { return GgufValue::make(static_cast<float>(v)); }

}  // namespace

HfHparams read_hf_hparams(const nlohmann::json& c, const std::string& where) {
    HfHparams hp;
    hp.n_layer = require_positive(c, "num_hidden_layers", where);
    hp.n_embd = require_positive(c, "hidden_size", where);
    hp.n_head = require_positive(c, "num_attention_heads", where);
    hp.n_head_kv = get_int(c, "num_key_value_heads", where).value_or(hp.n_head);
    hp.vocab_size = require_positive(c, "vocab_size", where);
    hp.n_ff = get_int(c, "intermediate_size", where);
    hp.n_ctx = get_int(c, "max_position_embeddings", where);
    hp.head_dim = get_int(c, "head_dim", where);
    hp.tied_embeddings = json_bool(c, "tie_word_embeddings", where).value_or(false);
    if (hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv != 0)
        fail("{}: num_attention_heads {} is not a multiple of num_key_value_heads {}", where, hp.n_head, hp.n_head_kv);
    if (!hp.head_dim && hp.n_embd % hp.n_head != 0)
        fail("{}: hidden_size {} is not divisible by num_attention_heads {}", where, hp.n_embd, hp.n_head);
    if (get_int(c, "num_local_experts", where)) hp.n_expert = require_positive(c, "num_local_experts", where);
    else if (get_int(c, "num_experts", where)) hp.n_expert = require_positive(c, "num_experts", where);
    if (hp.n_expert > 0) {
        hp.n_expert_used = require_positive(c, "num_experts_per_tok", where);
        if (hp.n_expert_used > hp.n_expert)
            fail("{}: num_experts_per_tok {} exceeds the {} experts", where, hp.n_expert_used, hp.n_expert);
        if (get_int(c, "moe_intermediate_size", where)) hp.n_ff_exp = require_positive(c, "moe_intermediate_size", where);
        // layers with a dense block among expert layers (Qwen MoE's mlp_only_layers, decoder_sparse_step > 1)
        auto dense = c.find("mlp_only_layers");
        if ((dense != c.end() && dense->is_array() && !dense->empty()) || get_int(c, "decoder_sparse_step", where).value_or(1) != 1)
            fail("{}: dense layers among the expert layers (mlp_only_layers, decoder_sparse_step) are not supported", where);
    }
    return hp;
}

void write_generic_hparams(const nlohmann::json& c, const HfHparams& hp, const std::string& arch, GgufMetadata& m) {
    m.set(arch + ".block_count", u32(hp.n_layer));
    if (hp.n_ctx) m.set(arch + ".context_length", u32(*hp.n_ctx));
    m.set(arch + ".embedding_length", u32(hp.n_embd));
    if (hp.n_ff) m.set(arch + ".feed_forward_length", u32(*hp.n_ff));
    m.set(arch + ".attention.head_count", u32(hp.n_head));
    if (get_int(c, "num_key_value_heads", "config.json")) m.set(arch + ".attention.head_count_kv", u32(hp.n_head_kv));
    if (auto theta = get_number(c, "rope_theta", "config.json")) m.set(arch + ".rope.freq_base", f32(*theta));
    if (auto eps = get_number(c, "rms_norm_eps", "config.json"))
        m.set(arch + ".attention.layer_norm_rms_epsilon", f32(*eps));
    if (auto n = get_int(c, "num_local_experts", "config.json")) m.set(arch + ".expert_count", u32(*n));
    if (auto n = get_int(c, "num_experts_per_tok", "config.json")) m.set(arch + ".expert_used_count", u32(*n));
    if (hp.head_dim) {
        m.set(arch + ".attention.key_length", u32(*hp.head_dim));
        m.set(arch + ".attention.value_length", u32(*hp.head_dim));
    }
}

void write_arch_hparams(const nlohmann::json& c, const HfHparams& hp, const ModelFamily& family, GgufMetadata& m) {
    const std::string a(family.gguf_arch);
    if (family.qwen_moe_converter_keys) {
        if (auto n = get_int(c, "num_experts", "config.json")) m.set(a + ".expert_count", u32(*n));
        if (hp.n_ff_exp) m.set(a + ".expert_feed_forward_length", u32(*hp.n_ff_exp));
    }
    if (!family.llama_converter_keys) return;
    m.set(a + ".vocab_size", u32(hp.vocab_size));
    m.set(a + ".rope.dimension_count", u32(hp.head_dim.value_or(hp.n_embd / hp.n_head)));
    auto rs = c.find("rope_scaling");
    if (rs != c.end() && rs->is_object() && rs->contains("factor") &&
        json_string(*rs, "type", "config.json rope_scaling") == "linear") {
        if (!(*rs)["factor"].is_number()) fail("config.json: rope_scaling.factor must be a number");
        m.set(a + ".rope.scaling.type", GgufValue::make<std::string>("linear"));
        m.set(a + ".rope.scaling.factor", f32((*rs)["factor"].get<double>()));
    }
}

std::optional<std::vector<float>> llama3_rope_factors(const nlohmann::json& c, const HfHparams& hp) {
    auto rs = c.find("rope_scaling");
    if (rs == c.end() || !rs->is_object() || json_string(*rs, "rope_type", "config.json rope_scaling") != "llama3")
        return std::nullopt;
    auto num = [&](const char* key, double dflt) {
        auto it = rs->find(key);
        return it != rs->end() && it->is_number() ? it->get<double>() : dflt;
    };
    const double base = json_number(c, "rope_theta", "config.json").value_or(10000.0);
    const std::int64_t dim = hp.head_dim.value_or(hp.n_embd / hp.n_head);
    const double factor = num("factor", 8.0), low = num("low_freq_factor", 1.0), high = num("high_freq_factor", 4.0);
    const double old_ctx = num("original_max_position_embeddings", 8192.0);
    const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
    std::vector<float> factors;
    for (std::int64_t i = 0; i < dim; i += 2) {
        const float freq = 1.0f / std::pow(static_cast<float>(base), static_cast<float>(i) / static_cast<float>(dim));
        const double wavelen = 2.0 * std::numbers::pi / freq;
        if (wavelen < high_wavelen) factors.push_back(1.0f);
        else if (wavelen > low_wavelen) factors.push_back(static_cast<float>(factor));
        else {
            const double smooth = (old_ctx / wavelen - low) / (high - low);
            factors.push_back(static_cast<float>(1.0 / ((1.0 - smooth) / factor + smooth)));
        }
    }
    return factors;
}

}  // namespace qforge
