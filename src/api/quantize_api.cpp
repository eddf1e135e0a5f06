// qforge::quantize (include/qforge/qforge.h): a GGUF type or mix, optionally calibrated (GPTQ/AWQ), or an
// AutoGPTQ/AutoAWQ checkpoint directory on an INTn grid.
#include "qforge/qforge.h"

#include <fstream>

#include <fmt/format.h>
#include <map>

#include "api/model_tokenizer.h"
#include "convert/budget_planning.h"
#include "convert/calibrated_gguf.h"
#include "convert/calibration_samples.h"
#include "convert/convert.h"
#include "convert/fp8_checkpoint_export.h"
#include "convert/hf_model_files.h"
#include "convert/mlx_export.h"
#include "convert/int_checkpoint_export.h"
#include "convert/quantize_model.h"
#include "core/error.h"
#include "core/scratch_path.h"
#include "formats/format_detect.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/hf/fp8_config.h"
#include "formats/hf/quantization_config.h"
#include "formats/imatrix/imatrix_data.h"
#include "formats/mlx_lm/mlx_config.h"
#include "model/llama_model.h"
#include "quant/plan/budget_plan.h"

namespace qforge {
namespace {

TensorType ggml_type_named(const std::string& name, const std::string& option) {
    const auto t = type_from_name(name);
    if (!t || !traits(*t).in_gguf) fail("quantize: {} '{}' is not a ggml tensor type (f16, q8_0, q6_K, ...)", option, name);
    return *t;
}

// The calibration text as the model's tokenizer cuts it into samples.
std::vector<std::vector<std::int32_t>> read_calibration(const LlamaModel& model, const std::string& model_path,
                                                        const QuantizeRequest& request) {
    const Tokenizer tok = model_tokenizer(model, model_path);
    std::ifstream in(request.calib, std::ios::binary);
    if (!in) fail("{}: cannot open", request.calib);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return calibration_samples(tok, text, {request.calib_ctx, request.calib_samples, request.seed}, request.calib);
}

// The methods run the model, which the engine maps from a GGUF: a checkpoint directory is converted to a
// scratch F32 GGUF first (removed when done).
struct CalibrationInput {
    std::unique_ptr<ScratchPath> scratch;
    std::string gguf;
};
CalibrationInput gguf_input(const std::string& input, bool progress) {
    CalibrationInput c;
    if (detect_input_kind(input) == InputKind::Gguf) {
        c.gguf = input;
        return c;
    }
    c.scratch = std::make_unique<ScratchPath>(".gguf");
    ConvertOptions f32;
    f32.outtype = TensorType::F32;
    f32.progress = progress;
    f32.dequantize_all = true;  // a GPTQ/AWQ checkpoint is requantized from the values its loaders compute
    convert_to_gguf(input, c.scratch->path(), f32);
    c.gguf = c.scratch->path();
    return c;
}

CalibratedGgufOptions calibration_options(const QuantizeRequest& request, const std::optional<IntGridOptions>& grid) {
    CalibratedGgufOptions co;
    co.method = request.method;
    co.damp = request.damp;
    co.awq_clip = request.awq_clip;
    co.include_output = !request.leave_output_tensor;
    co.progress = request.progress;
    co.int_grid = grid;
    return co;
}

void copy_calibration_report(const CalibratedGgufSummary& c, std::size_t samples, QuantizeResult& r) {
    r.gptq_tensors = c.gptq_tensors;
    r.calibrated_tensors = c.rounded_tensors;
    r.awq_scaled_groups = c.sequential.scaled_groups;
    r.calibrated_experts = c.sequential.calibrated_experts;
    r.experts_without_tokens = c.sequential.experts_without_tokens;
    r.calib_samples = static_cast<std::int64_t>(samples);
    r.layer_seconds = c.sequential.layer_seconds;
    r.calib_activation_bytes = c.sequential.activation_bytes;
    r.calib_hessian_bytes = c.sequential.hessian_bytes;
    r.calib_layer_weight_bytes = c.sequential.layer_weight_bytes;
    r.calib_forward_seconds = c.sequential.forward_seconds;
    r.calib_statistics_seconds = c.sequential.statistics_seconds;
    r.calib_awq_seconds = c.sequential.awq_seconds;
    r.calib_quantize_seconds = c.sequential.quantize_seconds;
    r.calib_quantize_flops = c.sequential.quantize_flops;
}

// The settings of the checkpoint --format asks for, refused up front where its layout cannot hold them.
QuantizationConfig checkpoint_config(const QuantizeRequest& request) {
    QuantizationConfig c;
    c.bits = request.bits == 0 ? 4 : request.bits;
    c.group_size = request.group_size;
    c.symmetric = request.symmetric;
    c.desc_act = request.act_order;
    c.damp_percent = request.damp;
    if (c.group_size != -1 && c.group_size < 1) fail("quantize: --group-size {}: expected a positive number of columns or -1", c.group_size);
    if (request.format == "awq") {
        c.method = QuantMethod::Awq;
        if (c.bits != 4) fail("quantize: --format awq: --bits {} (AutoAWQ's GEMM layout is 4-bit)", c.bits);
        if (c.symmetric) fail("quantize: --format awq: --sym (AutoAWQ's GEMM layout stores zero points; use --format gptq for a symmetric grid)");
        if (c.desc_act) fail("quantize: --format awq: --act-order (AutoAWQ's groups are contiguous columns; use --format gptq)");
        if (c.group_size == -1) fail("quantize: --format awq: --group-size -1 (AutoAWQ's GEMM layout takes groups, e.g. 128)");
    } else {
        c.method = QuantMethod::Gptq;
        if (c.bits != 2 && c.bits != 3 && c.bits != 4 && c.bits != 8)
            fail("quantize: --format gptq: --bits {} (AutoGPTQ packs 2, 3, 4 or 8 bits)", c.bits);
    }
    return c;
}

// config.json and the tokenizer files of the checkpoint a --format writes: a checkpoint's own, or written from
// a GGUF's metadata. Refuses an already quantized checkpoint.
HfModelFiles checkpoint_files(const QuantizeRequest& request) {
    const InputKind kind = detect_input_kind(request.input);
    if (kind != InputKind::HfDirectory && kind != InputKind::Gguf)
        fail("{}: --format {} writes a Hugging Face checkpoint; the input must be a checkpoint directory or a GGUF file",
             request.input, request.format);
    if (kind == InputKind::Gguf) return hf_model_files(GgufFile(request.input));
    const HfCheckpoint ck(request.input);
    if (const auto q = read_quantization_config(ck.config(), ck.dir()))
        fail("{}: already quantized ({}); quantize the float checkpoint", request.input, q->describe());
    if (const auto f = read_fp8_config(ck.config(), ck.dir()))
        fail("{}: already quantized ({}); quantize the float checkpoint", request.input, f->describe());
    return hf_model_files(ck);
}

// The model's plan with every linear rounded onto an INTn grid: by calibration (--method gptq|awq on --calib, which
// may rescale norms: the plan's tensors hold that) or to nearest; each layer's levels kept by GGUF name.
struct CalibratedIntLayers {
    CalibrationInput input;
    std::unique_ptr<GgufFile> gguf;
    QuantizePlan plan;
    std::map<std::string, IntLayer> layers;
    CalibratedGgufSummary summary;
    std::size_t samples = 0;
};

CalibratedIntLayers calibrate_int_layers(const QuantizeRequest& request, const IntGridOptions& grid) {
    if (request.method != "rtn" && request.calib.empty())
        fail("quantize: --method {} needs calibration text (--calib FILE)", request.method);
    if (request.method != "rtn" && request.method != "gptq" && request.method != "awq")
        fail("quantize: --method '{}' (rtn, gptq or awq)", request.method);
    CalibratedIntLayers c;
    c.input = gguf_input(request.input, false);
    c.gguf = std::make_unique<GgufFile>(c.input.gguf);
    QuantizeOptions o;
    o.type = "F32";
    o.progress = false;
    c.plan = plan_quantize(*c.gguf, o);
    CalibratedGgufOptions co = calibration_options(request, grid);
    co.on_int_layer = [&c, grid](const std::string& name, std::int64_t expert, const GptqResult& r, std::int64_t rows, std::int64_t cols) {
        c.layers[int_layer_key(name, expert)] = int_layer_from_result(r, rows, cols, grid.bits, grid.group_size);
    };
    std::unique_ptr<ThreadPool> pool = std::make_unique<ThreadPool>(request.threads);
    std::unique_ptr<LlamaModel> model;
    std::vector<std::vector<std::int32_t>> samples;
    if (request.method != "rtn") {
        model = std::make_unique<LlamaModel>(c.input.gguf);
        samples = read_calibration(*model, request.input, request);
    }
    c.summary = calibrate_plan(c.plan, model.get(), samples, co, *pool);
    c.samples = samples.size();
    return c;
}

QuantizeResult quantize_to_checkpoint(const QuantizeRequest& request) {
    const QuantizationConfig qc = checkpoint_config(request);
    if (!request.imatrix.empty() || !request.tensor_types.empty() || !request.output_tensor_type.empty() ||
        !request.token_embedding_type.empty() || request.pure)
        fail("quantize: --format {} writes the INTn grid of --bits; --imatrix, --pure, --tensor-type, --output-tensor-type "
             "and --token-embedding-type choose GGUF types", request.format);
    if (request.keep_split || !request.split_max_size.empty() || request.split_max_tensors != 0 || request.no_tensor_first_split)
        fail("quantize: --format {} shards its safetensors by --max-shard-size; --keep-split, --split-max-size, "
             "--split-max-tensors and --no-tensor-first-split shard GGUF output", request.format);
    const HfModelFiles source = checkpoint_files(request);
    IntGridOptions grid{qc.bits, qc.group_size, qc.symmetric, qc.desc_act, qc.method == QuantMethod::Gptq && !qc.symmetric ? 1 : 0};
    CalibratedIntLayers c = calibrate_int_layers(request, grid);
    const QuantizePlan& plan = c.plan;
    const std::map<std::string, IntLayer>& layers = c.layers;
    const IntCheckpointSummary written = write_int_checkpoint(request.output, plan.plan, layers, source, qc, request.max_shard_bytes);

    QuantizeResult r;
    copy_calibration_report(c.summary, c.samples, r);
    r.tensors = written.tensors;
    r.quantized = written.quantized_layers;
    std::uint64_t elements = 0;
    for (const auto& p : plan.plan.tensors) {
        if (p.out.name == "rope_freqs.weight") continue;
        std::uint64_t n = 1;
        for (auto d : p.out.ne) n *= static_cast<std::uint64_t>(d);
        elements += n;
    }
    r.bytes_before = elements * 4;
    r.bytes_after = written.bytes;
    r.int_checkpoint_bytes = written.bytes;
    const auto e = static_cast<double>(std::max<std::uint64_t>(elements, 1));
    r.bpw_before = 32.0;
    r.bpw_after = 8.0 * static_cast<double>(r.bytes_after) / e;
    r.int_checkpoint_bpw = r.bpw_after;
    return r;
}


// A checkpoint's summary: sizes against the F32 model of `parameters` weights.
void fill_checkpoint_result(QuantizeResult& r, std::size_t tensors, std::size_t quantized, std::uint64_t parameters, std::uint64_t bytes,
                            const std::string& output) {
    r.tensors = tensors;
    r.quantized = quantized;
    r.bytes_before = parameters * 4;
    r.bytes_after = bytes;
    r.bpw_before = 32.0;
    r.bpw_after = 8.0 * static_cast<double>(bytes) / static_cast<double>(std::max<std::uint64_t>(parameters, 1));
    r.outputs = {output};
}

QuantizeResult quantize_to_mlx(const QuantizeRequest& request) {
    if (!request.type.empty() || !request.imatrix.empty() || !request.tensor_types.empty() || request.pure || request.symmetric ||
        request.act_order || request.target_bpw > 0 || !request.target_size.empty())
        fail("quantize: --format mlx writes MLX's affine grid of --bits and --group-size; TYPE, --imatrix, --pure, --tensor-type, --sym, "
             "--act-order and budgets do not apply");
    if (request.keep_split || !request.split_max_size.empty() || request.split_max_tensors != 0)
        fail("quantize: --format mlx shards its safetensors by --max-shard-size");
    MlxExportOptions mo;
    mo.grid.bits = request.bits == 0 ? 4 : request.bits;
    mo.grid.group_size = request.group_size;
    mo.predicate = request.quant_predicate;
    mo.max_shard_bytes = request.max_shard_bytes;
    mo.progress = request.progress;
    if (!mlx_bits_supported(mo.grid.bits)) fail("quantize: --format mlx: --bits {} (MLX takes 2, 3, 4, 5, 6 or 8)", mo.grid.bits);
    if (!mlx_group_supported(mo.grid.group_size)) fail("quantize: --format mlx: --group-size {} (MLX takes 32, 64 or 128)", mo.grid.group_size);
    if (!mo.predicate.empty() && request.method != "rtn")
        fail("quantize: --quant-predicate mixes bit widths; calibration (--method {}) runs on one grid: use --method rtn", request.method);
    const HfModelFiles files = checkpoint_files(request);
    QuantizeResult r;
    MlxExportSummary s;
    if (request.method == "rtn") {  // MLX's own rounding
        const CalibrationInput input = gguf_input(request.input, request.progress);
        const GgufFile model(input.gguf);
        s = write_mlx_checkpoint(request.output, model.tensors(), model.path(), files, mo);
    } else {  // GPTQ / AWQ on MLX's grid: groups of contiguous columns, a zero point per group (bias = -scale * zero)
        CalibratedIntLayers c = calibrate_int_layers(request, IntGridOptions{mo.grid.bits, mo.grid.group_size, false, false, 0});
        std::vector<TensorView> tensors;
        for (const PlannedTensor& p : c.plan.plan.tensors) {
            const TensorType type = p.src != nullptr ? p.src->type : p.out.type;
            const std::uint8_t* bytes = p.src != nullptr ? p.src->data.data() : p.generated.data();
            tensors.push_back({p.out.name, type, p.out.ne, {bytes, static_cast<std::size_t>(p.out.nbytes())}});
        }
        s = write_mlx_checkpoint(request.output, tensors, request.input, files, mo, c.layers);
        copy_calibration_report(c.summary, c.samples, r);
    }
    fill_checkpoint_result(r, s.tensors, s.quantized, s.parameters, s.bytes, request.output);
    return r;
}

QuantizeResult quantize_to_fp8(const QuantizeRequest& request) {
    Fp8Config fc;
    if (request.fp8_scheme == "channel") fc.scheme = Fp8Scheme::Channel;
    else if (request.fp8_scheme == "tensor") fc.scheme = Fp8Scheme::Tensor;
    else if (request.fp8_scheme == "block") fc.scheme = Fp8Scheme::Block;
    else fail("quantize: --fp8-scheme '{}' (channel, tensor or block)", request.fp8_scheme);
    fc.compressed_tensors = fc.scheme == Fp8Scheme::Channel;  // vLLM's fp8 method takes one scale per tensor or blocks
    if (!request.type.empty() || request.bits != 0 || !request.imatrix.empty() || !request.tensor_types.empty() || request.pure ||
        request.method != "rtn" || request.target_bpw > 0 || !request.target_size.empty())
        fail("quantize: --format fp8 rounds every linear to E4M3 with its scales; TYPE, --bits, --imatrix, --pure, --tensor-type, "
             "--method and budgets do not apply");
    if (request.keep_split || !request.split_max_size.empty() || request.split_max_tensors != 0)
        fail("quantize: --format fp8 shards its safetensors by --max-shard-size");
    const HfModelFiles files = checkpoint_files(request);
    const CalibrationInput input = gguf_input(request.input, request.progress);
    const GgufFile model(input.gguf);
    const Fp8CheckpointSummary s = write_fp8_checkpoint(request.output, model, files, fc, request.max_shard_bytes, request.progress);
    QuantizeResult r;
    fill_checkpoint_result(r, s.tensors, s.quantized_layers, s.parameters, s.bytes, request.output);
    return r;
}

void check_budget_request(const QuantizeRequest& request) {
    if (!request.type.empty())
        fail("quantize: --target-bpw/--target-size choose every tensor's type; drop TYPE '{}'", request.type);
    if (request.target_bpw > 0 && !request.target_size.empty()) fail("quantize: give --target-bpw or --target-size, not both");
    if (request.bits != 0) fail("quantize: --bits puts every linear on one INTn grid; a budget plan chooses GGUF types");
    if (request.method == "awq") fail("quantize: a budget plan is quantized with --method rtn or gptq");
    if (request.pure) fail("quantize: --pure and a budget plan both decide every tensor's type");
    if (request.budget_samples < 1) fail("quantize: --budget-samples {}: expected at least 1", request.budget_samples);
}

struct BudgetOutcome {
    std::vector<QuantizeBudgetTensor> tensors;
    double estimated_cost = 0.0;
    bool measured_kld = false;
    std::uint64_t tensor_bytes = 0;
};

// Plans every tensor's type to the request's budget and sets the options to write that plan.
BudgetOutcome plan_budget(const QuantizeRequest& request, const std::string& gguf, const LlamaModel* model, QuantizeOptions& o,
                          ThreadPool& pool) {
    BudgetPlanningOptions bo;
    if (request.target_bpw > 0) {
        if (request.target_bpw > 32) fail("quantize: --target-bpw {}: expected bits per weight up to 32", request.target_bpw);
        bo.target.bpw = request.target_bpw;
        bo.target.text = fmt::format("{} bpw", request.target_bpw);
    } else {
        bo.target.file_bytes = parse_byte_size(request.target_size);
        if (!bo.target.file_bytes)
            fail("quantize: --target-size '{}': expected a size such as 3.2GiB, 3200MB or a number of bytes", request.target_size);
        bo.target.text = request.target_size;
    }
    for (const auto& name : request.budget_types) bo.candidates.push_back(ggml_type_named(name, "--budget-types"));
    bo.quantize_output = !request.leave_output_tensor;
    bo.progress = request.progress;
    bo.calib_name = request.calib;
    std::vector<std::vector<std::int32_t>> probe_samples;
    if (model != nullptr) {
        QuantizeRequest probe = request;
        probe.calib_samples = request.budget_samples;
        probe_samples = read_calibration(*model, request.input, probe);
    }
    const GgufFile in(gguf);
    const BudgetPlan plan = plan_to_budget(in, o.imatrix.get(), model, probe_samples, bo, pool);
    apply_budget_plan(plan, bo, o);
    BudgetOutcome out;
    for (const auto& t : plan.tensors)
        out.tensors.push_back({t.name, std::string(type_name(t.type)), t.elements, t.bytes, t.cost, t.probe_kld,
                               t.probe_kld < 0 ? std::string() : std::string(type_name(t.probe_type))});
    out.estimated_cost = plan.estimated_cost;
    out.measured_kld = plan.measured_kld;
    out.tensor_bytes = plan.budget_tensor_bytes;
    return out;
}

}  // namespace

QuantizeResult quantize(const QuantizeRequest& request) {
    if (request.format == "gptq" || request.format == "awq") return quantize_to_checkpoint(request);
    if (request.format == "fp8") return quantize_to_fp8(request);
    if (request.format == "mlx") return quantize_to_mlx(request);
    if (request.format != "gguf") fail("quantize: --format '{}' (gguf, gptq, awq, fp8 or mlx)", request.format);
    const bool budget = request.target_bpw > 0 || !request.target_size.empty();
    if (budget) check_budget_request(request);
    else if (request.type.empty()) fail("quantize: a GGUF output needs TYPE (F16, Q4_0, Q4_K_M, ...) or a budget (--target-bpw, --target-size)");
    QuantizeOptions o;
    o.type = request.type;
    o.pure = request.pure;
    o.allow_requantize = request.allow_requantize;
    o.leave_output_tensor = request.leave_output_tensor;
    o.progress = request.progress;
    if (!request.output_tensor_type.empty())
        o.output_tensor_type = ggml_type_named(request.output_tensor_type, "--output-tensor-type");
    if (!request.token_embedding_type.empty())
        o.token_embedding_type = ggml_type_named(request.token_embedding_type, "--token-embedding-type");
    for (const auto& spec : request.tensor_types) {
        const auto eq = spec.rfind('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
            fail("quantize: --tensor-type '{}': expected REGEX=TYPE (e.g. attn_v=q8_0)", spec);
        o.tensor_types.push_back({spec.substr(0, eq), ggml_type_named(spec.substr(eq + 1), "--tensor-type")});
    }
    if (!request.imatrix.empty()) {
        o.imatrix = std::make_shared<const Imatrix>(read_imatrix(request.imatrix));
        o.imatrix_path = request.imatrix;
    } else if (!request.include_weights.empty() || !request.exclude_weights.empty()) {
        fail("quantize: --include-weights and --exclude-weights select entries of --imatrix, which is not given");
    }
    o.imatrix = select_imatrix_entries(o.imatrix, request.include_weights, request.exclude_weights);
    for (const auto& spec : request.kv_overrides) o.kv_overrides.push_back(parse_kv_override(spec));
    o.keep_split = request.keep_split;
    if (!request.split_max_size.empty() && request.split_max_tensors > 0)
        fail("quantize: --split-max-size and --split-max-tensors cut the output in two different ways: give one");
    if (!request.split_max_size.empty() || request.split_max_tensors != 0) {
        gguf::SplitLimits limits;
        if (!request.split_max_size.empty()) limits.max_bytes = gguf::parse_split_size(request.split_max_size);
        else limits.max_tensors = request.split_max_tensors;
        if (limits.max_bytes == 0 && limits.max_tensors <= 0)
            fail("quantize: --split-max-tensors {}: expected at least 1", request.split_max_tensors);
        limits.no_tensor_first_split = request.no_tensor_first_split;
        o.split_limits = limits;
    } else if (request.no_tensor_first_split) {
        fail("quantize: --no-tensor-first-split applies to an output cut by --split-max-size or --split-max-tensors");
    }
    check_output_split(o, request.input);  // before any planning or calibration (their input may be a scratch GGUF)
    std::function<void(QuantizePlan&)> before_write;
    CalibratedGgufSummary calibrated;
    std::unique_ptr<LlamaModel> model;
    std::vector<std::vector<std::int32_t>> samples;
    std::unique_ptr<ThreadPool> pool;
    CalibrationInput input{nullptr, request.input};
    std::optional<QuantizationConfig> requantized;
    if (detect_input_kind(request.input) == InputKind::HfDirectory) {
        const HfCheckpoint ck(request.input);
        requantized = read_quantization_config(ck.config(), ck.dir());
        if (requantized) input = gguf_input(request.input, request.progress);
    }
    BudgetOutcome planned;
    if (budget) {
        if (!input.scratch && detect_input_kind(request.input) != InputKind::Gguf) input = gguf_input(request.input, request.progress);
        pool = std::make_unique<ThreadPool>(request.threads);
        if (!request.calib.empty()) model = std::make_unique<LlamaModel>(input.gguf);
        planned = plan_budget(request, input.gguf, model.get(), o, *pool);
    }
    std::optional<IntGridOptions> int_grid;
    IntCheckpointSize int_size;
    if (request.bits != 0) int_grid = IntGridOptions{request.bits, request.group_size, request.symmetric, request.act_order};
    else if (request.act_order || request.symmetric)
        fail("quantize: --act-order and --sym apply to the INTn grid of --bits");
    if (request.method == "rtn" && int_grid) {
        if (!input.scratch) input = gguf_input(request.input, request.progress);  // rows in llama.cpp's order before they are rounded
        before_write = [&](QuantizePlan& q) {
            ThreadPool none(1);
            calibrated = calibrate_plan(q, nullptr, {}, calibration_options(request, int_grid), none);
            int_size = int_checkpoint_size(q, *int_grid);
        };
    } else if (request.method == "gptq" || request.method == "awq") {
        if (request.calib.empty()) fail("quantize: --method {} needs calibration text (--calib FILE)", request.method);
        if (!input.scratch && !model) input = gguf_input(request.input, request.progress);
        if (!model) model = std::make_unique<LlamaModel>(input.gguf);
        samples = read_calibration(*model, request.input, request);
        if (!pool) pool = std::make_unique<ThreadPool>(request.threads);
        before_write = [&](QuantizePlan& q) {
            calibrated = calibrate_plan(q, model.get(), samples, calibration_options(request, int_grid), *pool);
            if (int_grid) int_size = int_checkpoint_size(q, *int_grid);
        };
    } else if (request.method != "rtn") {
        fail("quantize: --method '{}' (rtn, gptq or awq)", request.method);
    }
    const QuantizeSummary s = quantize_model(input.gguf, request.output, o, request.threads, before_write);
    QuantizeResult r;
    copy_calibration_report(calibrated, samples.size(), r);
    r.int_checkpoint_bytes = int_size.bytes;
    r.int_checkpoint_bpw = int_size.elements == 0 ? 0.0 : 8.0 * static_cast<double>(int_size.bytes) / static_cast<double>(int_size.elements);
    r.tensors = s.tensors;
    r.quantized = s.quantized;
    r.bytes_before = s.bytes_before;
    r.bytes_after = s.bytes_after;
    r.fallbacks = s.fallbacks;
    r.warnings = s.warnings;
    r.outputs = s.outputs;
    if (requantized)
        r.warnings.insert(r.warnings.begin(), fmt::format("{}: the {} layers were dequantized and requantized to {}",
                                                          request.input, requantized->describe(), request.type));
    r.budget_tensors = std::move(planned.tensors);
    r.budget_estimated_cost = planned.estimated_cost;
    r.budget_measured_kld = planned.measured_kld;
    r.budget_tensor_bytes = planned.tensor_bytes;
    const auto elements = static_cast<double>(std::max<std::uint64_t>(s.elements, 1));
    r.bpw_before = 8.0 * static_cast<double>(r.bytes_before) / elements;
    r.bpw_after = 8.0 * static_cast<double>(r.bytes_after) / elements;
    return r;
}

}  // namespace qforge
