#include "eval/advise/model_shape.h"

#include <charconv>
#include <cmath>
#include <cctype>

#include "convert/convert_options.h"
#include "convert/hf_to_gguf.h"
#include "core/error.h"
#include "formats/format_detect.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"

namespace qforge {
namespace {

struct KnownShape {
    const char* name;
    std::int64_t layers, hidden, heads, kv_heads, ff, vocab;
    bool tied;
};

// Published configurations of common Llama-family models (config.json of each).
constexpr KnownShape kKnown[] = {
    {"Llama-3.2 1B", 16, 2048, 32, 8, 8192, 128256, true},
    {"Llama-3.2 3B", 28, 3072, 24, 8, 8192, 128256, true},
    {"Llama-2 7B", 32, 4096, 32, 32, 11008, 32000, false},
    {"Llama-3.1 8B", 32, 4096, 32, 8, 14336, 128256, false},
    {"Llama-2 13B", 40, 5120, 40, 40, 13824, 32000, false},
    {"Qwen2.5 32B", 64, 5120, 40, 8, 27648, 152064, false},
    {"Llama-3.1 70B", 80, 8192, 64, 8, 28672, 128256, false},
    {"Llama-3.1 405B", 126, 16384, 128, 8, 53248, 128256, false},
};

std::vector<ShapeTensor> llama_tensors(const ModelShape& s, bool tied) {
    const std::int64_t q = s.heads * s.head_dim, kv = s.kv_heads * s.head_dim;
    std::vector<ShapeTensor> t;
    t.push_back({"token_embd.weight", {s.hidden, s.vocab}});
    t.push_back({"output_norm.weight", {s.hidden}, TensorType::F32});
    if (!tied) t.push_back({"output.weight", {s.hidden, s.vocab}});
    for (std::int64_t l = 0; l < s.layers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        t.push_back({p + "attn_norm.weight", {s.hidden}, TensorType::F32});
        t.push_back({p + "attn_q.weight", {s.hidden, q}});
        t.push_back({p + "attn_k.weight", {s.hidden, kv}});
        t.push_back({p + "attn_v.weight", {s.hidden, kv}});
        t.push_back({p + "attn_output.weight", {q, s.hidden}});
        t.push_back({p + "ffn_norm.weight", {s.hidden}, TensorType::F32});
        t.push_back({p + "ffn_gate.weight", {s.hidden, s.ff}});
        t.push_back({p + "ffn_up.weight", {s.hidden, s.ff}});
        t.push_back({p + "ffn_down.weight", {s.ff, s.hidden}});
    }
    return t;
}

std::uint64_t count(const std::vector<ShapeTensor>& tensors) {
    std::uint64_t n = 0;
    for (const auto& t : tensors) {
        std::uint64_t e = 1;
        for (auto d : t.ne) e *= static_cast<std::uint64_t>(d);
        n += e;
    }
    return n;
}

void shape_from_metadata(ModelShape& s, const GgufMetadata& m, const std::string& where) {
    const std::string arch = m.get_string("general.architecture").value_or("llama");
    auto need = [&](const std::string& key) {
        const auto v = m.get_int(arch + "." + key);
        if (!v) fail("{}: no {}.{} in its metadata, so its KV cache cannot be sized", where, arch, key);
        return *v;
    };
    s.layers = need("block_count");
    s.hidden = need("embedding_length");
    s.heads = need("attention.head_count");
    s.kv_heads = m.get_int(arch + ".attention.head_count_kv").value_or(s.heads);
    s.head_dim = m.get_int(arch + ".attention.key_length").value_or(s.hidden / std::max<std::int64_t>(s.heads, 1));
    s.ff = m.get_int(arch + ".feed_forward_length").value_or(0);
}

}  // namespace

std::uint64_t parse_parameter_count(const std::string& text) {
    double value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || value <= 0) fail("--params '{}': expected a count such as 70B, 8B, 350M", text);
    double scale = 1;
    const std::string suffix(p, end);
    if (suffix == "B" || suffix == "b") scale = 1e9;
    else if (suffix == "M" || suffix == "m") scale = 1e6;
    else if (suffix == "K" || suffix == "k") scale = 1e3;
    else if (suffix == "T" || suffix == "t") scale = 1e12;
    else if (!suffix.empty()) fail("--params '{}': unknown suffix '{}' (K, M, B, T)", text, suffix);
    return static_cast<std::uint64_t>(std::llround(value * scale));
}

ModelShape shape_from_parameters(std::uint64_t parameters, const ShapeOverrides& o) {
    if (parameters < 1000) fail("--params {}: too small for a language model", parameters);
    const KnownShape* best = &kKnown[0];
    double best_distance = 1e300;
    for (const auto& k : kKnown) {
        ModelShape s;
        s.layers = k.layers;
        s.hidden = k.hidden;
        s.heads = k.heads;
        s.kv_heads = k.kv_heads;
        s.head_dim = k.hidden / k.heads;
        s.ff = k.ff;
        s.vocab = k.vocab;
        const double d = std::fabs(std::log(static_cast<double>(count(llama_tensors(s, k.tied)))) -
                                   std::log(static_cast<double>(parameters)));
        if (d < best_distance) {
            best_distance = d;
            best = &k;
        }
    }
    ModelShape s;
    s.assumed = true;
    s.layers = o.layers.value_or(best->layers);
    s.hidden = o.hidden.value_or(best->hidden);
    s.heads = best->heads;
    s.kv_heads = o.kv_heads.value_or(best->kv_heads);
    if (s.layers <= 0 || s.hidden <= 0 || s.kv_heads <= 0) fail("advise: --layers, --hidden and --kv-heads must be positive");
    if (s.hidden % s.heads != 0) fail("advise: --hidden {} does not divide into {} heads", s.hidden, s.heads);
    if (s.kv_heads > s.heads || s.heads % s.kv_heads != 0)
        fail("advise: --kv-heads {} must divide the {} attention heads", s.kv_heads, s.heads);
    s.head_dim = s.hidden / s.heads;
    s.ff = best->ff * s.hidden / best->hidden;
    s.vocab = best->vocab;
    s.tensors = llama_tensors(s, best->tied);
    s.parameters = parameters;
    s.source = std::string("assumed: ") + best->name + " shape";
    return s;
}

ModelShape shape_from_model(const std::string& path) {
    ModelShape s;
    s.source = path;
    switch (detect_input_kind(path)) {
        case InputKind::Gguf: {
            const GgufFile f(path);
            shape_from_metadata(s, f.metadata(), path);
            for (const auto& t : f.tensors()) s.tensors.push_back({t.name, t.ne, t.type});
            break;
        }
        case InputKind::HfDirectory: {
            const HfCheckpoint ck(path);
            ConvertOptions f16;
            f16.progress = false;
            const GgufPlan plan = plan_hf_to_gguf(ck, f16);
            shape_from_metadata(s, plan.metadata, path);
            for (const auto& t : plan.tensors) s.tensors.push_back({t.out.name, t.out.ne, t.out.type});
            break;
        }
        default:
            fail("{}: advise reads a GGUF file or a Hugging Face checkpoint directory", path);
    }
    for (const auto& t : s.tensors)
        if (t.name == "token_embd.weight" && t.ne.size() == 2) s.vocab = t.ne[1];
    s.parameters = count(s.tensors);
    return s;
}

}  // namespace qforge
