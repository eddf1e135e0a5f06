// The public API (include/qforge/qforge.h) in terms of the library's layers.
#include "qforge/qforge.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "convert/convert.h"
#include "convert/calibrated_gguf.h"
#include "convert/calibration_samples.h"
#include "convert/quantize_model.h"
#include "core/error.h"
#include "eval/advise/advisor.h"
#include "eval/imatrix_compute.h"
#include "eval/kl_divergence.h"
#include "eval/mc_tasks.h"
#include "eval/multiple_choice.h"
#include "eval/perplexity.h"
#include "eval/report/quality_report.h"
#include "eval/speed_bench.h"
#include "formats/format_detect.h"
#include "formats/gguf/gguf_file.h"
#include "formats/imatrix/imatrix_data.h"
#include "formats/inventory.h"
#include "formats/inventory_json.h"
#include "model/llama_model.h"
#include "quant/kernels/vec_dot.h"
#include "runtime/generator.h"
#include "tokenizer/tokenizer.h"

namespace qforge {

ConvertResult convert(const ConvertRequest& request) {
    ConvertOptions options;
    const auto type = type_from_name(request.outtype);
    if (!type) fail("unknown --outtype '{}' (expected f32, f16 or bf16)", request.outtype);
    options.outtype = *type;
    if (!request.vocab.empty()) options.vocab_path = request.vocab;
    if (!request.tokenizer_pre.empty()) options.tokenizer_pre = request.tokenizer_pre;
    options.progress = request.progress;
    const ConvertSummary s = convert_to_gguf(request.source, request.output, options);
    return {s.input_kind, s.tensors, s.parameters, s.bytes};
}

namespace {

Tokenizer model_tokenizer(const LlamaModel& model, const std::string& path) {
    Tokenizer tok = Tokenizer::from_gguf(model.file().metadata(), path);
    if (static_cast<std::int64_t>(tok.size()) != model.hparams().n_vocab)
        fail("{}: the tokenizer has {} tokens but token_embd.weight has {} rows", path, tok.size(),
             model.hparams().n_vocab);
    return tok;
}

TensorType ggml_type_named(const std::string& name, const std::string& option) {
    const auto t = type_from_name(name);
    if (!t || !traits(*t).in_gguf) fail("quantize: {} '{}' is not a ggml tensor type (f16, q8_0, q6_K, ...)", option, name);
    return *t;
}

}  // namespace

QuantizeResult quantize(const QuantizeRequest& request) {
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
    }
    std::function<void(QuantizePlan&)> before_write;
    CalibratedGgufSummary calibrated;
    std::unique_ptr<LlamaModel> model;
    std::vector<std::vector<std::int32_t>> samples;
    std::unique_ptr<ThreadPool> pool;
    if (request.format != "gguf")
        fail("quantize: --format {}: writing AutoGPTQ/AutoAWQ checkpoint directories is not implemented yet (GGUF only)",
             request.format);
    std::optional<IntGridOptions> int_grid;
    IntCheckpointSize int_size;
    if (request.bits != 0) int_grid = IntGridOptions{request.bits, request.group_size, request.symmetric, request.act_order};
    else if (request.act_order || request.symmetric)
        fail("quantize: --act-order and --sym apply to the INTn grid of --bits");
    if (request.method == "rtn" && int_grid) {
        before_write = [&](QuantizePlan& q) {
            CalibratedGgufOptions co;
            co.method = "rtn";
            co.int_grid = int_grid;
            ThreadPool none(1);
            calibrated = calibrate_plan(q, nullptr, {}, co, none);
            int_size = int_checkpoint_size(q, *int_grid);
        };
    } else if (request.method == "gptq" || request.method == "awq") {
        if (request.calib.empty()) fail("quantize: --method {} needs calibration text (--calib FILE)", request.method);
        if (detect_input_kind(request.input) != InputKind::Gguf)
            fail("{}: --method {} runs the model, so it needs a GGUF input (convert the checkpoint first)", request.input,
                 request.method);
        model = std::make_unique<LlamaModel>(request.input);
        const Tokenizer tok = model_tokenizer(*model, request.input);
        std::ifstream in(request.calib, std::ios::binary);
        if (!in) fail("{}: cannot open", request.calib);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        samples = calibration_samples(tok, text, {request.calib_ctx, request.calib_samples, request.seed}, request.calib);
        pool = std::make_unique<ThreadPool>(request.threads);
        before_write = [&](QuantizePlan& q) {
            CalibratedGgufOptions co;
            co.method = request.method;
            co.damp = request.damp;
            co.awq_clip = request.awq_clip;
            co.include_output = !request.leave_output_tensor;
            co.progress = request.progress;
            co.int_grid = int_grid;
            calibrated = calibrate_plan(q, model.get(), samples, co, *pool);
            if (int_grid) int_size = int_checkpoint_size(q, *int_grid);
        };
    } else if (request.method != "rtn") {
        fail("quantize: --method '{}' (rtn, gptq or awq)", request.method);
    }
    const QuantizeSummary s = quantize_model(request.input, request.output, o, request.threads, before_write);
    QuantizeResult r;
    r.gptq_tensors = calibrated.gptq_tensors;
    r.calibrated_tensors = calibrated.rounded_tensors;
    r.awq_scaled_groups = calibrated.sequential.scaled_groups;
    r.calib_samples = static_cast<std::int64_t>(samples.size());
    r.layer_seconds = calibrated.sequential.layer_seconds;
    r.calib_activation_bytes = calibrated.sequential.activation_bytes;
    r.calib_hessian_bytes = calibrated.sequential.hessian_bytes;
    r.calib_layer_weight_bytes = calibrated.sequential.layer_weight_bytes;
    r.int_checkpoint_bytes = int_size.bytes;
    r.int_checkpoint_bpw = int_size.elements == 0 ? 0.0 : 8.0 * static_cast<double>(int_size.bytes) / static_cast<double>(int_size.elements);
    r.tensors = s.tensors;
    r.quantized = s.quantized;
    r.bytes_before = s.bytes_before;
    r.bytes_after = s.bytes_after;
    r.fallbacks = s.fallbacks;
    r.warnings = s.warnings;
    const auto elements = static_cast<double>(std::max<std::uint64_t>(s.elements, 1));
    r.bpw_before = 8.0 * static_cast<double>(r.bytes_before) / elements;
    r.bpw_after = 8.0 * static_cast<double>(r.bytes_after) / elements;
    return r;
}

ModelSummary inspect(const std::string& path) {
    const Inventory inv = take_inventory(path);
    ModelSummary m;
    m.path = inv.path;
    m.format = inv.format;
    for (const auto& e : inv.metadata) m.metadata.emplace_back(e.key, e.type + " " + e.display);
    for (const auto& t : inv.tensors) m.tensors.push_back({t.name, std::string(type_name(t.type)), t.ne, t.bytes});
    m.total_elements = inv.total_elements;
    m.total_bytes = inv.total_bytes;
    m.bits_per_weight = inv.bits_per_weight();
    return m;
}

std::string inspect_json(const std::string& path) {
    return inventory_to_json(take_inventory(path)).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

TokenizeResult tokenize(const TokenizeRequest& request) {
    GgufFile model(request.model);
    const Tokenizer tok = Tokenizer::from_gguf(model.metadata(), model.path());
    TokenizeResult r;
    r.ids = tok.encode(request.text, request.add_special, request.parse_special);
    for (auto id : r.ids) r.pieces.push_back(tok.piece(id, true));
    return r;
}

PerplexityReport perplexity(const PerplexityRequest& request) {
    const LlamaModel model(request.model);
    const Tokenizer tok = model_tokenizer(model, request.model);
    ThreadPool pool(request.threads);
    PerplexityOptions o;
    o.n_ctx = request.n_ctx;
    o.n_chunks = request.n_chunks;
    o.n_batch = request.n_batch;
    o.allow_beyond_training_context = request.allow_beyond_training_context;
    o.on_chunk = request.on_chunk;
    o.kl_base_path = request.kl_divergence_base;
    const PerplexityResult r = compute_perplexity(model, tok, request.text, o, pool);
    return {r.ppl, r.ppl_error, r.n_chunks, r.n_scored};
}

namespace {

std::map<std::string, double> report_klds(const std::string& path) {
    std::ifstream in(path);
    if (!in) fail("{}: cannot open", path);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("cells") || !j["cells"].is_array())
        fail("{}: not a qforge report (expected an object with a \"cells\" array)", path);
    std::map<std::string, double> kld;
    for (const auto& c : j["cells"]) {
        if (!c.is_object() || !c.contains("type") || !c["type"].is_string() || !c.contains("kld") || !c["kld"].is_number())
            continue;
        const std::string type = c["type"].get<std::string>();
        const double v = c["kld"].get<double>();
        if (!kld.contains(type) || v < kld[type]) kld[type] = v;  // the best method measured for that type
    }
    return kld;
}

}  // namespace

AdviseReport advise(const AdviseRequest& r) {
    if (r.model.empty() == r.params.empty()) fail("advise: give either --model PATH or --params COUNT");
    ModelShape shape;
    if (!r.model.empty()) {
        shape = shape_from_model(r.model);
    } else {
        ShapeOverrides ov;
        if (r.layers > 0) ov.layers = r.layers;
        if (r.hidden > 0) ov.hidden = r.hidden;
        if (r.kv_heads > 0) ov.kv_heads = r.kv_heads;
        shape = shape_from_parameters(parse_parameter_count(r.params), ov);
    }
    AdviseOptions o;
    o.device = r.device;
    o.gpu_arch = r.gpu_arch;
    if (!r.memory.empty()) o.memory_bytes = parse_memory_size(r.memory);
    o.context = r.context;
    o.batch = r.batch;
    if (r.bandwidth_gbs > 0) o.bandwidth_gbs = r.bandwidth_gbs;
    o.priority = r.priority;
    if (!r.report.empty()) o.measured_kld = report_klds(r.report);
    const Advice a = qforge::advise(shape, o);
    AdviseReport out;
    out.source = a.shape.source;
    out.parameters = a.shape.parameters;
    out.layers = a.shape.layers;
    out.hidden = a.shape.hidden;
    out.heads = a.shape.heads;
    out.kv_heads = a.shape.kv_heads;
    out.head_dim = a.shape.head_dim;
    out.device = a.device;
    out.bandwidth_source = a.bandwidth_source;
    out.bandwidth_gbs = a.bandwidth_gbs;
    out.memory_bytes = a.memory_bytes.value_or(0);
    out.context = a.context;
    out.batch = a.batch;
    for (const auto& f : a.formats)
        out.rows.push_back({f.size.name, f.size.family, f.size.bits_per_weight, static_cast<double>(f.size.weight_bytes),
                            f.kv_bytes, f.overhead_bytes, f.total_bytes, f.fits, f.decode_tps,
                            f.measured_kld.value_or(-1.0)});
    out.recommended = a.recommended;
    out.reason = a.reason;
    return out;
}

ReportFiles report(const ReportRequest& r) {
    ReportOptions o;
    o.base = r.base;
    o.types = r.types;
    o.methods = r.methods;
    o.eval_path = r.eval_file;
    o.calib_path = r.calib_file;
    o.out_dir = r.out_dir;
    o.n_ctx = r.n_ctx;
    o.chunks = r.chunks;
    o.bench_prompt = r.bench_prompt;
    o.bench_gen = r.bench_gen;
    o.threads = r.threads;
    o.progress = r.on_progress;
    const ReportSummary s = run_quality_report(o);
    return {s.markdown_path, s.json_path, s.svg_path, s.cells.size(), s.reused};
}

BenchReport bench(const BenchRequest& request) {
    const SpeedResult r = measure_speed(request.model, {request.n_prompt, request.n_gen, request.repetitions, request.threads});
    BenchReport b;
    b.model = r.model;
    b.kernels = std::string(vec_dot_isa());
    b.size_bytes = r.size_bytes;
    b.parameters = r.parameters;
    b.bits_per_weight = r.bits_per_weight;
    b.load_ms = r.load_ms;
    b.threads = r.threads;
    b.n_prompt = r.n_prompt;
    b.n_gen = r.n_gen;
    b.repetitions = r.repetitions;
    b.pp_tps = r.pp_tps;
    b.pp_tps_sd = r.pp_tps_sd;
    b.tg_tps = r.tg_tps;
    b.tg_tps_sd = r.tg_tps_sd;
    b.peak_rss_mib = r.peak_rss_mib;
    return b;
}

EvalReport evaluate(const EvalRequest& request) {
    std::vector<McTask> tasks;
    if (request.task == "hellaswag") tasks = parse_hellaswag_text(request.data, request.data_name);
    else if (request.task == "arc" || request.task == "truthfulqa-mc1" || request.task == "mc")
        tasks = parse_mc_jsonl(request.data, request.data_name);
    else fail("eval: unknown task '{}' (hellaswag, arc, truthfulqa-mc1, mc)", request.task);
    const LlamaModel model(request.model);
    const Tokenizer tok = model_tokenizer(model, request.model);
    ThreadPool pool(request.threads);
    McOptions o;
    o.limit = request.limit;
    o.randomize = request.randomize;
    o.allow_beyond_training_context = request.allow_beyond_training_context;
    o.on_task = request.on_task;
    const McResult r = score_multiple_choice(model, tok, tasks, o, pool);
    return {r.tasks, r.acc, r.acc_stderr, r.acc_norm, r.acc_norm_stderr};
}

ImatrixReport imatrix(const ImatrixRequest& request) {
    ImatrixFormat format;
    if (request.format == "dat") format = ImatrixFormat::Dat;
    else if (request.format == "gguf") format = ImatrixFormat::Gguf;
    else fail("imatrix: --format '{}' (expected dat or gguf)", request.format);
    const LlamaModel model(request.model);
    const Tokenizer tok = model_tokenizer(model, request.model);
    ThreadPool pool(request.threads);
    ImatrixComputeOptions o;
    o.pass.n_ctx = request.n_ctx;
    o.pass.n_chunks = request.n_chunks;
    o.pass.n_batch = request.n_batch;
    o.pass.allow_beyond_training_context = request.allow_beyond_training_context;
    o.pass.on_chunk = request.on_chunk;
    o.collect.process_output = request.process_output;
    o.dataset = request.dataset;
    const ImatrixComputeResult r = compute_imatrix(model, tok, request.text, o, pool);
    write_imatrix(request.output, r.imatrix, format);
    return {r.perplexity.ppl, r.perplexity.ppl_error, r.perplexity.n_chunks, r.imatrix.entries.size()};
}

KlDivergenceReport kl_divergence(const KlDivergenceRequest& request) {
    const LlamaModel model(request.model);
    const Tokenizer tok = model_tokenizer(model, request.model);
    const LogitsFileReader base(request.base_file);
    ThreadPool pool(request.threads);
    const KldSummary s = compute_kl_divergence(model, tok, base, pool, request.on_line ? request.on_line : [](const std::string&) {});
    return {s.ppl, s.ppl_base, s.mean_kld, s.mean_kld_error, s.max_kld, s.same_top, s.rms_dp, s.count};
}

GenerateResult generate(const GenerateRequest& request) {
    const auto t0 = std::chrono::steady_clock::now();
    const LlamaModel model(request.model);
    const Tokenizer tok = model_tokenizer(model, request.model);
    ThreadPool pool(request.threads);
    GenerateResult out;
    out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    GenerationOptions o;
    o.n_predict = request.n_predict;
    o.n_ctx = request.n_ctx;
    o.allow_beyond_training_context = request.allow_beyond_training_context;
    o.sampler = {request.temperature, request.top_k, request.top_p, request.seed};
    o.on_piece = request.on_piece;
    const GenerationResult r = qforge::generate(model, tok, request.prompt, o, pool);
    out.text = r.text;
    out.tokens = r.tokens;
    out.prompt_tokens = r.prompt_tokens.size();
    out.prompt_seconds = r.prompt_seconds;
    out.generation_seconds = r.generation_seconds;
    return out;
}

}  // namespace qforge
