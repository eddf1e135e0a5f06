#include "convert/int_checkpoint_export.h"

#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/awq/awq_layout.h"
#include "formats/gptq/gptq_layout.h"
#include "formats/hf/hf_directory_writer.h"
#include "formats/safetensors/safetensors_writer.h"
#include "model/model_family.h"
#include "model/hf_hparams.h"
#include "model/rope_permute.h"
#include "quant/codecs/codec_table.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

// Files beside the weights that loaders read; copied when the source has them.
constexpr const char* kCopied[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                   "added_tokens.json", "generation_config.json"};

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
    const std::int64_t n = [&] {
        std::int64_t k = 1;
        for (auto d : ne) k *= d;
        return k;
    }();
    std::vector<float> f(static_cast<std::size_t>(n));
    const std::int64_t row = ne[0], rows = n / row;
    for (std::int64_t r = 0; r < rows; ++r) dequantize_row(type, bytes + static_cast<std::size_t>(r) * *bytes_for(type, static_cast<std::uint64_t>(row)), f.data() + r * row, row);
    if (offset != 0.0f)
        for (float& v : f) v += offset;
    std::vector<std::uint16_t> h(f.size());
    convert_from_f32(TensorType::F16, f.data(), h.data(), f.size());
    if (heads > 0) {
        const bool one_d = ne.size() == 1;
        std::vector<std::uint16_t> u(h.size());
        unpermute_rope_rows(reinterpret_cast<const std::uint8_t*>(h.data()), reinterpret_cast<std::uint8_t*>(u.data()),
                            one_d ? n : rows, (one_d ? 1 : static_cast<std::size_t>(row)) * 2, heads);
        h.swap(u);
    }
    return tensor(hf_name, TensorType::F16, ne, h);
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
                                          const HfCheckpoint& source, const QuantizationConfig& config,
                                          std::uint64_t max_shard_bytes) {
    const std::string config_path = (fs::path(source.dir()) / "config.json").string();
    const HfHparams hp = read_hf_hparams(source.config(), config_path);
    const auto cls = source.config().contains("architectures") ? source.config()["architectures"][0].get<std::string>() : "";
    const ModelFamily* family = find_family_by_hf_class(cls);
    if (family == nullptr) fail("{}: architecture '{}' is not supported (supported: {})", config_path, cls, supported_hf_classes());
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
    // shards: runs of whole tensors up to max_shard_bytes each (a larger tensor gets a shard of its own)
    std::vector<std::pair<std::size_t, std::size_t>> shards;  // [begin, end) of outputs
    std::uint64_t in_shard = 0;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const std::uint64_t n = outputs[i].bytes.size();
        if (shards.empty() || (max_shard_bytes != 0 && in_shard > 0 && in_shard + n > max_shard_bytes)) {
            shards.push_back({i, i});
            in_shard = 0;
        }
        shards.back().second = i + 1;
        in_shard += n;
    }
    nlohmann::json weight_map = nlohmann::json::object();
    for (std::size_t s = 0; s < shards.size(); ++s) {
        const std::string file = shards.size() == 1 ? "model.safetensors"
                                                    : fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, shards.size());
        std::vector<SafetensorsEntry> entries;
        for (std::size_t i = shards[s].first; i < shards[s].second; ++i) {
            entries.push_back(outputs[i].entry);
            weight_map[outputs[i].entry.name] = file;
        }
        SafetensorsWriter st(writer.path(file), entries, {{"format", "pt"}});
        for (std::size_t i = shards[s].first; i < shards[s].second; ++i) {
            st.write(outputs[i].bytes);
            summary.bytes += outputs[i].bytes.size();
        }
        st.finish();
    }
    if (shards.size() > 1)
        writer.write_json("model.safetensors.index.json", {{"metadata", {{"total_size", summary.bytes}}}, {"weight_map", weight_map}});
    summary.tensors = outputs.size();
    summary.shards = shards.size();

    nlohmann::json cfg = source.config();
    cfg["quantization_config"] = quantization_config_json(config);
    cfg["torch_dtype"] = "float16";
    writer.write_json("config.json", cfg);
    if (config.method == QuantMethod::Gptq) writer.write_json("quantize_config.json", quantization_config_json(config));
    for (const char* name : kCopied) {
        const std::string from = source.file(name);
        if (!from.empty()) writer.copy_file(from, name);
    }
    writer.commit();
    return summary;
}

}  // namespace qforge
