#include "model/llama_hparams.h"

#include <cmath>

#include "core/error.h"
#include "model/moe_forward.h"

namespace qforge {
namespace {

std::int64_t required(const GgufMetadata& m, const std::string& key, const std::string& where) {
    const auto v = m.get_int(key);
    if (!v) fail("{}: metadata key '{}' is missing", where, key);
    if (*v <= 0 || *v > (std::int64_t{1} << 31)) fail("{}: metadata key '{}' is {} (expected a positive count)", where, key, *v);
    return *v;
}

}  // namespace

LlamaHparams read_llama_hparams(const GgufMetadata& m, std::int64_t n_vocab, const std::string& where) {
    LlamaHparams hp;
    const auto arch = m.get_string("general.architecture");
    if (!arch) fail("{}: metadata key 'general.architecture' is missing", where);
    hp.family = find_family(*arch);
    if (hp.family == nullptr)
        fail("{}: architecture '{}' is not supported by the engine (supported: {})", where, *arch, supported_architectures());
    hp.arch = *arch;
    const std::string a = *arch + ".";
    hp.n_vocab = n_vocab;
    hp.n_embd = required(m, a + "embedding_length", where);
    hp.n_layer = required(m, a + "block_count", where);
    hp.n_head = required(m, a + "attention.head_count", where);
    hp.n_head_kv = m.get_int(a + "attention.head_count_kv").value_or(hp.n_head);
    hp.n_ff = required(m, a + "feed_forward_length", where);
    hp.n_ctx_train = m.get_int(a + "context_length").value_or(2048);
    hp.head_dim = m.get_int(a + "attention.key_length").value_or(hp.n_embd / hp.n_head);
    hp.n_rot = m.get_int(a + "rope.dimension_count").value_or(hp.head_dim);
    if (hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv != 0)
        fail("{}: head_count {} is not a multiple of head_count_kv {}", where, hp.n_head, hp.n_head_kv);
    if (hp.n_rot <= 0 || hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0)
        fail("{}: rope.dimension_count {} does not fit head size {}", where, hp.n_rot, hp.head_dim);
    hp.rms_eps = static_cast<float>(m.get_float(a + "attention.layer_norm_rms_epsilon").value_or(1e-5));
    hp.rope_base = static_cast<float>(m.get_float(a + "rope.freq_base").value_or(10000.0));
    if (m.get_string(a + "rope.scaling.type").value_or("none") == "linear") {
        const double factor = m.get_float(a + "rope.scaling.factor").value_or(1.0);
        if (factor <= 0.0) fail("{}: rope.scaling.factor must be positive", where);
        hp.rope_freq_scale = static_cast<float>(1.0 / factor);
    }
    hp.rope_neox = hp.family->rope_neox;
    hp.n_ctx_orig = m.get_int(a + "rope.scaling.original_context_length").value_or(hp.n_ctx_train);
    hp.rope_attn_factor = static_cast<float>(m.get_float(a + "rope.scaling.attn_factor").value_or(1.0));
    if (!(hp.rope_attn_factor > 0.0f) || !std::isfinite(hp.rope_attn_factor))
        fail("{}: metadata key '{}rope.scaling.attn_factor' is {} (expected a positive number)", where, a, hp.rope_attn_factor);
    hp.attn_scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
    if (hp.family->converter == ModelFamily::Converter::Gemma3 && hp.n_layer == 62)  // the 27B, as llama.cpp decides
        hp.attn_scale = 1.0f / std::sqrt(static_cast<float>(hp.n_embd / hp.n_head));
    if (hp.family->converter == ModelFamily::Converter::Gemma2) {
        // llama.cpp scales Gemma 2's queries by the head size, except for the 27B (46 layers): by n_embd / n_head
        if (hp.n_layer == 46) hp.attn_scale = 1.0f / std::sqrt(static_cast<float>(hp.n_embd / hp.n_head));
        for (auto [key, out] : {std::pair{"attn_logit_softcapping", &hp.attn_softcap}, {"final_logit_softcapping", &hp.final_softcap}}) {
            const auto v = m.get_float(a + key);
            if (!v) fail("{}: metadata key '{}{}' is missing", where, a, key);
            if (!(*v > 0.0) || !std::isfinite(*v)) fail("{}: metadata key '{}{}' is {} (expected a positive cap)", where, a, key, *v);
            *out = static_cast<float>(*v);
        }
    }
    const auto swa = m.get_int(a + "attention.sliding_window");
    if (swa && (*swa < 0 || *swa > (std::int64_t{1} << 31)))
        fail("{}: metadata key '{}attention.sliding_window' is {} (expected 0 to 2^31)", where, a, *swa);
    hp.n_swa = swa.value_or(0);
    if (hp.family->converter == ModelFamily::Converter::Gemma3 && !swa)
        fail("{}: metadata key '{}attention.sliding_window' is missing (Gemma 3 files carry it)", where, a);
    if (hp.family->converter == ModelFamily::Converter::Phi3 && !swa) {
        // files from before the key was written: the windows llama.cpp assumes (its PR 8931)
        if ((hp.n_layer == 32 || hp.n_layer == 40) && hp.n_ctx_train == 4096) hp.n_swa = 2047;
        else if (hp.n_layer == 32 && hp.n_head_kv == 32 && hp.n_ctx_train == 131072) hp.n_swa = 262144;
        else if (hp.n_layer == 40 && hp.n_ctx_train == 131072) hp.n_swa = 131072;
        else fail("{}: metadata key '{}attention.sliding_window' is missing (Phi-3 files carry it; 0 for none)", where, a);
    }
    if (hp.family->sliding_layers == ModelFamily::SlidingLayers::Even && !swa) hp.n_swa = 4096;  // llama.cpp's Gemma 2 default
    hp.n_expert = m.get_int(a + "expert_count").value_or(0);
    if (hp.n_expert < 0 || hp.n_expert > kMaxExperts)
        fail("{}: metadata key '{}expert_count' is {} (expected 0 to {})", where, a, hp.n_expert, kMaxExperts);
    if (hp.n_expert > 0) {
        hp.n_expert_used = required(m, a + "expert_used_count", where);
        if (hp.n_expert_used > hp.n_expert)
            fail("{}: expert_used_count {} exceeds expert_count {}", where, hp.n_expert_used, hp.n_expert);
        hp.n_ff_exp = m.get_int(a + "expert_feed_forward_length").has_value() ? required(m, a + "expert_feed_forward_length", where) : hp.n_ff;
    } else {
        if (hp.family->find(LayerRole::Down) == nullptr) fail("{}: metadata key '{}expert_count' is missing (architecture '{}' routes to experts)", where, a, *arch);
    }
    return hp;
}

bool LlamaHparams::sliding_layer(std::int64_t il) const {
    if (family == nullptr) return false;
    switch (family->sliding_layers) {
        case ModelFamily::SlidingLayers::None: return false;
        case ModelFamily::SlidingLayers::All: return true;
        case ModelFamily::SlidingLayers::Even: return il % 2 == 0;
        case ModelFamily::SlidingLayers::FiveOfSix: return (il + 1) % 6 != 0;
    }
    return false;
}

std::int64_t LlamaHparams::layer_window(std::int64_t il) const { return sliding_layer(il) ? n_swa : 0; }

void embed_scale(const LlamaHparams& hp, float* x, std::int64_t n_tokens) {
    if (hp.family == nullptr || !hp.family->scale_embeddings) return;
    const float s = std::sqrt(static_cast<float>(hp.n_embd));
    for (std::int64_t i = 0; i < n_tokens * hp.n_embd; ++i) x[i] *= s;
}

}  // namespace qforge
