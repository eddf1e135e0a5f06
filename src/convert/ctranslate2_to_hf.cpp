#include "convert/ctranslate2_to_hf.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/ctranslate2/ct2_model_bin.h"
#include "formats/hf/hf_directory_writer.h"
#include "formats/hf/sharded_safetensors_writer.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

// The variables of one CTranslate2 decoder, checked against what a Llama-family decoder is.
class Decoder {
public:
    Decoder(const std::string& dir) : dir_(dir), bin_((fs::path(dir) / "model.bin").string()) {
        if (bin_.spec() != "TransformerDecoderSpec")
            fail("{}: spec '{}' (read: TransformerDecoderSpec, the decoder-only language models)", bin_.path(), bin_.spec());
    }

    const Ct2Variable* find(const std::string& name) const { return bin_.find(name); }
    const Ct2Variable& need(const std::string& name) const {
        const Ct2Variable* v = find(name);
        if (v == nullptr) fail("{}: variable '{}' is missing", bin_.path(), name);
        return *v;
    }

    // A scalar attribute as an integer or a float, or the default when absent.
    double scalar(const std::string& name, double absent) const {
        const Ct2Variable* v = find(name);
        if (v == nullptr) return absent;
        if (!v->info.shape.empty() && v->info.elements() != 1) fail("{}: '{}' is not a scalar", bin_.path(), name);
        const std::uint8_t* p = v->data.data();
        switch (v->info.dtype) {
            case Ct2Dtype::I8: return static_cast<std::int8_t>(p[0]);
            case Ct2Dtype::I16: { std::int16_t x; std::memcpy(&x, p, 2); return x; }
            case Ct2Dtype::I32: { std::int32_t x; std::memcpy(&x, p, 4); return x; }
            case Ct2Dtype::F32: { float x; std::memcpy(&x, p, 4); return x; }
            case Ct2Dtype::F16: { std::uint16_t x; std::memcpy(&x, p, 2); return fp16_to_fp32(x); }
            case Ct2Dtype::BF16: { std::uint16_t x; std::memcpy(&x, p, 2); return bf16_to_fp32(x); }
        }
        return absent;
    }

    // An integer attribute (int8, int16 or int32 scalar), or the default when absent.
    std::int64_t int_scalar(const std::string& name, std::int64_t absent) const {
        const Ct2Variable* v = find(name);
        if (v == nullptr) return absent;
        if (v->info.dtype != Ct2Dtype::I8 && v->info.dtype != Ct2Dtype::I16 && v->info.dtype != Ct2Dtype::I32)
            fail("{}: '{}' is {} (expected an integer)", bin_.path(), name, ct2_dtype_name(v->info.dtype));
        return static_cast<std::int64_t>(scalar(name, 0));
    }

    // A float vector or matrix as float32, int8 rows divided by their `_scale` (CTranslate2's Dequantize).
    std::vector<float> values(const Ct2Variable& v) const {
        const std::uint64_t n = v.info.elements();
        std::vector<float> out(n);
        const std::uint8_t* p = v.data.data();
        switch (v.info.dtype) {
            case Ct2Dtype::F32: std::memcpy(out.data(), p, n * 4); break;
            case Ct2Dtype::F16: case Ct2Dtype::BF16:
                for (std::uint64_t i = 0; i < n; ++i) {
                    std::uint16_t h;
                    std::memcpy(&h, p + 2 * i, 2);
                    out[i] = v.info.dtype == Ct2Dtype::F16 ? fp16_to_fp32(h) : bf16_to_fp32(h);
                }
                break;
            case Ct2Dtype::I8: {
                const Ct2Variable* s = find(v.info.name + "_scale");
                if (s == nullptr || v.info.shape.size() != 2 || s->info.elements() != v.info.shape[0] || s->info.dtype != Ct2Dtype::F32)
                    fail("{}: int8 variable '{}' needs a float32 scale per row ('{}_scale')", bin_.path(), v.info.name, v.info.name);
                const std::uint32_t rows = v.info.shape[0], cols = v.info.shape[1];
                for (std::uint32_t r = 0; r < rows; ++r) {
                    float scale;
                    std::memcpy(&scale, s->data.data() + 4 * r, 4);
                    for (std::uint32_t c = 0; c < cols; ++c)
                        out[std::size_t{r} * cols + c] = static_cast<float>(static_cast<std::int8_t>(p[std::size_t{r} * cols + c])) / scale;
                }
                break;
            }
            default: fail("{}: variable '{}' holds {} (expected float or int8 weights)", bin_.path(), v.info.name, ct2_dtype_name(v.info.dtype));
        }
        return out;
    }

    const Ct2ModelBin& bin() const { return bin_; }

private:
    std::string dir_;
    Ct2ModelBin bin_;
};

std::vector<std::int64_t> ne_of(const Ct2Variable& v) {
    std::vector<std::int64_t> ne(v.info.shape.rbegin(), v.info.shape.rend());  // ggml order
    return ne;
}

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    if (!in) fail("{}: cannot open", p.string());
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        fail("{}: not JSON ({})", p.string(), e.what());
    }
}

}  // namespace

bool looks_like_ctranslate2_dir(const std::string& dir) {
    std::error_code ec;
    return fs::is_directory(dir, ec) && fs::exists(fs::path(dir) / "model.bin", ec);
}

void ctranslate2_to_hf(const std::string& ct2_dir, const std::string& out_dir) {
    const Decoder d(ct2_dir);
    const std::string& where = d.bin().path();
    const fs::path dir(ct2_dir);
    // a Llama-family decoder: pre-norm RMSNorm, SwiGLU, RoPE over the whole head in halves, no ALiBi
    auto expect = [&](const std::string& name, double want, double absent, const char* what) {
        const double got = d.scalar(name, absent);
        if (got != want) fail("{}: '{}' is {} ({} is read: {})", where, name, got, what, want);
    };
    expect("decoder/pre_norm", 1, 1, "a pre-norm decoder");
    expect("decoder/activation", 2, 0, "SwiGLU");
    expect("decoder/alibi", 0, 0, "RoPE, not ALiBi");
    expect("decoder/scale_embeddings", 0, 1, "unscaled embeddings");
    if (d.find("decoder/layer_norm/beta") != nullptr) fail("{}: LayerNorm with a bias (RMSNorm is read)", where);
    const Ct2Variable& emb = d.need("decoder/embeddings/weight");
    if (emb.info.shape.size() != 2) fail("{}: 'decoder/embeddings/weight' is not a matrix", where);
    const std::int64_t n_vocab = emb.info.shape[0], n_embd = emb.info.shape[1];
    std::int64_t n_layer = 0;
    while (d.find(fmt::format("decoder/layer_{}/self_attention/linear_0/weight", n_layer)) != nullptr) ++n_layer;
    if (n_layer == 0) fail("{}: no 'decoder/layer_0/self_attention/linear_0/weight'", where);
    const std::int64_t n_head = d.int_scalar("decoder/num_heads", 0);
    if (n_head <= 0) fail("{}: 'decoder/num_heads' is missing or not positive", where);
    const std::string a0 = "decoder/layer_0/self_attention/";
    const std::int64_t n_head_kv = d.int_scalar(a0 + "num_heads_kv", n_head);
    const std::int64_t head_dim = d.int_scalar(a0 + "head_dim", n_embd / n_head);
    if (n_head_kv <= 0 || n_head % n_head_kv != 0 || head_dim <= 0)
        fail("{}: {} heads, {} key/value heads of {} values: not a grouped attention", where, n_head, n_head_kv, head_dim);
    expect(a0 + "rotary_interleave", 0, 0, "RoPE over halves");
    expect(a0 + "rotary_dim", 0, 0, "RoPE over the whole head");
    const Ct2Variable& gate0 = d.need("decoder/layer_0/ffn/linear_0/weight");
    d.need("decoder/layer_0/ffn/linear_0_noact/weight");
    const nlohmann::json ct2_config = fs::exists(dir / "config.json") ? read_json(dir / "config.json") : nlohmann::json::object();
    if (!ct2_config.is_object()) fail("{}/config.json: not a JSON object", ct2_dir);
    const nlohmann::json& qt = ct2_config.contains("quantization_type") ? ct2_config["quantization_type"] : nlohmann::json(0);
    if (!qt.is_number_integer() || qt.get<int>() < 0 || qt.get<int>() > 2)
        fail("{}/config.json: quantization_type {} (0, 1 AWQ GEMM or 2 AWQ GEMV is read)", ct2_dir, qt.dump());
    const int awq_type = qt.get<int>();
    // AWQ GEMM: qweight [in, out / 8], scales [in / group, out]; GEMV: rows are outputs
    const std::int64_t n_ff = awq_type == 1   ? d.need("decoder/layer_0/ffn/linear_0/weight_scale").info.shape.at(1)
                              : awq_type == 2 ? d.need("decoder/layer_0/ffn/linear_0/weight_scale").info.shape.at(0)
                                              : gate0.info.shape.at(0);
    const bool biases = d.find(a0 + "linear_0/bias") != nullptr;
    const bool window = d.find(a0 + "sliding_window") != nullptr;
    const Ct2Variable* proj = d.find("decoder/projection/weight");
    if (proj == nullptr) fail("{}: 'decoder/projection/weight' is missing", where);
    const bool tied = proj->data.data() == emb.data.data();

    const nlohmann::json vocab = fs::exists(dir / "vocabulary.json") ? read_json(dir / "vocabulary.json") : nlohmann::json::array();
    auto token_id = [&](const char* key) -> nlohmann::json {
        if (!ct2_config.contains(key) || !ct2_config[key].is_string()) return nullptr;
        for (std::size_t i = 0; i < vocab.size(); ++i)
            if (vocab[i] == ct2_config[key]) return i;
        return nullptr;
    };
    const char* cls = biases ? "Qwen2ForCausalLM" : window ? "MistralForCausalLM" : "LlamaForCausalLM";
    nlohmann::json config = {{"architectures", {cls}},
                             {"model_type", biases ? "qwen2" : window ? "mistral" : "llama"},
                             {"hidden_size", n_embd},
                             {"intermediate_size", n_ff},
                             {"num_hidden_layers", n_layer},
                             {"num_attention_heads", n_head},
                             {"num_key_value_heads", n_head_kv},
                             {"vocab_size", n_vocab},
                             {"max_position_embeddings", 4096},
                             {"rms_norm_eps", ct2_config.value("layer_norm_epsilon", 1e-6)},
                             {"rope_theta", d.scalar(a0 + "rotary_base", 10000.0)},
                             {"tie_word_embeddings", tied},
                             {"bos_token_id", token_id("bos_token")},
                             {"eos_token_id", token_id("eos_token")},
                             {"torch_dtype", "float32"}};
    if (head_dim * n_head != n_embd) config["head_dim"] = head_dim;
    if (awq_type != 0)
        config["quantization_config"] = {{"quant_method", "awq"}, {"zero_point", true}, {"bits", ct2_config.value("quantization_bits", 4)},
                                         {"group_size", ct2_config.value("quantization_group_size", 128)},
                                         {"version", awq_type == 1 ? "gemm" : "gemv"}, {"modules_to_not_convert", nullptr}};
    if (window) config["sliding_window"] = d.int_scalar(a0 + "sliding_window", 0);
    if (d.find(a0 + "rotary_scaling_type") != nullptr) {
        if (d.scalar(a0 + "rotary_scaling_type", 0) != 0) fail("{}: RoPE scaling type {} (linear, 0, is read)", where, d.scalar(a0 + "rotary_scaling_type", 0));
        config["rope_scaling"] = {{"type", "linear"}, {"factor", d.scalar(a0 + "rotary_scaling_factor", 1.0)}};
    }

    // the tokenizer comes from its own files: vocabulary.json has the pieces only
    const char* tokenizer_files[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"};
    if (!fs::exists(dir / "tokenizer.model") && !fs::exists(dir / "tokenizer.json"))
        fail("{}: no tokenizer.json or tokenizer.model beside model.bin (vocabulary.json lists pieces only): copy the model's "
             "tokenizer files there, as ct2-transformers-converter --copy_files does", ct2_dir);

    // the tensors under Hugging Face's names, float32
    struct Piece {
        SafetensorsEntry entry;
        const Ct2Variable* var;
        std::int64_t row0 = 0;
        std::int64_t col0 = -1;  // >= 0: an AWQ part's bytes as they are, columns [col0, col0 + ne[0]) of every row
    };
    std::vector<Piece> pieces;
    auto whole = [&](const std::string& hf, const Ct2Variable& v) { pieces.push_back({{hf, TensorType::F32, ne_of(v)}, &v, 0}); };
    auto rows = [&](const std::string& hf, const Ct2Variable& v, std::int64_t row0, std::int64_t n) {
        std::vector<std::int64_t> ne = ne_of(v);
        ne.back() = n;
        if (ne.size() == 1) ne[0] = n;
        pieces.push_back({{hf, TensorType::F32, ne}, &v, row0});
    };
    // AWQ (config quantization_type 1 GEMM, 2 GEMV): weight, weight_scale, weight_zero are the checkpoint's qweight,
    // scales, qzeros, q/k/v concatenated on axis 1 (GEMM) or 0 (GEMV): split back, bytes kept
    auto awq_linear = [&](const std::string& var, const std::vector<std::pair<std::string, std::int64_t>>& modules) {
        // modules: (Hugging Face prefix, output features)
        const std::int64_t total = [&] { std::int64_t t = 0; for (const auto& m : modules) t += m.second; return t; }();
        const std::pair<const char*, const char*> parts[] = {{"", "qweight"}, {"_scale", "scales"}, {"_zero", "qzeros"}};
        for (const auto& [suffix, hf] : parts) {
            const Ct2Variable& v = d.need(var + suffix);
            const Ct2Dtype want = std::string_view(hf) == "scales" ? Ct2Dtype::F16 : Ct2Dtype::I32;
            if (v.info.dtype != want || v.info.shape.size() != 2)
                fail("{}: AWQ variable '{}' is {} of rank {} (expected a {} matrix)", where, v.info.name, ct2_dtype_name(v.info.dtype),
                     v.info.shape.size(), ct2_dtype_name(want));
            const std::int64_t along = awq_type == 1 ? v.info.shape[1] : v.info.shape[0];
            if (along * modules.front().second % total != 0) fail("{}: AWQ variable '{}' does not split into its {} outputs", where, v.info.name, total);
            std::int64_t at = 0;
            for (const auto& [prefix, outs] : modules) {
                const std::int64_t n = along * outs / total;
                std::vector<std::int64_t> ne = ne_of(v);
                if (awq_type == 1) {
                    ne[0] = n;
                    pieces.push_back({{prefix + "." + hf, want == Ct2Dtype::F16 ? TensorType::F16 : TensorType::I32, ne}, &v, 0, at});
                } else {
                    ne[1] = n;
                    pieces.push_back({{prefix + "." + hf, want == Ct2Dtype::F16 ? TensorType::F16 : TensorType::I32, ne}, &v, at, 0});
                }
                at += n;
            }
        }
    };
    whole("model.embed_tokens.weight", emb);
    whole("model.norm.weight", d.need("decoder/layer_norm/gamma"));
    if (!tied) whole("lm_head.weight", *proj);
    const std::int64_t q_rows = n_head * head_dim, kv_rows = n_head_kv * head_dim;
    for (std::int64_t l = 0; l < n_layer; ++l) {
        const std::string p = fmt::format("decoder/layer_{}/", l), h = fmt::format("model.layers.{}.", l);
        whole(h + "input_layernorm.weight", d.need(p + "self_attention/layer_norm/gamma"));
        const Ct2Variable& qkv = d.need(p + "self_attention/linear_0/weight");
        if (awq_type == 0 && (qkv.info.shape.size() != 2 || qkv.info.shape[0] != q_rows + 2 * kv_rows || qkv.info.shape[1] != n_embd))
            fail("{}: '{}' has shape [{}] (expected [{}, {}]: q, k and v of {} and {} heads)", where, qkv.info.name,
                 fmt::join(qkv.info.shape, ", "), q_rows + 2 * kv_rows, n_embd, n_head, n_head_kv);
        if (awq_type != 0) {
            awq_linear(p + "self_attention/linear_0/weight", {{h + "self_attn.q_proj", q_rows}, {h + "self_attn.k_proj", kv_rows}, {h + "self_attn.v_proj", kv_rows}});
        } else {
            rows(h + "self_attn.q_proj.weight", qkv, 0, q_rows);
            rows(h + "self_attn.k_proj.weight", qkv, q_rows, kv_rows);
            rows(h + "self_attn.v_proj.weight", qkv, q_rows + kv_rows, kv_rows);
        }
        if (biases) {
            const Ct2Variable& b = d.need(p + "self_attention/linear_0/bias");
            rows(h + "self_attn.q_proj.bias", b, 0, q_rows);
            rows(h + "self_attn.k_proj.bias", b, q_rows, kv_rows);
            rows(h + "self_attn.v_proj.bias", b, q_rows + kv_rows, kv_rows);
        }
        whole(h + "post_attention_layernorm.weight", d.need(p + "ffn/layer_norm/gamma"));
        if (awq_type != 0) {
            awq_linear(p + "self_attention/linear_1/weight", {{h + "self_attn.o_proj", n_embd}});
            awq_linear(p + "ffn/linear_0/weight", {{h + "mlp.gate_proj", n_ff}});
            awq_linear(p + "ffn/linear_0_noact/weight", {{h + "mlp.up_proj", n_ff}});
            awq_linear(p + "ffn/linear_1/weight", {{h + "mlp.down_proj", n_embd}});
        } else {
            whole(h + "self_attn.o_proj.weight", d.need(p + "self_attention/linear_1/weight"));
            whole(h + "mlp.gate_proj.weight", d.need(p + "ffn/linear_0/weight"));
            whole(h + "mlp.up_proj.weight", d.need(p + "ffn/linear_0_noact/weight"));
            whole(h + "mlp.down_proj.weight", d.need(p + "ffn/linear_1/weight"));
        }
    }

    HfDirectoryWriter writer(out_dir);
    std::vector<SafetensorsEntry> entries;
    for (const Piece& x : pieces) entries.push_back(x.entry);
    ShardedSafetensorsWriter st(writer, std::move(entries), 0);
    for (const Piece& x : pieces) {
        if (x.col0 >= 0) {  // AWQ bytes as they are
            const std::size_t es = ct2_dtype_size(x.var->info.dtype), width = x.var->info.shape[1];
            const std::size_t cols = static_cast<std::size_t>(x.entry.ne[0]), rows_n = static_cast<std::size_t>(x.entry.ne[1]);
            std::vector<std::uint8_t> b(cols * rows_n * es);
            for (std::size_t r = 0; r < rows_n; ++r)
                std::memcpy(b.data() + r * cols * es, x.var->data.data() + ((static_cast<std::size_t>(x.row0) + r) * width + static_cast<std::size_t>(x.col0)) * es, cols * es);
            st.write(b);
            continue;
        }
        const std::vector<float> v = d.values(*x.var);
        const std::int64_t cols = x.entry.ne.size() > 1 ? x.entry.ne[0] : 1;
        const std::size_t begin = static_cast<std::size_t>(x.row0 * cols), n = static_cast<std::size_t>(x.entry.nbytes() / 4);
        if (begin + n > v.size()) fail("{}: '{}' is smaller than its parts", where, x.var->info.name);
        st.write({reinterpret_cast<const std::uint8_t*>(v.data() + begin), n * 4});
    }
    st.finish();
    writer.write_json("config.json", config);
    for (const char* f : tokenizer_files)
        if (fs::exists(dir / f)) writer.copy_file((dir / f).string(), f);
    writer.commit();
}

}  // namespace qforge
