#include "convert/quantize_model.h"

#include <filesystem>

#include "convert/hf_to_gguf.h"
#include "convert/llama2c_to_gguf.h"
#include "core/error.h"
#include "formats/format_detect.h"

namespace qforge {
namespace {

QuantizeSummary run(QuantizePlan q, const std::string& output, const QuantizeOptions& o, int n_threads,
                    const std::function<void(QuantizePlan&)>& before_write) {
    QuantizeSummary s;
    s.tensors = q.plan.tensors.size();
    s.fallbacks = q.fallbacks;
    s.warnings = q.warnings;
    for (const auto& p : q.plan.tensors) {
        const std::uint64_t n = static_cast<std::uint64_t>(p.src != nullptr ? p.src->n_elements() : 0);
        s.elements += n;
        s.bytes_before += p.src != nullptr ? p.src->data.size() : p.generated.size();
        s.bytes_after += p.out.nbytes();
        if (p.src != nullptr && p.out.type != p.src->type) ++s.quantized;
    }
    if (before_write) before_write(q);
    write_gguf_plan(output, q.plan.metadata, q.plan.tensors, o.progress, n_threads);
    return s;
}

}  // namespace

QuantizeSummary quantize_model(const std::string& input, const std::string& output, const QuantizeOptions& o,
                               int n_threads, const std::function<void(QuantizePlan&)>& before_write) {
    std::error_code ec;
    if (std::filesystem::exists(output, ec) && std::filesystem::equivalent(input, output, ec))
        fail("{}: output would overwrite the input", output);
    ConvertOptions f32;
    f32.outtype = TensorType::F32;
    f32.progress = false;
    switch (detect_input_kind(input)) {
        case InputKind::Gguf: {
            const GgufFile in(input);
            return run(plan_quantize(in, o), output, o, n_threads, before_write);
        }
        case InputKind::HfDirectory: {
            const HfCheckpoint ck(input);
            return run(plan_quantize(plan_hf_to_gguf(ck, f32), input, o), output, o, n_threads, before_write);
        }
        case InputKind::Llama2c: {
            const Llama2cCheckpoint ck(input);
            return run(plan_quantize(plan_llama2c_to_gguf(ck, f32), input, o), output, o, n_threads, before_write);
        }
        case InputKind::Safetensors:
            fail("{}: a lone safetensors file has no config.json: pass its checkpoint directory", input);
        case InputKind::Unknown:
            break;
    }
    fail("{}: not a GGUF file, Hugging Face checkpoint directory or llama2.c checkpoint", input);
}

}  // namespace qforge
