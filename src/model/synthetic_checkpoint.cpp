#include "model/synthetic_checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/hf/hf_directory_writer.h"
#include "formats/safetensors/safetensors_writer.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

struct Planned {
    SafetensorsEntry entry;
    bool norm = false;   // a norm's weight: 1 + U(-0.1, 0.1) (U(-0.1, 0.1) where the family stores w of (1 + w));
                         // else a matrix or bias: U(-1, 1) / sqrt(fan-in)
    float gain = 1.0f;   // the output head's values 4x as large: logits far from uniform, so that any error in
                         // the forward pass shows in the perplexity
};

// Uniform in [-1, 1) from one raw 32-bit word (std's distributions differ between libraries).
float unit(std::mt19937& rng) { return static_cast<float>(static_cast<double>(rng()) / 2147483648.0 - 1.0); }

nlohmann::json config_of(const ModelFamily& f, const HfClass& cls, const SyntheticShape& s, TensorType dtype) {
    nlohmann::json c;
    c["architectures"] = {std::string(cls.name)};
    c["model_type"] = std::string(cls.model_type);
    c["hidden_size"] = s.n_embd;
    c["intermediate_size"] = s.n_ff;
    c["num_hidden_layers"] = s.n_layer;
    c["num_attention_heads"] = s.n_head;
    c["num_key_value_heads"] = s.n_head_kv;
    if (s.head_dim > 0) c["head_dim"] = s.head_dim;
    c["vocab_size"] = s.n_vocab;
    c["max_position_embeddings"] = s.n_ctx;
    c["rms_norm_eps"] = 1e-6;
    c["rope_theta"] = 10000.0;
    c["hidden_act"] = "silu";
    c["tie_word_embeddings"] = s.tied_embeddings || f.norms_plus_one;  // (Gemma ties always)
    c["bos_token_id"] = 1;
    c["eos_token_id"] = 2;
    c["torch_dtype"] = dtype == TensorType::F32 ? "float32" : dtype == TensorType::F16 ? "float16" : "bfloat16";
    if (s.sliding_window > 0) c["sliding_window"] = s.sliding_window;
    if (f.converter == ModelFamily::Converter::Gemma3) {  // Gemma3TextConfig (the 4B's and larger's linear scaling, x2)
        c["head_dim"] = s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head;
        c["query_pre_attn_scalar"] = c["head_dim"];
        c["rope_theta"] = 1000000.0;
        c["rope_local_base_freq"] = 10000.0;
        c["sliding_window_pattern"] = 6;
        c["rope_scaling"] = {{"factor", 2.0}, {"rope_type", "linear"}};
        c["attn_logit_softcapping"] = nullptr;
        c["final_logit_softcapping"] = nullptr;
        c["hidden_activation"] = "gelu_pytorch_tanh";
        if (s.sliding_window <= 0) c["sliding_window"] = 512;
    }
    if (f.converter == ModelFamily::Converter::Gemma2) {  // Gemma2Config
        c["head_dim"] = s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head;
        c["query_pre_attn_scalar"] = c["head_dim"];
        c["attn_logit_softcapping"] = 50.0;
        c["final_logit_softcapping"] = 30.0;
        c["hidden_activation"] = "gelu_pytorch_tanh";
        c["hidden_act"] = "gelu_pytorch_tanh";
        if (s.sliding_window <= 0) c["sliding_window"] = 4096;
    }
    if (f.converter == ModelFamily::Converter::Phi3) {  // Phi3Config
        const std::int64_t orig = s.n_ctx_orig > 0 ? s.n_ctx_orig : s.n_ctx;
        c["original_max_position_embeddings"] = orig;
        if (orig < s.n_ctx) {
            // LongRoPE's factors, one per rotated pair: short ones near 1, long ones rising to the extension
            const std::int64_t pairs = (s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head) / 2;
            const double extension = static_cast<double>(s.n_ctx) / static_cast<double>(orig);
            nlohmann::json short_f = nlohmann::json::array(), long_f = nlohmann::json::array();
            for (std::int64_t i = 0; i < pairs; ++i) {
                const double x = static_cast<double>(i) / static_cast<double>(std::max<std::int64_t>(pairs - 1, 1));
                short_f.push_back(1.0 + 0.25 * x * x);
                long_f.push_back(1.0 + (extension - 1.0) * x);
            }
            c["rope_scaling"] = {{"type", "longrope"}, {"short_factor", short_f}, {"long_factor", long_f}};
        } else {
            c["rope_scaling"] = nullptr;
        }
    }
    if (s.n_expert > 0) {
        c["num_experts_per_tok"] = s.n_expert_used;
        if (f.converter == ModelFamily::Converter::QwenMoe) {  // Qwen3MoeConfig
            c["num_experts"] = s.n_expert;
            c["moe_intermediate_size"] = s.n_ff_exp > 0 ? s.n_ff_exp : s.n_ff;
            c["norm_topk_prob"] = true;
            c["decoder_sparse_step"] = 1;
            c["mlp_only_layers"] = nlohmann::json::array();
        } else {  // MixtralConfig
            c["num_local_experts"] = s.n_expert;
        }
    }
    return c;
}

}  // namespace

void write_synthetic_checkpoint(const ModelFamily& f, const SyntheticShape& s, const SyntheticCheckpointOptions& o,
                                const std::string& out_dir) {
    if (o.dtype != TensorType::F32 && o.dtype != TensorType::F16 && o.dtype != TensorType::BF16)
        fail("synthetic checkpoint: dtype {} (expected f32, f16 or bf16)", type_name(o.dtype));
    if (s.n_embd <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.n_ff <= 0 || s.n_vocab <= 0)
        fail("synthetic checkpoint: every dimension must be positive");
    if (s.n_head % s.n_head_kv != 0) fail("synthetic checkpoint: {} heads do not share {} kv heads evenly", s.n_head, s.n_head_kv);
    if (s.head_dim <= 0 && s.n_embd % s.n_head != 0)
        fail("synthetic checkpoint: n_embd {} is not a multiple of {} heads (give head_dim)", s.n_embd, s.n_head);
    const HfClass* cls = nullptr;
    for (const HfClass& c : f.hf_classes)
        if (cls == nullptr && (o.hf_class.empty() ? c.experts == (s.n_expert > 0) : c.name == o.hf_class)) cls = &c;
    if (cls == nullptr) fail("synthetic checkpoint: '{}' is not a class of the {} family", o.hf_class, f.gguf_arch);
    bool has_experts = false, has_dense = false;
    for (const LayerTensorSpec& t : f.layer) {
        has_experts |= t.ffn == FfnKind::Experts;
        has_dense |= t.ffn == FfnKind::Dense;
    }
    if (s.n_expert > 0 && (!has_experts || s.n_expert_used <= 0 || s.n_expert_used > s.n_expert))
        fail("synthetic checkpoint: {} experts ({} used) in the {} family", s.n_expert, s.n_expert_used, f.gguf_arch);
    if (s.n_expert == 0 && !has_dense) fail("synthetic checkpoint: the {} family's layers have experts (give their number)", f.gguf_arch);

    const LayerDims dims{s.n_embd,  s.n_head,   s.n_head_kv, s.head_dim > 0 ? s.head_dim : s.n_embd / s.n_head,
                         s.n_ff,    s.n_expert, s.n_ff_exp > 0 ? s.n_ff_exp : s.n_ff};
    std::vector<Planned> tensors;
    auto add = [&](std::string name, std::vector<std::int64_t> ne, bool norm, float gain = 1.0f) {
        tensors.push_back({SafetensorsEntry{std::move(name), o.dtype, std::move(ne)}, norm, gain});
    };
    const bool tied = s.tied_embeddings || f.norms_plus_one;
    // (a tied head 4x as large, except where the inputs are scaled by sqrt(n_embd): they would outweigh the layers
    // and the head would echo the last token)
    add("model.embed_tokens.weight", {s.n_embd, s.n_vocab}, false, tied && !f.scale_embeddings ? 4.0f : 1.0f);
    add("model.norm.weight", {s.n_embd}, true);
    if (!tied) add("lm_head.weight", {s.n_embd, s.n_vocab}, false, 4.0f);
    for (std::int64_t l = 0; l < s.n_layer; ++l)
        for (const LayerTensorSpec& t : f.layer) {
            if (t.optional || !t.applies(s.n_expert)) continue;
            std::vector<std::int64_t> ne = {dim_size(t.ne0, dims)};
            if (t.ne1 != Dim::None) ne.push_back(dim_size(t.ne1, dims));
            const bool norm = t.role == LayerRole::AttnNorm || t.role == LayerRole::FfnNorm || t.role == LayerRole::QNorm ||
                              t.role == LayerRole::KNorm || t.role == LayerRole::AttnPostNorm || t.role == LayerRole::FfnPostNorm;
            // the router's logits 4x as large too: decisive routing, as trained routers have, so that the float
            // rounding of one implementation or another (an f16 KV cache) rarely changes which experts a token uses
            const float gain = t.role == LayerRole::GateInp ? 4.0f : 1.0f;
            for (std::int64_t e = 0; e < (t.per_expert() ? s.n_expert : 1); ++e)  // Hugging Face keeps one tensor per expert
                add(hf_expert_tensor_name(t, l, e), ne, norm, gain);
        }
    // safetensors files list their tensors by name
    std::sort(tensors.begin(), tensors.end(), [](const Planned& a, const Planned& b) { return a.entry.name < b.entry.name; });

    HfDirectoryWriter dir(out_dir);
    dir.write_json("config.json", config_of(f, *cls, s, o.dtype));
    bool tokenizer = false;
    for (const char* name : {"tokenizer.model", "tokenizer.json", "tokenizer_config.json"}) {
        const fs::path src = fs::path(o.tokenizer_dir) / name;
        if (o.tokenizer_dir.empty() || !fs::exists(src)) continue;
        dir.copy_file(src.string(), name);
        tokenizer |= std::string_view(name) != "tokenizer_config.json";
    }
    if (!tokenizer) fail("synthetic checkpoint: no tokenizer.model or tokenizer.json in '{}'", o.tokenizer_dir);

    std::vector<SafetensorsEntry> entries;
    for (const Planned& t : tensors) entries.push_back(t.entry);
    SafetensorsWriter out(dir.path("model.safetensors"), entries, {{"format", "pt"}});
    std::mt19937 rng(o.seed);
    for (const Planned& t : tensors) {
        const std::int64_t row = t.entry.ne[0], rows = t.entry.ne.size() > 1 ? t.entry.ne[1] : 1;
        const float scale = t.norm ? 0.1f : t.gain / std::sqrt(static_cast<float>(row));
        std::vector<float> x(static_cast<std::size_t>(row));
        std::vector<std::uint8_t> bytes(t.entry.nbytes() / static_cast<std::size_t>(rows));
        for (std::int64_t r = 0; r < rows; ++r) {
            for (float& v : x) v = (t.norm && !f.norms_plus_one ? 1.0f : 0.0f) + scale * unit(rng);
            convert_from_f32(o.dtype, x.data(), bytes.data(), x.size());
            out.write(bytes);
        }
    }
    out.finish();
    dir.commit();
}

}  // namespace qforge
