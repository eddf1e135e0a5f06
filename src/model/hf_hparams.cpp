#include "model/hf_hparams.h"

#include <cctype>
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

void write_phi3_hparams(const nlohmann::json& c, const HfHparams& hp, const std::string& a, GgufMetadata& m);
void write_phi3_sliding_window(const nlohmann::json& c, const std::string& a, GgufMetadata& m);

// Gemma2Model's keys before general.file_type.
void write_gemma2_hparams(const nlohmann::json& c, const HfHparams& hp, const std::string& a, GgufMetadata& m) {
    const std::string where = "config.json";
    auto need = [&](const char* key) {
        auto v = get_int(c, key, where);
        if (!v) fail("{}: missing field '{}' (Gemma 2 configs have it)", where, key);
        return *v;
    };
    m.set(a + ".context_length", u32(need("max_position_embeddings")));
    m.set(a + ".embedding_length", u32(hp.n_embd));
    m.set(a + ".block_count", u32(hp.n_layer));
    m.set(a + ".feed_forward_length", u32(need("intermediate_size")));
    m.set(a + ".attention.head_count", u32(hp.n_head));
    m.set(a + ".attention.head_count_kv", u32(hp.n_head_kv));
    const auto eps = get_number(c, "rms_norm_eps", where);
    if (!eps) fail("{}: missing field 'rms_norm_eps'", where);
    m.set(a + ".attention.layer_norm_rms_epsilon", f32(*eps));
    m.set(a + ".attention.key_length", u32(need("head_dim")));
    m.set(a + ".attention.value_length", u32(need("head_dim")));
}

// Gemma3Model's keys before general.file_type (its defaults where config.json leaves a field out).
void write_gemma3_hparams(const nlohmann::json& c, const HfHparams& hp, const std::string& a, GgufMetadata& m) {
    const std::string where = "config.json";
    m.set(a + ".context_length", u32(get_int(c, "max_position_embeddings", where).value_or(131072)));
    m.set(a + ".embedding_length", u32(hp.n_embd));
    m.set(a + ".block_count", u32(hp.n_layer));
    const auto ff = get_int(c, "intermediate_size", where);
    if (!ff) fail("{}: missing field 'intermediate_size'", where);
    m.set(a + ".feed_forward_length", u32(*ff));
    m.set(a + ".attention.head_count", u32(hp.n_head));
    m.set(a + ".attention.layer_norm_rms_epsilon", f32(get_number(c, "rms_norm_eps", where).value_or(1e-6)));
    m.set(a + ".attention.key_length", u32(get_int(c, "head_dim", where).value_or(256)));
    m.set(a + ".attention.value_length", u32(get_int(c, "head_dim", where).value_or(256)));
}

// ... and after it: the global layers' RoPE base, the window, head_count_kv, linear rope scaling (global layers).
void write_gemma3_arch_hparams(const nlohmann::json& c, const std::string& a, GgufMetadata& m) {
    const std::string where = "config.json";
    m.set(a + ".rope.freq_base", f32(get_number(c, "rope_theta", where).value_or(1'000'000.0)));
    if (get_number(c, "attn_logit_softcapping", where)) fail("{}: Gemma 3 has no attn_logit_softcapping (Gemma 2's field)", where);
    const auto w = get_int(c, "sliding_window", where);
    if (!w || *w <= 0 || *w > (std::int64_t{1} << 31)) fail("{}: field 'sliding_window' is missing or not a positive window", where);
    m.set(a + ".attention.sliding_window", u32(*w));
    m.set(a + ".attention.head_count_kv", u32(get_int(c, "num_key_value_heads", where).value_or(4)));
    auto rs = c.find("rope_scaling");
    if (rs != c.end() && !rs->is_null()) {
        if (!rs->is_object() || json_string(*rs, "rope_type", "config.json rope_scaling").value_or("") != "linear")
            fail("{}: rope_scaling must be of rope_type linear (Gemma 3's, for its global layers)", where);
        const auto factor = get_number(*rs, "factor", "config.json rope_scaling");
        if (!factor || !(*factor > 0.0)) fail("{}: rope_scaling.factor must be a positive number", where);
        m.set(a + ".rope.scaling.type", GgufValue::make<std::string>("linear"));
        m.set(a + ".rope.scaling.factor", f32(*factor));
    }
}

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

namespace {

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

}  // namespace

void write_hparams(const nlohmann::json& c, const HfHparams& hp, const ModelFamily& family, GgufMetadata& m) {
    const std::string a(family.gguf_arch);
    switch (family.converter) {
        case ModelFamily::Converter::Phi3: write_phi3_hparams(c, hp, a, m); return;
        case ModelFamily::Converter::Gemma2: write_gemma2_hparams(c, hp, a, m); return;
        case ModelFamily::Converter::Gemma3: write_gemma3_hparams(c, hp, a, m); return;
        default: write_generic_hparams(c, hp, a, m); return;
    }
}

void write_arch_hparams(const nlohmann::json& c, const HfHparams& hp, const ModelFamily& family, GgufMetadata& m) {
    const std::string a(family.gguf_arch);
    if (family.converter == ModelFamily::Converter::Phi3) write_phi3_sliding_window(c, a, m);
    if (family.converter == ModelFamily::Converter::Gemma3) write_gemma3_arch_hparams(c, a, m);
    if (family.converter == ModelFamily::Converter::Gemma2) {
        for (const char* key : {"attn_logit_softcapping", "final_logit_softcapping"}) {
            const auto v = get_number(c, key, "config.json");
            if (!v) fail("config.json: missing field '{}' (Gemma 2 configs have it)", key);
            if (!(*v > 0.0)) fail("config.json: field '{}' is {} (expected a positive cap)", key, *v);
            m.set(a + "." + key, f32(*v));
        }
        const auto w = get_int(c, "sliding_window", "config.json");
        if (!w || *w <= 0 || *w > (std::int64_t{1} << 31)) fail("config.json: field 'sliding_window' is missing or not a positive window");
        m.set(a + ".attention.sliding_window", u32(*w));
    }
    if (family.converter == ModelFamily::Converter::QwenMoe) {
        if (auto n = get_int(c, "num_experts", "config.json")) m.set(a + ".expert_count", u32(*n));
        if (hp.n_ff_exp) m.set(a + ".expert_feed_forward_length", u32(*hp.n_ff_exp));
    }
    if (family.converter != ModelFamily::Converter::Llama) return;
    m.set(a + ".vocab_size", u32(hp.vocab_size));
    m.set(a + ".rope.dimension_count", u32(hp.head_dim.value_or(hp.n_embd / hp.n_head)));
    auto rs = c.find("rope_scaling");
    if (rs != c.end() && rs->is_object() && rs->contains("factor") &&
        json_string(*rs, "type", "config.json rope_scaling") == "linear") {
        if (!(*rs)["factor"].is_number()) fail("config.json: rope_scaling.factor must be a number");
        m.set(a + ".rope.scaling.type", GgufValue::make<std::string>("linear"));
        m.set(a + ".rope.scaling.factor", f32((*rs)["factor"].get<double>()));
    }
    // Mistral 7B v0.1 was trained with a sliding window (4096 of 32768 positions) and transformers applies it.
    // llama.cpp's converter drops the field and its llama graph attends everywhere; qforge keeps the window as
    // {arch}.attention.sliding_window (a key llama.cpp's llama loader does not read, so the file still runs
    // there, attending everywhere as before) and its engine applies it. A window that covers the whole context
    // changes nothing and is not written, so such files stay identical to llama.cpp's.
    if (auto w = get_int(c, "sliding_window", "config.json"); w && json_bool(c, "use_sliding_window", "config.json").value_or(true)) {
        if (*w <= 0 || *w > (std::int64_t{1} << 31)) fail("config.json: field 'sliding_window' is {} (expected a positive window)", *w);
        if (!hp.n_ctx || *w < *hp.n_ctx) m.set(a + ".attention.sliding_window", u32(*w));
    }
}

namespace {

void write_phi3_hparams(const nlohmann::json& c, const HfHparams& hp, const std::string& a, GgufMetadata& m) {
    const std::string where = "config.json";
    auto need = [&](const char* key) {
        auto v = get_int(c, key, where);
        if (!v) fail("{}: missing field '{}' (Phi-3 configs have it)", where, key);
        return *v;
    };
    m.set(a + ".context_length", u32(need("max_position_embeddings")));
    m.set(a + ".rope.scaling.original_context_length", u32(need("original_max_position_embeddings")));
    m.set(a + ".embedding_length", u32(hp.n_embd));
    m.set(a + ".feed_forward_length", u32(need("intermediate_size")));
    m.set(a + ".block_count", u32(hp.n_layer));
    m.set(a + ".attention.head_count", u32(hp.n_head));
    m.set(a + ".attention.head_count_kv", u32(need("num_key_value_heads")));
    const auto eps = get_number(c, "rms_norm_eps", where);
    if (!eps) fail("{}: missing field 'rms_norm_eps'", where);
    m.set(a + ".attention.layer_norm_rms_epsilon", f32(*eps));
    m.set(a + ".rope.dimension_count", u32(hp.n_embd / hp.n_head));
    const auto theta = get_number(c, "rope_theta", where);
    if (!theta) fail("{}: missing field 'rope_theta'", where);
    m.set(a + ".rope.freq_base", f32(*theta));
}

void write_phi3_sliding_window(const nlohmann::json& c, const std::string& a, GgufMetadata& m) {
    // 0 where config.json has none (Phi-4, which attends everywhere)
    const auto w = get_int(c, "sliding_window", "config.json").value_or(0);
    if (w < 0 || w > (std::int64_t{1} << 31)) fail("config.json: field 'sliding_window' is {} (expected a positive window)", w);
    m.set(a + ".attention.sliding_window", u32(w));
}

}  // namespace

std::optional<LongRope> phi3_long_rope(const nlohmann::json& c, const HfHparams& hp, const std::string& where) {
    auto rs = c.find("rope_scaling");
    if (rs == c.end() || rs->is_null()) return std::nullopt;
    if (!rs->is_object()) fail("{}: field 'rope_scaling' must be an object", where);
    const auto max_pos = get_int(c, "max_position_embeddings", where), orig = get_int(c, "original_max_position_embeddings", where);
    if (!max_pos || !orig || *orig <= 0) fail("{}: rope_scaling needs max_position_embeddings and original_max_position_embeddings", where);
    const double scale = static_cast<double>(*max_pos) / static_cast<double>(*orig);
    std::string type;
    if (auto t = rs->find("type"); t != rs->end() && t->is_string()) type = t->get<std::string>();
    for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (type.empty()) fail("{}: rope_scaling has no 'type'", where);
    LongRope r;
    if (type == "su" || type == "longrope")
        r.attn_factor = static_cast<float>(scale > 1.0 ? std::sqrt(1.0 + std::log(scale) / std::log(static_cast<double>(*orig))) : 1.0);
    else if (type == "yarn")
        r.attn_factor = static_cast<float>(scale > 1.0 ? 0.1 * std::log(scale) + 1.0 : 1.0);
    else
        fail("{}: rope_scaling type '{}' is not supported (su, longrope, yarn)", where, type);
    const std::size_t pairs = static_cast<std::size_t>(hp.n_embd / hp.n_head / 2);
    for (auto [key, out] : {std::pair{"long_factor", &r.long_factors}, {"short_factor", &r.short_factors}}) {
        auto f = rs->find(key);
        if (f == rs->end() || !f->is_array()) fail("{}: rope_scaling has no '{}' list", where, key);
        for (const auto& v : *f) {
            if (!v.is_number()) fail("{}: rope_scaling.{} holds a value that is not a number", where, key);
            out->push_back(static_cast<float>(v.get<double>()));
        }
        if (out->size() != pairs) fail("{}: rope_scaling.{} has {} values (expected head size / 2 = {})", where, key, out->size(), pairs);
    }
    return r;
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
