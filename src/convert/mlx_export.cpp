#include "convert/mlx_export.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "convert/checkpoint_jobs.h"
#include "convert/hf_tensor_bytes.h"
#include "convert/int_checkpoint_export.h"
#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "model/hf_hparams.h"
#include "quant/codecs/mlx_affine.h"

namespace qforge {
namespace {

std::string module_of(const std::string& hf_weight) { return hf_weight.substr(0, hf_weight.size() - std::string(".weight").size()); }

std::vector<std::uint8_t> floats_as(TensorType type, const std::vector<float>& v) {
    std::vector<std::uint8_t> b(*bytes_for(type, v.size()));
    convert_from_f32(type, v.data(), b.data(), v.size());
    return b;
}

std::vector<std::uint8_t> packed(const std::vector<std::uint8_t>& q, int bits) {
    return bytes_of(pack_lsb(q.data(), static_cast<std::int64_t>(q.size()), bits));
}

// mlx_lm.convert's mixed predicates: (low, high) bits.
std::optional<std::pair<int, int>> predicate_bits(const std::string& p) {
    if (p == "mixed_2_6") return std::pair{2, 6};
    if (p == "mixed_3_4") return std::pair{3, 4};
    if (p == "mixed_3_6") return std::pair{3, 6};
    if (p == "mixed_4_6") return std::pair{4, 6};
    return std::nullopt;
}

}  // namespace

MlxExportSummary write_mlx_checkpoint(const std::string& dir, const std::vector<TensorView>& tensors, const std::string& where,
                                      const HfModelFiles& files, const MlxExportOptions& options,
                                      const std::map<std::string, IntLayer>& calibrated) {
    const ModelFamily& family = *files.family;
    const HfHparams hp = read_hf_hparams(files.config, where);
    if (hp.n_expert > 0)
        fail("{}: mixtures of experts are not written for MLX yet (mlx-lm stacks the experts as switch_mlp)", where);
    if (!mlx_bits_supported(options.grid.bits)) fail("quantize: --format mlx: --bits {} (MLX takes 2, 3, 4, 5, 6 or 8)", options.grid.bits);
    if (!mlx_group_supported(options.grid.group_size))
        fail("quantize: --format mlx: --group-size {} (MLX takes 32, 64 or 128)", options.grid.group_size);
    const auto mixed = predicate_bits(options.predicate);
    if (!options.predicate.empty() && !mixed)
        fail("quantize: --quant-predicate '{}' (mixed_2_6, mixed_3_4, mixed_3_6 or mixed_4_6)", options.predicate);
    const std::string torch_dtype = files.config.value("torch_dtype", "");
    const TensorType dtype = torch_dtype == "bfloat16" ? TensorType::BF16 : TensorType::F16;

    MlxQuantization q;
    q.global = options.grid;
    if (mixed) q.global.bits = mixed->first;
    std::vector<TensorJob> jobs;
    MlxExportSummary summary;
    summary.dtype = dtype == TensorType::BF16 ? "bfloat16" : "float16";
    const std::int64_t n = hp.n_layer;
    auto more_bits = [n](std::int64_t i) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; };

    for (const TensorView& t : tensors) {
        if (t.name == "rope_freqs.weight" || t.name == "rope_factors_long.weight" || t.name == "rope_factors_short.weight") continue;
        summary.parameters += static_cast<std::uint64_t>(t.n_elements());
        const auto hf = hf_tensor_name(family, t.name);
        if (!hf) fail("{}: tensor '{}' has no Hugging Face name in architecture '{}'", where, t.name, family.gguf_arch);
        const auto role = parse_layer_tensor(family, t.name);
        const std::int64_t heads = role ? qk_permute_heads(family, role->spec->role, hp.n_head, hp.n_head_kv) : 0;
        const bool linear = (role && role->spec->input != InputGroup::None) || t.name == "output.weight" || t.name == "token_embd.weight";
        const std::int64_t cols = t.ne[0], rows = t.ne.size() == 2 ? t.ne[1] : 0;
        const std::string module = module_of(*hf);
        MlxGrid grid = q.global;
        if (mixed && (t.name == "output.weight" || (role && (role->spec->role == LayerRole::Wv || role->spec->role == LayerRole::Down) &&
                                                     more_bits(role->layer))))
            grid.bits = mixed->second;
        if (!linear || t.ne.size() != 2 || cols % grid.group_size != 0) {
            const float offset = family.norms_plus_one && hf->ends_with("norm.weight") ? -1.0f : 0.0f;  // w of Gemma's 1 + w
            TensorJob j;
            j.entries.push_back({*hf, dtype, t.ne});
            j.make = [&t, entry = j.entries[0], heads, offset] {
                return std::vector<std::vector<std::uint8_t>>{hf_tensor_bytes(t.type, t.data.data(), entry, heads, offset)};
            };
            jobs.push_back(std::move(j));
            continue;
        }
        if (mixed) q.overrides[module] = grid;
        TensorJob j;
        j.entries.push_back({*hf, TensorType::U32, {cols * grid.bits / 32, rows}});
        j.entries.push_back({module + ".scales", dtype, {cols / grid.group_size, rows}});
        j.entries.push_back({module + ".biases", dtype, {cols / grid.group_size, rows}});
        const auto cal = calibrated.find(t.name);
        if (cal != calibrated.end()) {
            if (cal->second.bits != grid.bits || cal->second.group_size != grid.group_size || cal->second.first_scattered_column(grid.group_size) >= 0)
                fail("internal error: '{}' was calibrated on another grid than MLX's", t.name);
            const IntLayer layer = heads > 0 ? permute_int_layer_rows(cal->second, heads, true) : cal->second;
            j.make = [layer, dtype] {
                const std::int64_t groups = layer.groups();
                std::vector<float> scales(static_cast<std::size_t>(layer.out * groups)), biases(scales.size());
                for (std::int64_t o = 0; o < layer.out; ++o)
                    for (std::int64_t g = 0; g < groups; ++g) {
                        const auto from = static_cast<std::size_t>(g * layer.out + o), to = static_cast<std::size_t>(o * groups + g);
                        scales[to] = fp16_to_fp32(layer.scales[from]);
                        biases[to] = -scales[to] * static_cast<float>(layer.zeros[from]);
                    }
                return std::vector<std::vector<std::uint8_t>>{packed(layer.q, layer.bits), floats_as(dtype, scales), floats_as(dtype, biases)};
            };
        } else {
            j.make = [&t, heads, rows, cols, grid, dtype, name = *hf] {
                const std::vector<std::uint8_t> b = hf_tensor_bytes(t.type, t.data.data(), {name, TensorType::F32, {cols, rows}}, heads);
                std::vector<float> w(static_cast<std::size_t>(rows * cols));
                std::memcpy(w.data(), b.data(), b.size());
                const AffineGroups g = quantize_mlx_affine(w.data(), rows, cols, grid.bits, grid.group_size);
                return std::vector<std::vector<std::uint8_t>>{packed(g.q, grid.bits), floats_as(dtype, g.scales), floats_as(dtype, g.biases)};
            };
        }
        jobs.push_back(std::move(j));
        ++summary.quantized;
    }

    HfDirectoryWriter writer(dir);
    const WrittenTensors written = write_tensor_jobs(writer, jobs, options.max_shard_bytes, {{"format", "mlx"}}, true, "mlx", options.progress);
    nlohmann::json cfg = files.config;
    cfg["quantization"] = mlx_quantization_json(q);
    cfg["quantization_config"] = cfg["quantization"];
    cfg["torch_dtype"] = summary.dtype;
    cfg["tie_word_embeddings"] = std::none_of(tensors.begin(), tensors.end(), [](const TensorView& t) { return t.name == "output.weight"; });  // mlx-lm's llama assumes tied when absent
    files.finish(writer, cfg);
    summary.tensors = written.tensors;
    summary.shards = written.shards;
    summary.bytes = written.bytes;
    return summary;
}

}  // namespace qforge
