#include "convert/int_checkpoint_export.h"

#include <cstring>

#include <fmt/format.h>

#include "convert/hf_tensor_bytes.h"
#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/awq/awq_layout.h"
#include "formats/gptq/gptq_layout.h"
#include "formats/hf/hf_directory_writer.h"
#include "formats/hf/sharded_safetensors_writer.h"
#include "model/model_family.h"
#include "model/hf_hparams.h"
#include "model/rope_permute.h"
#include "quant/codecs/codec_table.h"

namespace qforge {
namespace {

struct Output {
    SafetensorsEntry entry;
    std::vector<std::uint8_t> bytes;
};

template <typename T>
Output tensor(const std::string& name, TensorType type, std::vector<std::int64_t> ne, const std::vector<T>& values) {
    Output o{{name, type, std::move(ne)}, {}};
    o.bytes.resize(values.size() * sizeof(T));
    std::memcpy(o.bytes.data(), values.data(), o.bytes.size());
    return o;
}

// Where a planned tensor's values are now: its source, or what calibration generated.
TensorType current_type(const PlannedTensor& p) { return p.src != nullptr ? p.src->type : p.out.type; }
const std::uint8_t* current_bytes(const PlannedTensor& p) { return p.src != nullptr ? p.src->data.data() : p.generated.data(); }

// Values of `type` at `bytes`, shaped ne, as F16 under hf_name, Q/K rows in the Hugging Face order again.
// offset: added to every value (-1 for the norms Gemma's converter stores as 1 + w).
Output float_tensor(TensorType type, const std::uint8_t* bytes, const std::vector<std::int64_t>& ne, const std::string& hf_name,
                    std::int64_t heads, float offset = 0.0f) {
    Output o{{hf_name, TensorType::F16, ne}, {}};
    o.bytes = hf_tensor_bytes(type, bytes, o.entry, heads, offset);
    return o;
}

void add_quantized(std::vector<Output>& out, const std::string& prefix, const IntLayer& l, const QuantizationConfig& c) {
    if (c.method == QuantMethod::Awq) {
        const AwqTensors t = pack_awq_gemm(l);
        out.push_back(tensor(prefix + ".qweight", TensorType::I32, {t.out / 8, t.in}, t.qweight));
        out.push_back(tensor(prefix + ".qzeros", TensorType::I32, {t.out / 8, t.in / t.group_size}, t.qzeros));
        out.push_back(tensor(prefix + ".scales", TensorType::F16, {t.out, t.in / t.group_size}, t.scales));
        return;
    }
    const GptqTensors t = pack_gptq(l, !c.gptq_v2);
    const std::int64_t groups = l.groups();
    out.push_back(tensor(prefix + ".qweight", TensorType::I32, {t.out, t.in * t.bits / 32}, t.qweight));
    out.push_back(tensor(prefix + ".qzeros", TensorType::I32, {t.out * t.bits / 32, groups}, t.qzeros));
    out.push_back(tensor(prefix + ".scales", TensorType::F16, {t.out, groups}, t.scales));
    out.push_back(tensor(prefix + ".g_idx", TensorType::I32, {t.in}, t.g_idx));
}

}  // namespace

IntLayer int_layer_from_result(const GptqResult& r, std::int64_t rows, std::int64_t columns, int bits, int group_size) {
    IntLayer l;
    l.bits = bits;
    l.group_size = group_size == -1 ? static_cast<int>(columns) : group_size;
    l.in = columns;
    l.out = rows;
    l.q = r.q;
    l.g_idx = r.g_idx;
    const std::int64_t groups = static_cast<std::int64_t>(r.scales.size()) / rows;
    if (static_cast<std::int64_t>(r.q.size()) != rows * columns || groups * rows != static_cast<std::int64_t>(r.scales.size()) ||
        r.zeros.size() != r.scales.size() || static_cast<std::int64_t>(r.g_idx.size()) != columns)
        fail("internal error: a quantized weight's levels, scales and groups do not match {} x {}", rows, columns);
    l.scales.resize(r.scales.size());
    l.zeros.resize(r.zeros.size());
    for (std::int64_t o = 0; o < rows; ++o)
        for (std::int64_t g = 0; g < groups; ++g) {
            const auto from = static_cast<std::size_t>(o * groups + g), to = static_cast<std::size_t>(g * rows + o);
            l.scales[to] = fp32_to_fp16(r.scales[from]);
            if (fp16_to_fp32(l.scales[to]) != r.scales[from]) fail("internal error: a group's scale is not an fp16 value");
            l.zeros[to] = static_cast<std::uint8_t>(r.zeros[from]);
        }
    return l;
}

std::string int_layer_key(const std::string& gguf_name, std::int64_t expert) {
    return expert < 0 ? gguf_name : gguf_name + "#" + std::to_string(expert);
}

IntCheckpointSummary write_int_checkpoint(const std::string& dir, const GgufPlan& plan, const std::map<std::string, IntLayer>& layers,
                                          const HfModelFiles& source, const QuantizationConfig& config,
                                          std::uint64_t max_shard_bytes) {
    const HfHparams hp = read_hf_hparams(source.config, dir + "/config.json");
    const ModelFamily* family = source.family;
    HfDirectoryWriter writer(dir);

    std::vector<Output> outputs;
    IntCheckpointSummary summary;
    for (const PlannedTensor& p : plan.tensors) {
        // computed from config.json's rope_scaling by every loader
        if (p.out.name == "rope_freqs.weight" || p.out.name == "rope_factors_long.weight" || p.out.name == "rope_factors_short.weight") continue;
        const auto hf = hf_tensor_name(*family, p.out.name);
        if (!hf) fail("{}: tensor '{}' has no Hugging Face name", dir, p.out.name);
        const auto role = parse_layer_tensor(*family, p.out.name);
        if (role && role->spec->per_expert()) {  // one module per expert
            const std::size_t matrix_bytes = p.out.nbytes() / static_cast<std::size_t>(p.out.ne[2]);
            for (std::int64_t e = 0; e < p.out.ne[2]; ++e) {
                const std::string name = hf_expert_tensor_name(*role->spec, role->layer, e);
                const auto it = layers.find(int_layer_key(p.out.name, e));
                if (it == layers.end()) {
                    outputs.push_back(float_tensor(current_type(p), current_bytes(p) + static_cast<std::size_t>(e) * matrix_bytes,
                                                   {p.out.ne[0], p.out.ne[1]}, name, 0));
                    continue;
                }
                const std::string prefix = name.substr(0, name.size() - std::string(".weight").size());
                try {
                    add_quantized(outputs, prefix, it->second, config);
                } catch (const Error& err) {
                    fail("{}: '{}': {}", dir, prefix, err.what());
                }
                ++summary.quantized_layers;
            }
            continue;
        }
        const std::int64_t heads = role ? qk_permute_heads(*family, role->spec->role, hp.n_head, hp.n_head_kv) : 0;
        const auto it = layers.find(p.out.name);
        if (it == layers.end()) {
            // Hugging Face keeps Gemma's norms as w of (1 + w)
            const float offset = family->norms_plus_one && hf->ends_with("norm.weight") ? -1.0f : 0.0f;
            outputs.push_back(float_tensor(current_type(p), current_bytes(p), p.out.ne, *hf, heads, offset));
            continue;
        }
        const std::string prefix = hf->substr(0, hf->size() - std::string(".weight").size());
        try {
            add_quantized(outputs, prefix, heads > 0 ? permute_int_layer_rows(it->second, heads, true) : it->second, config);
        } catch (const Error& e) {
            fail("{}: '{}': {}", dir, prefix, e.what());
        }
        ++summary.quantized_layers;
    }
    std::vector<SafetensorsEntry> entries;
    for (const Output& o : outputs) entries.push_back(o.entry);
    ShardedSafetensorsWriter st(writer, std::move(entries), max_shard_bytes);
    for (const Output& o : outputs) st.write(o.bytes);
    st.finish();
    summary.bytes = st.bytes();
    summary.shards = st.shards();
    summary.tensors = outputs.size();

    nlohmann::json cfg = source.config;
    cfg["quantization_config"] = quantization_config_json(config);
    cfg["torch_dtype"] = "float16";
    writer.write_json("config.json", cfg);
    if (config.method == QuantMethod::Gptq) writer.write_json("quantize_config.json", quantization_config_json(config));
    source.write_beside_config(writer);
    writer.commit();
    return summary;
}

}  // namespace qforge
