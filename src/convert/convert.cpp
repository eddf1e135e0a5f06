#include "convert/convert.h"

#include <filesystem>

#include "convert/gguf_recast.h"
#include "convert/hf_to_gguf.h"
#include "convert/llama2c_to_gguf.h"
#include "core/error.h"
#include "formats/format_detect.h"

namespace qforge {
namespace {

ConvertSummary write(const GgufPlan& plan, const std::string& kind, const std::string& out, bool progress) {
    write_gguf_plan(out, plan.metadata, plan.tensors, progress);
    const auto totals = plan_totals(plan.tensors);
    return {kind, plan.tensors.size(), totals.parameters, totals.bytes, plan.imported};
}

}  // namespace

ConvertSummary convert_to_gguf(const std::string& src, const std::string& out, const ConvertOptions& options) {
    file_type_for(options.outtype);  // rejects unsupported output types before any work
    std::error_code ec;
    if (std::filesystem::exists(src, ec) && std::filesystem::exists(out, ec) &&
        std::filesystem::equivalent(src, out, ec))
        fail("{}: output would overwrite the input", out);
    const InputKind kind = detect_input_kind(src);
    const std::string kind_name(input_kind_name(kind));
    switch (kind) {
        case InputKind::HfDirectory: {
            HfCheckpoint ck(src);
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

}  // namespace qforge
