// The public API (include/qforge/qforge.h) in terms of the library's layers.
#include "qforge/qforge.h"

#include "api/model_tokenizer.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "convert/convert.h"
#include "convert/calibrated_gguf.h"
#include "convert/calibration_samples.h"
#include "convert/quantize_model.h"
#include "convert/open_model.h"
#include "core/error.h"
#include "eval/advise/advisor.h"
#include "eval/report/report_cell.h"
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
    if (request.format == "ctranslate2") {
        if (!request.outtype.empty()) fail("--outtype is for gguf and hf; a CTranslate2 model takes --quantization");
        Ct2ExportOptions o;
        o.quantization = request.quantization;
        o.progress = request.progress;
        const Ct2ExportSummary s = convert_to_ctranslate2(request.source, request.output, o);
        ConvertResult r;
        r.input_kind = std::string(input_kind_name(detect_input_kind(request.source)));
        r.tensors = s.variables;
        r.aliases = s.aliases;
        r.weights = s.weights;
        r.parameters = s.parameters;
        r.bytes = s.bytes;
        r.dequantized = s.dequantized;
        return r;
    }
    const std::string outtype = request.outtype.empty() && request.format != "hf" ? "f16" : request.outtype;
    const auto type = outtype.empty() ? std::nullopt : type_from_name(outtype);
    if (!outtype.empty() && (!type || (*type != TensorType::F32 && *type != TensorType::F16 && *type != TensorType::BF16)))
        fail("unknown --outtype '{}' (expected f32, f16 or bf16)", outtype);
    if (request.format == "hf") {
        HfExportOptions o;
        o.outtype = type;
        o.max_shard_bytes = request.max_shard_bytes;
        o.progress = request.progress;
        const HfExportSummary s = convert_to_hf(request.source, request.output, o);
        ConvertResult r;
        r.input_kind = std::string(input_kind_name(detect_input_kind(request.source)));
        r.tensors = s.tensors;
        r.parameters = s.parameters;
        r.bytes = s.bytes;
        r.shards = s.shards;
        r.dequantized = s.dequantized;
        r.torch_dtype = s.torch_dtype;
        return r;
    }
    if (request.format != "gguf") fail("unknown --format '{}' (expected gguf, hf or ctranslate2)", request.format);
    ConvertOptions options;
    options.outtype = *type;
    if (!request.vocab.empty()) options.vocab_path = request.vocab;
    if (!request.tokenizer_pre.empty()) options.tokenizer_pre = request.tokenizer_pre;
    options.progress = request.progress;
    const ConvertSummary s = convert_to_gguf(request.source, request.output, options);
    ConvertResult r;
    r.input_kind = s.input_kind;
    r.tensors = s.tensors;
    r.parameters = s.parameters;
    r.bytes = s.bytes;
    std::map<std::string, int> ways;  // in first-seen order below
    std::vector<std::string> order;
    for (const auto& l : s.imported) {
        const std::string way = fmt::format("({}) -> {}: {}", l.grid, type_name(l.type), l.how);
        if (ways[way]++ == 0) order.push_back(way);
    }
    for (const auto& way : order) r.quantized_layers.push_back(fmt::format("{} layers {}", ways[way], way));
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
    const auto opened = open_model(request.model);
    const LlamaModel& model = *opened;
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
    if (!r.report.empty()) {
        o.measured_kld = report_klds(r.report);
        for (const auto& [type, kld] : o.measured_kld)
            if (const auto bpw = budget_plan_bpw(type)) o.measured_budget_kld[*bpw] = kld;
    }
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
    o.formats = r.formats;
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
    SpeedOptions so;
    so.n_prompt = request.n_prompt;
    so.n_gen = request.n_gen;
    so.repetitions = request.repetitions;
    so.threads = request.threads;
    so.parallel = request.parallel;
    const SpeedResult r = measure_speed(request.model, so);
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
    b.kernel_paths = r.kernel_paths;
    b.bytes_per_token = r.bytes_per_token;
    b.tg_gb_per_s = static_cast<double>(r.bytes_per_token) * r.tg_tps / 1e9;
    for (const auto& d : r.batched) b.batched.push_back({d.sequences, d.tps, d.tps_sd});
    return b;
}

EvalReport evaluate(const EvalRequest& request) {
    std::vector<McTask> tasks;
    if (request.task == "hellaswag") tasks = parse_hellaswag_text(request.data, request.data_name);
    else if (request.task == "arc" || request.task == "truthfulqa-mc1" || request.task == "mc")
        tasks = parse_mc_jsonl(request.data, request.data_name);
    else fail("eval: unknown task '{}' (hellaswag, arc, truthfulqa-mc1, mc)", request.task);
    const auto opened = open_model(request.model);
    const LlamaModel& model = *opened;
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
    const auto opened = open_model(request.model);
    const LlamaModel& model = *opened;
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
    return {r.perplexity.ppl, r.perplexity.ppl_error, r.perplexity.n_chunks, r.imatrix.entries.size(), r.partial};
}

KlDivergenceReport kl_divergence(const KlDivergenceRequest& request) {
    const auto opened = open_model(request.model);
    const LlamaModel& model = *opened;
    const Tokenizer tok = model_tokenizer(model, request.model);
    const LogitsFileReader base(request.base_file);
    ThreadPool pool(request.threads);
    const KldSummary s = compute_kl_divergence(model, tok, base, pool, request.on_line ? request.on_line : [](const std::string&) {});
    return {s.ppl, s.ppl_base, s.mean_kld, s.mean_kld_error, s.max_kld, s.same_top, s.rms_dp, s.count};
}

GenerateResult generate(const GenerateRequest& request) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto opened = open_model(request.model);
    const LlamaModel& model = *opened;
    const Tokenizer tok = model_tokenizer(model, request.model);
    ThreadPool pool(request.threads);
    GenerateResult out;
    out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    GenerationOptions o;
    o.n_predict = request.n_predict;
    o.n_ctx = request.n_ctx;
    o.allow_beyond_training_context = request.allow_beyond_training_context;
    o.sampler.temperature = request.temperature;
    o.sampler.top_k = request.top_k;
    o.sampler.top_p = request.top_p;
    o.sampler.min_p = request.min_p;
    o.sampler.repeat_penalty = request.repeat_penalty;
    o.sampler.repeat_last_n = request.repeat_last_n;
    o.sampler.presence_penalty = request.presence_penalty;
    o.sampler.frequency_penalty = request.frequency_penalty;
    o.sampler.seed = request.seed;
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
