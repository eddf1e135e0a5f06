#include "convert/int_checkpoint_export.h"

#include <cstring>

#include <fmt/format.h>

#include "convert/checkpoint_jobs.h"
#include "convert/hf_tensor_bytes.h"
#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/awq/awq_layout.h"
#include "formats/gptq/gptq_layout.h"
#include "formats/hf/hf_directory_writer.h"
#include "model/model_family.h"
#include "model/hf_hparams.h"
#include "model/rope_permute.h"
#include "quant/codecs/codec_table.h"

namespace qforge {
namespace {

// Where a planned tensor's values are now: its source, or what calibration generated.
TensorType current_type(const PlannedTensor& p) { return p.src != nullptr ? p.src->type : p.out.type; }
const std::uint8_t* current_bytes(const PlannedTensor& p) { return p.src != nullptr ? p.src->data.data() : p.generated.data(); }

// Values of `type` at `bytes`, shaped ne, as F16 under hf_name, Q/K rows in the Hugging Face order again.
// offset: added to every value (-1 for the norms Gemma's converter stores as 1 + w).
TensorJob float_job(TensorType type, const std::uint8_t* bytes, const std::vector<std::int64_t>& ne, const std::string& hf_name,
                    std::int64_t heads, float offset = 0.0f) {
    TensorJob j;
    j.entries.push_back({hf_name, TensorType::F16, ne});
    j.make = [type, bytes, entry = j.entries[0], heads, offset] {
        return std::vector<std::vector<std::uint8_t>>{hf_tensor_bytes(type, bytes, entry, heads, offset)};
    };
    return j;
}

// A quantized module's tensors in AutoAWQ's GEMM or AutoGPTQ's layout; packed when the writer reaches them
// (errors name the directory and module). `layer` must outlive the job.
TensorJob quantized_job(const std::string& dir, const std::string& prefix, const IntLayer& layer, const QuantizationConfig& c) {
    TensorJob j;
    const std::int64_t in = layer.in, out = layer.out, groups = layer.groups();
    if (c.method == QuantMethod::Awq) {
        j.entries = {{prefix + ".qweight", TensorType::I32, {out / 8, in}},
                     {prefix + ".qzeros", TensorType::I32, {out / 8, groups}},
                     {prefix + ".scales", TensorType::F16, {out, groups}}};
    } else {
        j.entries = {{prefix + ".qweight", TensorType::I32, {out, in * layer.bits / 32}},
                     {prefix + ".qzeros", TensorType::I32, {out * layer.bits / 32, groups}},
                     {prefix + ".scales", TensorType::F16, {out, groups}},
                     {prefix + ".g_idx", TensorType::I32, {in}}};
    }
    j.make = [dir, prefix, &layer, c]() -> std::vector<std::vector<std::uint8_t>> {
        try {
            if (c.method == QuantMethod::Awq) {
                const AwqTensors t = pack_awq_gemm(layer);
                return {bytes_of(t.qweight), bytes_of(t.qzeros), bytes_of(t.scales)};
            }
            const GptqTensors t = pack_gptq(layer, !c.gptq_v2);
            return {bytes_of(t.qweight), bytes_of(t.qzeros), bytes_of(t.scales), bytes_of(t.g_idx)};
        } catch (const Error& e) {
            fail("{}: '{}': {}", dir, prefix, e.what());
        }
    };
    return j;
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

    std::vector<TensorJob> jobs;
    std::vector<IntLayer> permuted;  // Q and K layers back in the Hugging Face row order, which the jobs read
    permuted.reserve(layers.size());
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
                    jobs.push_back(float_job(current_type(p), current_bytes(p) + static_cast<std::size_t>(e) * matrix_bytes,
                                             {p.out.ne[0], p.out.ne[1]}, name, 0));
                    continue;
                }
                jobs.push_back(quantized_job(dir, name.substr(0, name.size() - std::string(".weight").size()), it->second, config));
                ++summary.quantized_layers;
            }
            continue;
        }
        const std::int64_t heads = role ? qk_permute_heads(*family, role->spec->role, hp.n_head, hp.n_head_kv) : 0;
        const auto it = layers.find(p.out.name);
        if (it == layers.end()) {
            // Hugging Face keeps Gemma's norms as w of (1 + w)
            const float offset = family->norms_plus_one && hf->ends_with("norm.weight") ? -1.0f : 0.0f;
            jobs.push_back(float_job(current_type(p), current_bytes(p), p.out.ne, *hf, heads, offset));
            continue;
        }
        const IntLayer* layer = &it->second;
        if (heads > 0) {
            permuted.push_back(permute_int_layer_rows(it->second, heads, true));
            layer = &permuted.back();
        }
        jobs.push_back(quantized_job(dir, hf->substr(0, hf->size() - std::string(".weight").size()), *layer, config));
        ++summary.quantized_layers;
    }
    const WrittenTensors written = write_tensor_jobs(writer, jobs, max_shard_bytes, {{"format", "pt"}}, false, "checkpoint", false);
    summary.bytes = written.bytes;
    summary.shards = written.shards;
    summary.tensors = written.tensors;

    nlohmann::json cfg = source.config;
    cfg["quantization_config"] = quantization_config_json(config);
    cfg["torch_dtype"] = "float16";
    if (config.method == QuantMethod::Gptq) writer.write_json("quantize_config.json", quantization_config_json(config));
    source.finish(writer, cfg);
    return summary;
}

}  // namespace qforge
