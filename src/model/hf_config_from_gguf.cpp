#include "model/hf_config_from_gguf.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.h"
#include "model/hf_hparams.h"

namespace qforge {
namespace {

class Keys {
public:
    Keys(const GgufMetadata& m, const ModelFamily& family, const std::string& where)
        : m_(m), a_(std::string(family.gguf_arch) + "."), where_(where) {}
    std::optional<std::int64_t> opt_int(const std::string& key) const { return m_.get_int(a_ + key); }
    std::optional<double> opt_float(const std::string& key) const { return m_.get_float(a_ + key); }
    std::int64_t need_int(const std::string& key) const {
        auto v = opt_int(key);
        if (!v) fail("{}: metadata key '{}{}' is missing", where_, a_, key);
        return *v;
    }
    double need_float(const std::string& key) const {
        auto v = opt_float(key);
        if (!v) fail("{}: metadata key '{}{}' is missing", where_, a_, key);
        return *v;
    }
    std::optional<std::string> opt_string(const std::string& key) const { return m_.get_string(a_ + key); }
    const std::string& where() const { return where_; }
    std::string key(const std::string& k) const { return a_ + k; }

private:
    const GgufMetadata& m_;
    std::string a_, where_;
};

nlohmann::json f32(double v) { return json_f32(static_cast<float>(v)); }

// linear rope scaling (llama, Gemma 3's global layers); other types have no inverse here
void rope_scaling(const Keys& k, nlohmann::json& c, const char* type_key) {
    const auto type = k.opt_string("rope.scaling.type");
    if (!type || *type == "none") return;
    if (*type != "linear")
        fail("{}: metadata key '{}' is '{}': only linear rope scaling has a config.json form here", k.where(), k.key("rope.scaling.type"), *type);
    c["rope_scaling"] = {{type_key, "linear"}, {"factor", f32(k.need_float("rope.scaling.factor"))}};
}

// Llama 3's rope_freqs factors come from rope_scaling {factor, low/high_freq_factor, original context}: find
// the published settings that give exactly these factors.
void llama3_rope_scaling(const Keys& k, const std::vector<float>& factors, nlohmann::json& c) {
    for (const double factor : {8.0, 32.0, 16.0, 4.0, 2.0})
        for (const double old_ctx : {8192.0, 4096.0, 16384.0}) {
            nlohmann::json rs = {{"rope_type", "llama3"}, {"factor", factor}, {"low_freq_factor", 1.0},
                                 {"high_freq_factor", 4.0}, {"original_max_position_embeddings", static_cast<std::int64_t>(old_ctx)}};
            nlohmann::json probe = c;
            probe["rope_scaling"] = rs;
            const HfHparams hp = read_hf_hparams(probe, k.where());
            if (llama3_rope_factors(probe, hp) == factors) {
                c["rope_scaling"] = rs;
                return;
            }
        }
    fail("{}: rope_freqs.weight holds llama 3 rope factors of settings qforge cannot name (factor 2..32, low 1, high 4, "
         "original context 4096..16384)", k.where());
}

}  // namespace

nlohmann::json json_f32(float v) {
    if (!std::isfinite(v)) fail("a non-finite value ({}) has no JSON form", v);
    for (int digits = 1; digits <= 9; ++digits) {
        const std::string s = fmt::format("{:.{}g}", v, digits);
        if (std::strtof(s.c_str(), nullptr) == v) return nlohmann::json(std::strtod(s.c_str(), nullptr));
    }
    return nlohmann::json(static_cast<double>(v));
}

nlohmann::json hf_config_from_gguf(const GgufMetadata& m, const ModelFamily& family, const GgufTensorFacts& facts,
                                   const std::string& where) {
    const Keys k(m, family, where);
    const auto n_expert = k.opt_int("expert_count").value_or(0);
    const HfClass* cls = nullptr;
    for (const HfClass& c : family.hf_classes)
        if (c.experts == (n_expert > 0) && cls == nullptr) cls = &c;
    // a llama file with a sliding window is Mistral's
    if (family.converter == ModelFamily::Converter::Llama && n_expert == 0 && k.opt_int("attention.sliding_window"))
        for (const HfClass& c : family.hf_classes)
            if (c.model_type == "mistral") cls = &c;
    if (cls == nullptr) fail("{}: architecture '{}' with {} experts has no Hugging Face class here", where, family.gguf_arch, n_expert);

    nlohmann::json c = nlohmann::json::object();
    c["architectures"] = {std::string(cls->name)};
    c["model_type"] = std::string(cls->model_type);
    const std::int64_t n_embd = k.need_int("embedding_length"), n_head = k.need_int("attention.head_count");
    c["num_hidden_layers"] = k.need_int("block_count");
    c["hidden_size"] = n_embd;
    c["num_attention_heads"] = n_head;
    c["vocab_size"] = k.opt_int("vocab_size").value_or(facts.n_vocab);
    if (auto v = k.opt_int("feed_forward_length")) c["intermediate_size"] = *v;
    if (auto v = k.opt_int("context_length")) c["max_position_embeddings"] = *v;
    if (auto v = k.opt_int("attention.head_count_kv")) c["num_key_value_heads"] = *v;
    if (auto v = k.opt_float("rope.freq_base")) c["rope_theta"] = f32(*v);
    if (auto v = k.opt_float("attention.layer_norm_rms_epsilon")) c["rms_norm_eps"] = f32(*v);
    if (auto v = k.opt_int("attention.key_length")) {
        if (k.opt_int("attention.value_length").value_or(*v) != *v)
            fail("{}: key_length {} and value_length {} differ; config.json has one head_dim", where, *v, *k.opt_int("attention.value_length"));
        c["head_dim"] = *v;
    }
    c["tie_word_embeddings"] = !facts.has_output;
    c["hidden_act"] = family.activation == ModelFamily::Activation::GeluTanh ? "gelu_pytorch_tanh" : "silu";
    if (n_expert > 0) {
        c[family.converter == ModelFamily::Converter::QwenMoe ? "num_experts" : "num_local_experts"] = n_expert;
        c["num_experts_per_tok"] = k.need_int("expert_used_count");
        if (auto v = k.opt_int("expert_feed_forward_length")) c["moe_intermediate_size"] = *v;
    }
    const std::int64_t head_dim = c.contains("head_dim") ? c["head_dim"].get<std::int64_t>() : n_embd / n_head;
    switch (family.converter) {
        case ModelFamily::Converter::Llama: {
            if (auto dims = k.opt_int("rope.dimension_count"); dims && *dims != head_dim)
                fail("{}: rope.dimension_count {} is not the head size {} (partial RoPE has no llama config.json form)", where, *dims, head_dim);
            if (facts.rope_freqs) llama3_rope_scaling(k, *facts.rope_freqs, c);
            else rope_scaling(k, c, "type");
            if (auto w = k.opt_int("attention.sliding_window")) c["sliding_window"] = *w;
            break;
        }
        case ModelFamily::Converter::Phi3: {
            c["original_max_position_embeddings"] = k.need_int("rope.scaling.original_context_length");
            const auto w = k.opt_int("attention.sliding_window").value_or(0);
            c["sliding_window"] = w > 0 ? nlohmann::json(w) : nlohmann::json(nullptr);
            if (facts.rope_factors_long || facts.rope_factors_short) {
                if (!facts.rope_factors_long || !facts.rope_factors_short)
                    fail("{}: one of rope_factors_long/short.weight is missing", where);
                nlohmann::json rs = {{"type", "longrope"}, {"long_factor", nlohmann::json::array()}, {"short_factor", nlohmann::json::array()}};
                for (float f : *facts.rope_factors_long) rs["long_factor"].push_back(json_f32(f));
                for (float f : *facts.rope_factors_short) rs["short_factor"].push_back(json_f32(f));
                c["rope_scaling"] = rs;
            }
            break;
        }
        case ModelFamily::Converter::Gemma2:
        case ModelFamily::Converter::Gemma3: {
            const bool g2 = family.converter == ModelFamily::Converter::Gemma2;
            // the query scale llama.cpp applies: 1/sqrt(head size), but n_embd / n_head for the 27B models
            const bool big = c["num_hidden_layers"].get<std::int64_t>() == (g2 ? 46 : 62);
            c["query_pre_attn_scalar"] = big ? n_embd / n_head : head_dim;
            c["sliding_window"] = k.need_int("attention.sliding_window");
            if (g2) {
                c["attn_logit_softcapping"] = f32(k.need_float("attn_logit_softcapping"));
                c["final_logit_softcapping"] = f32(k.need_float("final_logit_softcapping"));
            } else {
                c["rope_local_base_freq"] = f32(family.sliding_rope_base);
                rope_scaling(k, c, "rope_type");
            }
            c["hidden_activation"] = "gelu_pytorch_tanh";  // the key Gemma's configs read
            if (g2) c["rope_theta"] = 10000.0;  // Gemma2Model writes no base: llama.cpp's default, and transformers'
            else c["sliding_window_pattern"] = 6;  // five sliding layers, then a global one (SlidingLayers::FiveOfSix)
            c["tie_word_embeddings"] = true;
            break;
        }
        default: rope_scaling(k, c, "type"); break;
    }
    return c;
}

}  // namespace qforge
