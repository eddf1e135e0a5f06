#include "convert/fp8_checkpoint_export.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "convert/checkpoint_jobs.h"
#include "convert/hf_tensor_bytes.h"
#include "core/error.h"
#include "model/hf_hparams.h"
#include "quant/codecs/fp8.h"

namespace qforge {
namespace {

std::string module_of(const std::string& hf_weight) { return hf_weight.substr(0, hf_weight.size() - std::string(".weight").size()); }

}  // namespace

Fp8CheckpointSummary write_fp8_checkpoint(const std::string& dir, const GgufFile& model, const HfModelFiles& files, const Fp8Config& config,
                                          std::uint64_t max_shard_bytes, bool progress) {
    const ModelFamily& family = *files.family;
    const HfHparams hp = read_hf_hparams(files.config, model.path());
    const std::string scale_suffix = config.scheme == Fp8Scheme::Block && !config.compressed_tensors ? ".weight_scale_inv" : ".weight_scale";
    std::vector<TensorJob> jobs;
    Fp8CheckpointSummary summary;

    auto float_job = [&](const TensorView& t, const std::string& hf, std::size_t byte_offset, std::vector<std::int64_t> ne, std::int64_t heads,
                         float offset) {
        TensorJob j;
        j.entries.push_back({hf, TensorType::BF16, std::move(ne)});
        j.make = [&t, byte_offset, entry = j.entries[0], heads, offset] {
            return std::vector<std::vector<std::uint8_t>>{hf_tensor_bytes(t.type, t.data.data() + byte_offset, entry, heads, offset)};
        };
        jobs.push_back(std::move(j));
    };
    auto fp8_job = [&](const TensorView& t, const std::string& hf, std::size_t byte_offset, std::int64_t cols, std::int64_t rows,
                       std::int64_t heads) {
        const std::int64_t span_rows = config.span_rows(rows), span_cols = config.span_cols(cols);
        const std::int64_t grid_rows = (rows + span_rows - 1) / span_rows, grid_cols = (cols + span_cols - 1) / span_cols;
        TensorJob j;
        j.entries.push_back({hf, TensorType::F8_E4M3, {cols, rows}});
        // per tensor: [1]; per channel: [rows, 1]; blocks: [grid rows, grid cols] (shapes in safetensors' order)
        std::vector<std::int64_t> scale_ne = config.scheme == Fp8Scheme::Tensor ? std::vector<std::int64_t>{1}
                                                                                : std::vector<std::int64_t>{grid_cols, grid_rows};
        j.entries.push_back({module_of(hf) + scale_suffix, TensorType::F32, scale_ne});
        j.make = [&t, byte_offset, cols, rows, heads, span_rows, span_cols, name = hf] {
            const SafetensorsEntry f32{name, TensorType::F32, {cols, rows}};
            const std::vector<std::uint8_t> b = hf_tensor_bytes(t.type, t.data.data() + byte_offset, f32, heads);
            std::vector<float> w(static_cast<std::size_t>(rows * cols));
            std::memcpy(w.data(), b.data(), b.size());
            const Fp8Matrix m = quantize_fp8(w.data(), rows, cols, span_rows, span_cols);
            return std::vector<std::vector<std::uint8_t>>{m.q, bytes_of(m.scales)};
        };
        jobs.push_back(std::move(j));
        ++summary.quantized_layers;
    };
    auto ignored = [&](const std::string& hf) {
        return std::find(config.ignored.begin(), config.ignored.end(), module_of(hf)) != config.ignored.end();
    };

    for (const TensorView& t : model.tensors()) {
        if (t.name == "rope_freqs.weight" || t.name == "rope_factors_long.weight" || t.name == "rope_factors_short.weight") continue;
        summary.parameters += static_cast<std::uint64_t>(t.n_elements());
        const auto role = parse_layer_tensor(family, t.name);
        const bool linear = role && role->spec->input != InputGroup::None && role->spec->role != LayerRole::GateInp;
        if (role && role->spec->per_expert()) {
            const std::size_t matrix_bytes = t.data.size() / static_cast<std::size_t>(t.ne[2]);
            for (std::int64_t e = 0; e < t.ne[2]; ++e) {
                const std::string hf = hf_expert_tensor_name(*role->spec, role->layer, e);
                if (ignored(hf)) float_job(t, hf, static_cast<std::size_t>(e) * matrix_bytes, {t.ne[0], t.ne[1]}, 0, 0.0f);
                else fp8_job(t, hf, static_cast<std::size_t>(e) * matrix_bytes, t.ne[0], t.ne[1], 0);
            }
            continue;
        }
        const auto hf = hf_tensor_name(family, t.name);
        if (!hf) fail("{}: tensor '{}' has no Hugging Face name in architecture '{}'", model.path(), t.name, family.gguf_arch);
        const std::int64_t heads = role ? qk_permute_heads(family, role->spec->role, hp.n_head, hp.n_head_kv) : 0;
        if (linear && t.ne.size() == 2 && !ignored(*hf)) {
            fp8_job(t, *hf, 0, t.ne[0], t.ne[1], heads);
            continue;
        }
        const float offset = family.norms_plus_one && hf->ends_with("norm.weight") ? -1.0f : 0.0f;  // w of Gemma's 1 + w
        float_job(t, *hf, 0, t.ne, heads, offset);
    }

    HfDirectoryWriter writer(dir);
    const WrittenTensors written = write_tensor_jobs(writer, jobs, max_shard_bytes, {{"format", "pt"}}, false, "fp8", progress);
    nlohmann::json cfg = files.config;
    cfg["quantization_config"] = fp8_config_json(config);
    cfg["torch_dtype"] = "bfloat16";
    files.finish(writer, cfg);
    summary.tensors = written.tensors;
    summary.shards = written.shards;
    summary.bytes = written.bytes;
    return summary;
}

}  // namespace qforge
