#include "eval/advise/format_sizes.h"

#include <cmath>

#include "convert/quantize_gguf.h"
#include "core/error.h"
#include "formats/gguf/gguf_value.h"

namespace qforge {
namespace {

std::uint64_t elements(const ShapeTensor& t) {
    std::uint64_t n = 1;
    for (auto d : t.ne) n *= static_cast<std::uint64_t>(d);
    return n;
}

// Quantized by AutoAWQ/AutoGPTQ/FP8 tools: the linear layers inside the blocks.
bool block_linear(const ShapeTensor& t) {
    if (t.ne.size() != 2 || !t.name.starts_with("blk.")) return false;
    for (const char* k : {"attn_q.", "attn_k.", "attn_v.", "attn_output.", "ffn_gate.", "ffn_up.", "ffn_down.", "attn_qkv."})
        if (t.name.find(k) != std::string::npos) return true;
    return false;
}

// An assumed shape approximates a parameter count; sizes are scaled to the count the user gave.
double scale_for(const ModelShape& s) {
    if (!s.assumed) return 1.0;
    std::uint64_t n = 0;
    for (const auto& t : s.tensors) n += elements(t);
    return static_cast<double>(s.parameters) / static_cast<double>(n);
}

FormatSize finish(const ModelShape& s, std::string name, std::string family, double bytes) {
    bytes *= scale_for(s);
    FormatSize f{std::move(name), std::move(family), static_cast<std::uint64_t>(std::llround(bytes)), 0};
    f.bits_per_weight = 8.0 * bytes / static_cast<double>(s.parameters);
    return f;
}

}  // namespace

FormatSize gguf_format_size(const ModelShape& s, const std::string& mix) {
    GgufPlan base;
    base.metadata.set("general.architecture", GgufValue::make<std::string>("llama"));
    base.metadata.set("llama.block_count", GgufValue::make(static_cast<std::uint32_t>(s.layers)));
    base.metadata.set("llama.attention.head_count", GgufValue::make(static_cast<std::uint32_t>(s.heads)));
    base.metadata.set("llama.attention.head_count_kv", GgufValue::make(static_cast<std::uint32_t>(s.kv_heads)));
    // The planner reads only names, shapes and types: views without bytes are enough.
    std::vector<TensorView> views;
    views.reserve(s.tensors.size());
    for (const auto& t : s.tensors) views.push_back({t.name, t.type, t.ne, {}});
    for (const auto& v : views) base.tensors.push_back(planned_copy(v));
    QuantizeOptions o;
    o.type = mix;
    o.allow_requantize = true;
    o.progress = false;
    o.plan_only = true;
    const QuantizePlan q = plan_quantize(std::move(base), s.source, o);
    double bytes = 0;
    for (const auto& p : q.plan.tensors) {
        // assumed shapes start from F16; a float output type of a mix keeps its own size
        bytes += static_cast<double>(p.out.nbytes());
    }
    return finish(s, mix, mix == "F16" || mix == "BF16" || mix == "F32" ? "f16" : "gguf", bytes);
}

FormatSize grouped_int_size(const ModelShape& s, const std::string& family, int bits, int group_size) {
    if (bits < 2 || bits > 8) fail("advise: {} bits is not a grouped integer format", bits);
    double bytes = 0;
    for (const auto& t : s.tensors) {
        const double n = static_cast<double>(elements(t));
        if (!block_linear(t)) {
            bytes += n * 2;  // fp16
            continue;
        }
        const double in = static_cast<double>(t.ne[0]), out = static_cast<double>(t.ne[1]);
        const double groups = group_size > 0 ? std::ceil(in / group_size) : 1;
        bytes += n * bits / 8.0;                  // packed weights
        bytes += groups * out * 2;                // fp16 scales
        bytes += groups * out * bits / 8.0;       // packed zero points
        if (family == "gptq") bytes += in * 4;    // g_idx
    }
    const std::string g = group_size > 0 ? "g" + std::to_string(group_size) : "per-row";
    const std::string label = family == "awq" ? "AWQ" : "GPTQ";
    return finish(s, label + " INT" + std::to_string(bits) + " " + g, family, bytes);
}

FormatSize fp8_size(const ModelShape& s) {
    double bytes = 0;
    for (const auto& t : s.tensors) {
        const double n = static_cast<double>(elements(t));
        bytes += block_linear(t) ? n + static_cast<double>(t.ne[1]) * 4 : n * 2;  // e4m3 + fp32 per-channel scale
    }
    return finish(s, "FP8 (e4m3)", "fp8", bytes);
}

FormatSize ctranslate2_int8_size(const ModelShape& s) {
    double bytes = 0;
    for (const auto& t : s.tensors) {
        const double n = static_cast<double>(elements(t));
        const bool int8 = (block_linear(t) || t.name == "token_embd.weight" || t.name == "output.weight") && t.ne.size() == 2;
        bytes += int8 ? n + static_cast<double>(t.ne[1]) * 4 : n * 2;
    }
    return finish(s, "CTranslate2 int8_float16", "ctranslate2", bytes);
}

FormatSize mlx_size(const ModelShape& s, int bits, int group_size) {
    if (bits < 2 || bits > 8 || group_size <= 0) fail("advise: MLX INT{} g{} is not an MLX grid", bits, group_size);
    double bytes = 0;
    for (const auto& t : s.tensors) {
        const double n = static_cast<double>(elements(t));
        const bool quantized = (block_linear(t) || t.name == "token_embd.weight" || t.name == "output.weight") && t.ne.size() == 2 &&
                               t.ne[0] % group_size == 0;
        if (!quantized) {
            bytes += n * 2;
            continue;
        }
        bytes += n * bits / 8.0 + static_cast<double>(t.ne[0] / group_size) * static_cast<double>(t.ne[1]) * 2 * 2;  // scales, biases
    }
    return finish(s, "MLX INT" + std::to_string(bits) + " g" + std::to_string(group_size), "mlx", bytes);
}

}  // namespace qforge
