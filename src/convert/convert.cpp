#include "convert/convert.h"

#include <filesystem>

#include "convert/ctranslate2_to_hf.h"
#include "convert/gguf_recast.h"
#include "convert/hf_to_gguf.h"
#include "convert/llama2c_to_gguf.h"
#include "core/error.h"
#include "core/scratch_path.h"
#include "formats/format_detect.h"
#include "formats/hf/quantization_config.h"

namespace qforge {
namespace {

void refuse_overwriting(const std::string& src, const std::string& out) {
    std::error_code ec;
    if (std::filesystem::exists(src, ec) && std::filesystem::exists(out, ec) && std::filesystem::equivalent(src, out, ec))
        fail("{}: output would overwrite the input", out);
}

// Any input as an F32 GGUF at `path`, a GPTQ/AWQ checkpoint's layers dequantized (the values its loaders compute).
void f32_gguf(const std::string& src, const std::string& path, bool progress) {
    ConvertOptions f32;
    f32.outtype = TensorType::F32;
    f32.progress = progress;
    f32.dequantize_all = true;
    convert_to_gguf(src, path, f32);
}

ConvertSummary write(const GgufPlan& plan, const std::string& kind, const std::string& out, bool progress) {
    write_gguf_plan(out, plan.metadata, plan.tensors, progress);
    const auto totals = plan_totals(plan.tensors);
    return {kind, plan.tensors.size(), totals.parameters, totals.bytes, plan.imported};
}

}  // namespace

ConvertSummary convert_to_gguf(const std::string& src, const std::string& out, const ConvertOptions& options) {
    file_type_for(options.outtype);  // rejects unsupported output types before any work
    refuse_overwriting(src, out);
    const InputKind kind = detect_input_kind(src);
    const std::string kind_name(input_kind_name(kind));
    switch (kind) {
        case InputKind::HfDirectory: {
            HfCheckpoint ck(src);
            return write(plan_hf_to_gguf(ck, options), kind_name, out, options.progress);
        }
        case InputKind::Ctranslate2Directory: {
            // through a float32 Hugging Face checkpoint in scratch space, named as the directory (general.name)
            const ScratchPath scratch(".ct2");
            const std::string hf = (std::filesystem::path(scratch.path()) / std::filesystem::path(src).lexically_normal().filename()).string();
            std::filesystem::create_directories(scratch.path());
            ctranslate2_to_hf(src, hf);
            HfCheckpoint ck(hf);
            return write(plan_hf_to_gguf(ck, options), kind_name, out, options.progress);
        }
        case InputKind::Llama2c: {
            Llama2cCheckpoint ck(src);
            return write(plan_llama2c_to_gguf(ck, options), kind_name, out, options.progress);
        }
        case InputKind::Gguf: {
            GgufFile in(src);
            return write(plan_gguf_recast(in, options), kind_name, out, options.progress);
        }
        case InputKind::Safetensors:
            fail("{}: a lone safetensors file has no config.json: pass its checkpoint directory", src);
        case InputKind::Unknown:
            break;
    }
    fail("{}: not a Hugging Face checkpoint directory, llama2.c checkpoint or GGUF file", src);
}

HfExportSummary convert_to_hf(const std::string& src, const std::string& out_dir, const HfExportOptions& options) {
    refuse_overwriting(src, out_dir);
    if (detect_input_kind(src) == InputKind::Gguf) return export_gguf_to_hf(GgufFile(src), out_dir, options);
    ScratchPath scratch(".gguf");
    f32_gguf(src, scratch.path(), options.progress);
    HfExportOptions o = options;
    // float inputs keep their precision through the F32 scratch file only when asked for; default: F16
    if (!o.outtype) o.outtype = TensorType::F16;
    return export_gguf_to_hf(GgufFile(scratch.path()), out_dir, o);
}

Ct2ExportSummary convert_to_ctranslate2(const std::string& src, const std::string& out_dir, const Ct2ExportOptions& options) {
    refuse_overwriting(src, out_dir);
    const InputKind kind = detect_input_kind(src);
    if (kind == InputKind::Gguf) return export_gguf_to_ctranslate2(GgufFile(src), out_dir, options);
    ScratchPath scratch(".gguf");
    f32_gguf(src, scratch.path(), options.progress);
    // an AWQ checkpoint's linears go over as they are (CTranslate2 runs AWQ's layouts); GPTQ's are requantized
    if (kind == InputKind::HfDirectory) {
        const HfCheckpoint ck(src);
        const auto q = read_quantization_config(ck.config(), ck.dir());
        if (q && q->method == QuantMethod::Awq) return export_gguf_to_ctranslate2(GgufFile(scratch.path()), out_dir, options, &ck);
    }
    return export_gguf_to_ctranslate2(GgufFile(scratch.path()), out_dir, options);
}

}  // namespace qforge
