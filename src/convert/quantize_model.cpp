#include "convert/quantize_model.h"

#include <filesystem>

#include "convert/convert.h"
#include "convert/hf_to_gguf.h"
#include "convert/llama2c_to_gguf.h"
#include "core/error.h"
#include "core/scratch_path.h"
#include "formats/format_detect.h"

namespace qforge {
namespace {

// Where the output goes: one file, the input's shards (--keep-split) or gguf-split's cut of the output.
std::optional<ShardedOutput> output_shards(const QuantizePlan& q, const std::string& output, const QuantizeOptions& o,
                                           std::vector<std::string>& paths) {
    const std::string prefix = gguf::output_split_prefix(output);
    std::optional<ShardedOutput> shards;
    if (o.keep_split) {
        const int n = q.input_shard.empty() ? 1 : q.input_shard.back() + 1;
        if (n > 1) shards = ShardedOutput{prefix, q.input_shard, gguf::SplitKeyOrder::Quantize};
        else paths.push_back(gguf::split_path(prefix, 0, 1));  // llama-quantize names even a lone shard so
    } else if (o.split_limits) {
        std::vector<std::uint64_t> bytes;
        for (const auto& p : q.plan.tensors) bytes.push_back(p.out.nbytes());
        shards = ShardedOutput{prefix, gguf::assign_shards(bytes, *o.split_limits), gguf::SplitKeyOrder::GgufSplit};
    } else {
        paths.push_back(output);
    }
    if (shards) {
        const int n = shards->shard_of.empty() ? 1 : shards->shard_of.back() + 1;
        for (int i = 0; i < n; ++i) paths.push_back(gguf::split_path(prefix, i, n));
    }
    return shards;
}

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
    const auto shards = output_shards(q, output, o, s.outputs);
    write_gguf_plan(s.outputs.front(), q.plan.metadata, q.plan.tensors, o.progress, n_threads, shards ? &*shards : nullptr);
    return s;
}

}  // namespace

void check_output_split(const QuantizeOptions& o, const std::string& input) {
    if (o.keep_split && o.split_limits)
        fail("quantize: --keep-split follows the input's shards; it cannot be combined with --split-max-size or "
             "--split-max-tensors");
    if (o.keep_split && detect_input_kind(input) != InputKind::Gguf)
        fail("{}: --keep-split follows the shards of a GGUF input, and this is not one", input);
}

QuantizeSummary quantize_model(const std::string& input, const std::string& output, const QuantizeOptions& o,
                               int n_threads, const std::function<void(QuantizePlan&)>& before_write) {
    std::error_code ec;
    if (std::filesystem::exists(output, ec) && std::filesystem::equivalent(input, output, ec))
        fail("{}: output would overwrite the input", output);
    check_output_split(o, input);
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
        case InputKind::Ctranslate2Directory: {
            const ScratchPath scratch(".gguf");
            convert_to_gguf(input, scratch.path(), f32);
            const GgufFile in(scratch.path());
            return run(plan_quantize(in, o), output, o, n_threads, before_write);
        }
        case InputKind::Safetensors:
            fail("{}: a lone safetensors file has no config.json: pass its checkpoint directory", input);
        case InputKind::Unknown:
            break;
    }
    fail("{}: not a GGUF file, Hugging Face checkpoint directory, CTranslate2 directory or llama2.c checkpoint", input);
}

}  // namespace qforge
