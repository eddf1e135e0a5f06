#include "convert/gguf_to_hf.h"

#include "convert/hf_model_files.h"
#include "convert/hf_tensor_bytes.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "core/progress.h"
#include "formats/hf/sharded_safetensors_writer.h"
#include "model/hf_hparams.h"

namespace qforge {
namespace {

// One safetensors tensor: a GGUF tensor, or one expert's matrix of a stacked one.
struct ExportTensor {
    SafetensorsEntry entry;
    const TensorView* src = nullptr;
    std::size_t byte_offset = 0;  // of the expert's matrix
    std::int64_t heads = 0;       // Q/K rows to put back in Hugging Face's order
    float offset = 0.0f;          // added to every value (Gemma's norms: -1)
};

const char* torch_dtype_of(TensorType t) {
    switch (t) {
        case TensorType::F32: return "float32";
        case TensorType::BF16: return "bfloat16";
        default: return "float16";
    }
}

}  // namespace

HfExportSummary export_gguf_to_hf(const GgufFile& gguf, const std::string& dir, const HfExportOptions& options) {
    if (options.outtype && *options.outtype != TensorType::F32 && *options.outtype != TensorType::F16 && *options.outtype != TensorType::BF16)
        fail("--outtype {}: a Hugging Face checkpoint is written in f32, f16 or bf16", type_name(*options.outtype));
    HfModelFiles files = hf_model_files(gguf);
    const ModelFamily& family = *files.family;
    const HfHparams hp = read_hf_hparams(files.config, gguf.path());

    std::vector<ExportTensor> out;
    HfExportSummary summary;
    std::optional<TensorType> matrix_type;
    for (const TensorView& t : gguf.tensors()) {
        // computed from config.json's rope_scaling by every loader
        if (t.name == "rope_freqs.weight" || t.name == "rope_factors_long.weight" || t.name == "rope_factors_short.weight") continue;
        const bool is_float = is_float_type(t.type);
        const TensorType type = options.outtype.value_or(is_float ? t.type : TensorType::F16);
        summary.dequantized += is_float ? 0 : 1;
        summary.parameters += static_cast<std::uint64_t>(t.n_elements());
        if (t.ne.size() >= 2 && !matrix_type) matrix_type = type;
        const auto role = parse_layer_tensor(family, t.name);
        if (role && role->spec->per_expert()) {
            if (t.ne.size() != 3) fail("{}: tensor '{}' has shape {} (expected experts stacked on a third dimension)", gguf.path(), t.name, shape_string(t.ne));
            const std::size_t matrix_bytes = t.data.size() / static_cast<std::size_t>(t.ne[2]);
            for (std::int64_t e = 0; e < t.ne[2]; ++e)
                out.push_back({{hf_expert_tensor_name(*role->spec, role->layer, e), type, {t.ne[0], t.ne[1]}}, &t,
                               static_cast<std::size_t>(e) * matrix_bytes, 0, 0.0f});
            continue;
        }
        const auto hf = hf_tensor_name(family, t.name);
        if (!hf) fail("{}: tensor '{}' has no Hugging Face name in architecture '{}'", gguf.path(), t.name, family.gguf_arch);
        ExportTensor x{{*hf, type, t.ne}, &t, 0, role ? qk_permute_heads(family, role->spec->role, hp.n_head, hp.n_head_kv) : 0, 0.0f};
        // Hugging Face keeps Gemma's norms as w of (1 + w)
        if (family.norms_plus_one && hf->ends_with("norm.weight")) x.offset = -1.0f;
        out.push_back(std::move(x));
    }
    if (out.empty()) fail("{}: no tensors to export", gguf.path());
    summary.torch_dtype = torch_dtype_of(matrix_type.value_or(TensorType::F32));
    files.config["torch_dtype"] = summary.torch_dtype;

    HfDirectoryWriter writer(dir);
    std::vector<SafetensorsEntry> entries;
    std::uint64_t total = 0;
    for (const ExportTensor& x : out) {
        entries.push_back(x.entry);
        total += x.entry.nbytes();
    }
    ShardedSafetensorsWriter st(writer, std::move(entries), options.max_shard_bytes);
    Progress progress("export", total, options.progress);
    for (const ExportTensor& x : out) {
        st.write(hf_tensor_bytes(x.src->type, x.src->data.data() + x.byte_offset, x.entry, x.heads, x.offset));
        progress.advance(x.entry.nbytes(), x.entry.name);
    }
    st.finish();
    progress.finish();
    files.finish(writer, files.config);
    summary.tensors = out.size();
    summary.shards = st.shards();
    summary.bytes = st.bytes();
    return summary;
}

}  // namespace qforge
