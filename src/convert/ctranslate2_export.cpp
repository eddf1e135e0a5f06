#include "convert/ctranslate2_export.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "convert/hf_model_files.h"
#include "convert/hf_tensor_bytes.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "core/progress.h"
#include "formats/ctranslate2/ct2_model_bin.h"
#include "formats/hf/hf_directory_writer.h"
#include "formats/hf/quantization_config.h"
#include "model/hf_hparams.h"
#include "tokenizer/gguf_vocab.h"

namespace qforge {
namespace {

// TransformerDecoderModelSpec's name and revision in CTranslate2 4.x's specs (transformer_spec.py).
constexpr const char* kSpec = "TransformerDecoderSpec";
constexpr std::uint32_t kSpecRevision = 8;
constexpr std::int8_t kActivationSwish = 2;  // CTranslate2's Activation enum: RELU, GELUTanh, SWISH, ...

struct Quantization {
    bool int8 = false;
    Ct2Dtype floats = Ct2Dtype::F32;
};

Quantization parse_quantization(const std::string& q) {
    if (q == "int8" || q == "int8_float32") return {true, Ct2Dtype::F32};
    if (q == "int8_float16") return {true, Ct2Dtype::F16};
    if (q == "int8_bfloat16") return {true, Ct2Dtype::BF16};
    if (q == "float16") return {false, Ct2Dtype::F16};
    if (q == "bfloat16") return {false, Ct2Dtype::BF16};
    if (q == "float32") return {false, Ct2Dtype::F32};
    fail("--quantization '{}': expected int8, int8_float32, int8_float16, int8_bfloat16, float16, bfloat16 or float32", q);
}

std::vector<std::uint8_t> floats_as(const std::vector<float>& v, Ct2Dtype t) {
    std::vector<std::uint8_t> out(v.size() * ct2_dtype_size(t));
    if (t == Ct2Dtype::F32) {
        std::memcpy(out.data(), v.data(), out.size());
        return out;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
        const std::uint16_t h = t == Ct2Dtype::F16 ? fp32_to_fp16(v[i]) : fp32_to_bf16(v[i]);
        std::memcpy(out.data() + 2 * i, &h, 2);
    }
    return out;
}

template <typename T>
std::vector<std::uint8_t> scalar_bytes(T v) {
    std::vector<std::uint8_t> out(sizeof(T));
    std::memcpy(out.data(), &v, sizeof(T));
    return out;
}

template <typename T>
constexpr Ct2Dtype dtype_of() {
    if constexpr (std::is_same_v<T, float>) return Ct2Dtype::F32;
    else if constexpr (std::is_same_v<T, std::int8_t>) return Ct2Dtype::I8;
    else if constexpr (std::is_same_v<T, std::int16_t>) return Ct2Dtype::I16;
    else return Ct2Dtype::I32;
}

struct Variable {
    Ct2VariableInfo info;
    std::function<std::vector<std::uint8_t>()> make;
};

// The variables of a model, planned before any is computed (model.bin announces their count first).
class Plan {
public:
    Plan(const GgufFile& gguf, Quantization q) : gguf_(gguf), q_(q) {}

    template <typename T>
    void scalar(const std::string& name, T v) {
        vars_.push_back({{name, {}, dtype_of<T>()}, [v] { return scalar_bytes(v); }});
    }

    // A float vector or matrix made of GGUF tensors (rows of each in Hugging Face's order) stacked by rows.
    // quantizable: a linear's or the embeddings' weight, int8 with a per-row scale under int8 quantizations.
    void tensor(const std::string& name, std::vector<const TensorView*> parts, std::vector<std::int64_t> heads, bool quantizable) {
        const std::int64_t cols = parts[0]->ne[0];
        std::int64_t rows = 0;
        for (const TensorView* p : parts) {
            if (p->ne[0] != cols) fail("{}: tensors '{}' and '{}' stacked into '{}' have rows of {} and {}", gguf_.path(), parts[0]->name, p->name, name, cols, p->ne[0]);
            rows += p->ne.size() > 1 ? p->ne[1] : 1;
        }
        const bool matrix = parts[0]->ne.size() > 1;
        std::vector<std::uint32_t> shape = matrix ? std::vector<std::uint32_t>{static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(cols)}
                                                  : std::vector<std::uint32_t>{static_cast<std::uint32_t>(rows * cols)};
        auto values = [this, parts, heads, name] {
            std::vector<float> v;
            for (std::size_t i = 0; i < parts.size(); ++i) {
                const TensorView& t = *parts[i];
                const SafetensorsEntry e{name, TensorType::F32, t.ne};
                const std::vector<std::uint8_t> b = hf_tensor_bytes(t.type, t.data.data(), e, heads[i]);
                const std::size_t at = v.size();
                v.resize(at + b.size() / 4);
                std::memcpy(v.data() + at, b.data(), b.size());
            }
            return v;
        };
        for (const TensorView* p : parts) {
            parameters_ += static_cast<std::uint64_t>(p->n_elements());
            dequantized_ += is_float_type(p->type) ? 0 : 1;
        }
        if (!(quantizable && q_.int8 && matrix)) {
            vars_.push_back({{name, shape, q_.floats}, [values, this] { return floats_as(values(), q_.floats); }});
            return;
        }
        // the scale is computed with the weight, which sorts (and is written) first
        auto scale = std::make_shared<std::vector<std::uint8_t>>();
        vars_.push_back({{name, shape, Ct2Dtype::I8}, [values, scale, rows, cols] {
                             const std::vector<float> v = values();
                             std::vector<std::uint8_t> q(v.size());
                             std::vector<float> s(static_cast<std::size_t>(rows));
                             for (std::int64_t r = 0; r < rows; ++r)
                                 ct2_quantize_row_int8(v.data() + r * cols, cols, reinterpret_cast<std::int8_t*>(q.data()) + r * cols, &s[r]);
                             *scale = floats_as(s, Ct2Dtype::F32);
                             return q;
                         }});
        vars_.push_back({{name + "_scale", {static_cast<std::uint32_t>(rows)}, Ct2Dtype::F32}, [scale, name] {
                             if (scale->empty()) fail("internal: '{}_scale' before its weight", name);
                             return std::move(*scale);
                         }});
    }

    // An AWQ linear (or q, k and v): qweight, scales and qzeros of the checkpoint's modules, concatenated on
    // `axis` of their row-major shapes, under weight, weight_scale and weight_zero.
    void awq_linear(const std::string& name, const HfCheckpoint& ck, const std::vector<std::string>& modules, int axis) {
        const std::pair<const char*, const char*> parts[] = {{"qweight", ""}, {"scales", "_scale"}, {"qzeros", "_zero"}};
        for (const auto& [hf, suffix] : parts) {
            std::vector<const TensorView*> ts;
            for (const std::string& m : modules) {
                const TensorView* t = ck.find(m + "." + hf);
                if (t == nullptr) fail("{}: AWQ tensor '{}.{}' is missing", ck.dir(), m, hf);
                if (t->ne.size() != 2) fail("{}: AWQ tensor '{}' is not a matrix", ck.dir(), t->name);
                const bool scales = std::string_view(hf) == "scales";
                if (scales ? (t->type != TensorType::F16 && t->type != TensorType::BF16) : t->type != TensorType::I32)
                    fail("{}: AWQ tensor '{}' is {} (expected {})", ck.dir(), t->name, type_name(t->type), scales ? "F16" : "I32");
                if (!ts.empty() && (axis == 1 ? t->ne[1] != ts[0]->ne[1] : t->ne[0] != ts[0]->ne[0]))
                    fail("{}: AWQ tensors '{}' and '{}' cannot be concatenated", ck.dir(), ts[0]->name, t->name);
                ts.push_back(t);
            }
            // shape [rows, cols] from ggml's ne {cols, rows}
            std::uint32_t rows = 0, cols = 0;
            for (const TensorView* t : ts) {
                if (axis == 0) rows += static_cast<std::uint32_t>(t->ne[1]);
                else cols += static_cast<std::uint32_t>(t->ne[0]);
            }
            if (axis == 0) cols = static_cast<std::uint32_t>(ts[0]->ne[0]);
            else rows = static_cast<std::uint32_t>(ts[0]->ne[1]);
            const Ct2Dtype dtype = std::string_view(hf) == "scales" ? Ct2Dtype::F16 : Ct2Dtype::I32;
            vars_.push_back({{name + suffix, {rows, cols}, dtype}, [ts, rows, axis, dtype] {
                                 std::vector<std::uint8_t> out;
                                 auto elem_bytes = [&](const TensorView* t, std::size_t i0, std::size_t n) {
                                     const std::size_t at = out.size();
                                     out.resize(at + n * 4 / (dtype == Ct2Dtype::F16 ? 2 : 1));
                                     if (dtype == Ct2Dtype::I32 || t->type == TensorType::F16) {
                                         std::memcpy(out.data() + at, t->data.data() + i0 * (dtype == Ct2Dtype::F16 ? 2 : 4), out.size() - at);
                                         return;
                                     }
                                     for (std::size_t i = 0; i < n; ++i) {  // bfloat16 scales as float16
                                         std::uint16_t b;
                                         std::memcpy(&b, t->data.data() + 2 * (i0 + i), 2);
                                         const std::uint16_t h = fp32_to_fp16(bf16_to_fp32(b));
                                         std::memcpy(out.data() + at + 2 * i, &h, 2);
                                     }
                                 };
                                 if (axis == 0) {
                                     for (const TensorView* t : ts) elem_bytes(t, 0, static_cast<std::size_t>(t->n_elements()));
                                 } else {
                                     for (std::uint32_t r = 0; r < rows; ++r)
                                         for (const TensorView* t : ts)
                                             elem_bytes(t, static_cast<std::size_t>(r * t->ne[0]), static_cast<std::size_t>(t->ne[0]));
                                 }
                                 return out;
                             }});
        }
        for (const std::string& m : modules) {
            const TensorView* w = ck.find(m + ".qweight");
            parameters_ += static_cast<std::uint64_t>(w->n_elements()) * 8;
        }
    }

    std::vector<Variable>& variables() { return vars_; }
    std::uint64_t parameters() const { return parameters_; }
    std::uint64_t dequantized() const { return dequantized_; }

private:
    const GgufFile& gguf_;
    Quantization q_;
    std::vector<Variable> vars_;
    std::uint64_t parameters_ = 0, dequantized_ = 0;
};

const TensorView& need(const GgufFile& g, const std::string& name) {
    const TensorView* t = g.find(name);
    if (t == nullptr) fail("{}: tensor '{}' is missing", g.path(), name);
    return *t;
}

std::string token_or_empty(const Vocab& v, const char* kind) {
    const auto id = v.special_id(kind);
    if (id && *id < v.tokens.size()) return v.tokens[*id];
    // a SentencePiece vocabulary's unknown piece, which its tokenizer names even where the GGUF has no id for it
    if (std::string_view(kind) == "unk")
        for (std::size_t i = 0; i < v.types.size() && i < v.tokens.size(); ++i)
            if (v.types[i] == TokenType::Unknown) return v.tokens[i];
    return {};
}

}  // namespace

void ct2_quantize_row_int8(const float* w, std::int64_t n, std::int8_t* q, float* scale) {
    float amax = 0.0f;
    for (std::int64_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(w[i]));
    if (amax == 0.0f) amax = 127.0f;
    const float s = 127.0f / amax;
    for (std::int64_t i = 0; i < n; ++i) {
        const float x = std::nearbyint(w[i] * s);  // within [-127, 127] for finite rows; NaN and inf rows give 0
        q[i] = static_cast<std::int8_t>(std::isfinite(x) ? std::clamp(x, -127.0f, 127.0f) : 0.0f);
    }
    *scale = s;
}

Ct2ExportSummary export_gguf_to_ctranslate2(const GgufFile& gguf, const std::string& dir, const Ct2ExportOptions& options,
                                            const HfCheckpoint* awq) {
    std::optional<QuantizationConfig> awq_config;
    if (awq != nullptr) {
        awq_config = read_quantization_config(awq->config(), awq->dir());
        if (!awq_config || awq_config->method != QuantMethod::Awq || awq_config->bits != 4)
            fail("{}: not a 4-bit AWQ checkpoint", awq->dir());
    }
    // an AWQ checkpoint keeps its weights; its other floats are float16, as CTranslate2's kernels for it want
    const Quantization quant = awq ? Quantization{false, Ct2Dtype::F16} : parse_quantization(options.quantization);
    HfModelFiles files = hf_model_files(gguf);
    const ModelFamily& family = *files.family;
    const nlohmann::json& cfg = files.config;
    const HfHparams hp = read_hf_hparams(cfg, gguf.path());
    if ((family.gguf_arch != "llama" && family.gguf_arch != "qwen2") || hp.n_expert > 0)
        fail("{}: architecture '{}'{} has no CTranslate2 decoder here (written: llama, mistral and qwen2 decoders)", gguf.path(),
             family.gguf_arch, hp.n_expert > 0 ? " with experts" : "");
    if (cfg.contains("rope_scaling") && !cfg["rope_scaling"].is_null()) {
        const auto& rs = cfg["rope_scaling"];
        const std::string type = rs.value("rope_type", rs.value("type", std::string("?")));
        if (type != "linear") fail("{}: RoPE scaling '{}' is not written to CTranslate2 yet (linear is)", gguf.path(), type);
    }
    const std::int64_t head_dim = hp.head_dim.value_or(hp.n_embd / hp.n_head);

    Plan plan(gguf, quant);
    const bool tied = gguf.find("output.weight") == nullptr;
    plan.tensor("decoder/embeddings/weight", {&need(gguf, "token_embd.weight")}, {0}, true);
    plan.tensor("decoder/layer_norm/gamma", {&need(gguf, "output_norm.weight")}, {0}, false);
    if (!tied) plan.tensor("decoder/projection/weight", {&need(gguf, "output.weight")}, {0}, true);
    plan.scalar("decoder/num_heads", static_cast<std::int16_t>(hp.n_head));
    plan.scalar("decoder/pre_norm", std::int8_t{1});
    plan.scalar("decoder/activation", kActivationSwish);
    plan.scalar("decoder/alignment_layer", std::int16_t{-1});
    plan.scalar("decoder/alignment_heads", std::int16_t{1});
    plan.scalar("decoder/scale_embeddings", std::int8_t{0});  // absent, the loader multiplies embeddings by sqrt(d)
    for (const char* flag : {"alibi", "alibi_use_positive_positions", "scale_alibi", "start_from_zero_embedding"})
        plan.scalar(fmt::format("decoder/{}", flag), std::int8_t{0});

    for (const TensorView& t : gguf.tensors()) {
        if (t.name == "token_embd.weight" || t.name == "output_norm.weight" || t.name == "output.weight" || t.name == "rope_freqs.weight") continue;
        const auto role = parse_layer_tensor(family, t.name);
        if (!role) fail("{}: tensor '{}' has no place in a CTranslate2 decoder", gguf.path(), t.name);
        switch (role->spec->role) {
            case LayerRole::AttnNorm: case LayerRole::Wq: case LayerRole::Wk: case LayerRole::Wv: case LayerRole::Bq: case LayerRole::Bk:
            case LayerRole::Bv: case LayerRole::Wo: case LayerRole::FfnNorm: case LayerRole::Gate: case LayerRole::Up: case LayerRole::Down:
                break;
            default: fail("{}: tensor '{}' has no place in a CTranslate2 Llama decoder", gguf.path(), t.name);
        }
    }
    const float rope_base = cfg.value("rope_theta", 10000.0f);
    for (std::int64_t l = 0; l < hp.n_layer; ++l) {
        const std::string p = fmt::format("decoder/layer_{}/", l), b = fmt::format("blk.{}.", l);
        auto heads = [&](LayerRole r) { return qk_permute_heads(family, r, hp.n_head, hp.n_head_kv); };
        plan.tensor(p + "self_attention/layer_norm/gamma", {&need(gguf, b + "attn_norm.weight")}, {0}, false);
        const std::string hf = fmt::format("model.layers.{}.", l);
        const int axis = awq_config && awq_config->awq_version == "gemv" ? 0 : 1;
        auto linear = [&](const std::string& name, std::vector<const TensorView*> parts, std::vector<std::int64_t> hs,
                          std::vector<std::string> modules) {
            if (awq) {
                for (std::string& m : modules) m = hf + m;
                plan.awq_linear(name, *awq, modules, axis);
            } else {
                plan.tensor(name, std::move(parts), std::move(hs), true);
            }
        };
        linear(p + "self_attention/linear_0/weight",
               {&need(gguf, b + "attn_q.weight"), &need(gguf, b + "attn_k.weight"), &need(gguf, b + "attn_v.weight")},
               {heads(LayerRole::Wq), heads(LayerRole::Wk), 0}, {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"});
        if (gguf.find(b + "attn_q.bias") != nullptr)
            plan.tensor(p + "self_attention/linear_0/bias", {&need(gguf, b + "attn_q.bias"), &need(gguf, b + "attn_k.bias"), &need(gguf, b + "attn_v.bias")},
                        {heads(LayerRole::Bq), heads(LayerRole::Bk), 0}, false);
        linear(p + "self_attention/linear_1/weight", {&need(gguf, b + "attn_output.weight")}, {0}, {"self_attn.o_proj"});
        plan.scalar(p + "self_attention/rotary_dim", std::int32_t{0});
        plan.scalar(p + "self_attention/rotary_interleave", std::int8_t{0});
        plan.scalar(p + "self_attention/rotary_base", rope_base);
        if (cfg.contains("rope_scaling") && !cfg["rope_scaling"].is_null()) {
            plan.scalar(p + "self_attention/rotary_scaling_type", std::int8_t{0});  // linear
            plan.scalar(p + "self_attention/rotary_scaling_factor", cfg["rope_scaling"].value("factor", 1.0f));
        }
        if (hp.n_head_kv != hp.n_head) plan.scalar(p + "self_attention/num_heads_kv", static_cast<std::int32_t>(hp.n_head_kv));
        if (head_dim * hp.n_head != hp.n_embd) plan.scalar(p + "self_attention/head_dim", static_cast<std::int32_t>(head_dim));
        if (cfg.contains("sliding_window") && cfg["sliding_window"].is_number_integer())
            plan.scalar(p + "self_attention/sliding_window", cfg["sliding_window"].get<std::int32_t>());
        plan.tensor(p + "ffn/layer_norm/gamma", {&need(gguf, b + "ffn_norm.weight")}, {0}, false);
        linear(p + "ffn/linear_0/weight", {&need(gguf, b + "ffn_gate.weight")}, {0}, {"mlp.gate_proj"});
        linear(p + "ffn/linear_0_noact/weight", {&need(gguf, b + "ffn_up.weight")}, {0}, {"mlp.up_proj"});
        linear(p + "ffn/linear_1/weight", {&need(gguf, b + "ffn_down.weight")}, {0}, {"mlp.down_proj"});
    }

    // in name order, as CTranslate2's converter writes them; a tied output projection is an alias
    std::vector<Variable>& vars = plan.variables();
    std::sort(vars.begin(), vars.end(), [](const Variable& a, const Variable& b) { return a.info.name < b.info.name; });
    std::vector<std::pair<std::string, std::string>> aliases;
    if (tied) {
        aliases.emplace_back("decoder/projection/weight", "decoder/embeddings/weight");
        if (quant.int8) aliases.emplace_back("decoder/projection/weight_scale", "decoder/embeddings/weight_scale");
    }

    const Vocab vocab = read_vocab_metadata(gguf.metadata(), gguf.path());
    if (static_cast<std::int64_t>(vocab.tokens.size()) != hp.vocab_size)
        fail("{}: {} tokens for {} embedding rows", gguf.path(), vocab.tokens.size(), hp.vocab_size);
    nlohmann::json config = {{"bos_token", token_or_empty(vocab, "bos")},
                             {"eos_token", token_or_empty(vocab, "eos")},
                             {"unk_token", token_or_empty(vocab, "unk")},
                             {"layer_norm_epsilon", cfg.value("rms_norm_eps", 1e-6)},
                             // as its converter sets it (read for tensor parallelism): grouped K/V heads
                             {"multi_query_attention", hp.n_head_kv != hp.n_head}};
    if (config["bos_token"] == "") config["bos_token"] = config["eos_token"];  // as its Qwen2 loader (bos or pad)
    if (awq_config) {
        config["quantization_type"] = awq_config->awq_version == "gemv" ? 2 : 1;  // Quantization.AWQ_GEMM, AWQ_GEMV
        config["quantization_bits"] = awq_config->bits;
        config["quantization_group_size"] = awq_config->group_size;
    }

    HfDirectoryWriter writer(dir);
    std::vector<Ct2VariableInfo> infos;
    std::uint64_t total = 0;
    for (const Variable& v : vars) {
        infos.push_back(v.info);
        total += v.info.bytes();
    }
    Ct2ModelBinWriter bin(writer.path("model.bin"), kSpec, kSpecRevision, infos);
    Progress progress("export", total, options.progress);
    for (const Variable& v : vars) {
        bin.write(v.make());
        progress.advance(v.info.bytes(), v.info.name);
    }
    bin.finish(aliases);
    progress.finish();
    writer.write_json("config.json", config);
    writer.write_json("vocabulary.json", nlohmann::json(vocab.tokens));
    files.write_beside_config(writer);  // the tokenizer files, for transformers' tokenizers
    writer.commit();

    Ct2ExportSummary s;
    s.variables = vars.size();
    s.aliases = aliases.size();
    s.bytes = total;
    s.parameters = plan.parameters();
    s.dequantized = plan.dequantized();
    s.weights = awq_config ? awq_config->describe() + " kept, other floats float16" : options.quantization;
    return s;
}

}  // namespace qforge
