#include "eval/report/quality_report.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "convert/budget_planning.h"
#include "convert/convert.h"
#include "convert/calibrated_gguf.h"
#include "convert/calibration_samples.h"
#include "convert/fp8_checkpoint_export.h"
#include "convert/hf_model_files.h"
#include "convert/mlx_export.h"
#include "convert/open_model.h"
#include "convert/quantize_model.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "eval/imatrix_compute.h"
#include "eval/kl_divergence.h"
#include "eval/logits_file.h"
#include "eval/perplexity.h"
#include "eval/report/size_kld_chart.h"
#include "eval/speed_bench.h"
#include "formats/format_detect.h"
#include "formats/gguf/gguf_file.h"
#include "formats/hf/hf_checkpoint.h"
#include "model/llama_model.h"
#include "quant/plan/llama_mix.h"
#include "tokenizer/tokenizer.h"

namespace qforge {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open", path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
    AtomicFile out(path);
    out.write(text.data(), text.size());
    out.commit();
}

void set_kld(ReportCell& c, const KldSummary& k) {
    c.ppl = k.ppl;
    c.ppl_error = k.ppl_error;
    c.kld = k.mean_kld;
    c.kld_error = k.mean_kld_error;
    c.max_kld = k.max_kld;
    c.same_top = k.same_top;
}

Tokenizer tokenizer_of(const LlamaModel& m) { return Tokenizer::from_gguf(m.file().metadata(), m.file().path()); }

std::string base_gguf(const ReportOptions& o, const std::function<void(const std::string&)>& say) {
    if (detect_input_kind(o.base) == InputKind::Gguf) return o.base;
    const std::string path = o.out_dir + "/base-f32.gguf";
    if (!fs::exists(path)) {
        say(fmt::format("converting {} to {}", o.base, path));
        ConvertOptions c;
        c.outtype = TensorType::F32;
        c.progress = false;
        convert_to_gguf(o.base, path, c);
    }
    return path;
}

std::string markdown(const ReportSummary& s, const ReportOptions& o, const std::string& base) {
    std::vector<ReportCell> cells = s.cells;
    std::sort(cells.begin(), cells.end(), [](const auto& a, const auto& b) { return a.bits_per_weight > b.bits_per_weight; });
    const auto front = pareto_front(cells);
    std::string md = fmt::format("# Quantization report\n\nBase model: `{}` (PPL {:.4f}). Evaluation: `{}`, context {}, {}.\n\n",
                                 base, s.base_ppl, o.eval_path, o.n_ctx,
                                 o.chunks < 0 ? std::string("all chunks") : fmt::format("{} chunks", o.chunks));
    md += "| type | method | size MiB | bpw | PPL | mean KLD | max KLD | same top % | pp t/s | tg t/s | Pareto |\n";
    md += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto& c = cells[i];
        const bool on_front = std::find(front.begin(), front.end(), i) != front.end();
        md += fmt::format("| {} | {} | {:.2f} | {:.2f} | {:.4f} ± {:.4f} | {:.6f} ± {:.6f} | {:.4f} | {:.2f} | {:.1f} | {:.1f} | {} |\n",
                          c.type, c.method, static_cast<double>(c.bytes) / (1024.0 * 1024.0), c.bits_per_weight, c.ppl,
                          c.ppl_error, c.kld, c.kld_error, c.max_kld, 100.0 * c.same_top, c.pp_tps, c.tg_tps,
                          on_front ? "yes" : "");
    }
    md += "\n![bits per weight against mean KL-divergence](size-vs-kld.svg)\n\n";
    md += fmt::format("Regenerate: `qforge report -m {} --types {} --methods {}{} -f {}{} -c {}{} -o {}`\n", o.base,
                      fmt::join(o.types, ","), fmt::join(o.methods, ","),
                      o.formats.empty() ? "" : fmt::format(" --formats {}", fmt::join(o.formats, ",")), o.eval_path,
                      o.calib_path.empty() ? "" : " --calib " + o.calib_path, o.n_ctx,
                      o.chunks < 0 ? "" : fmt::format(" --chunks {}", o.chunks), o.out_dir);
    return md;
}

}  // namespace

ReportSummary run_quality_report(const ReportOptions& o) {
    const auto say = [&](const std::string& line) {
        if (o.progress) o.progress(line);
    };
    if (o.types.empty() || o.methods.empty()) fail("report: give at least one --types entry and one --methods entry");
    for (const auto& t : o.types)
        if (!find_llama_mix(t) && !budget_plan_bpw(t))
            fail("report: unknown type '{}' (llama-quantize's names: Q8_0, Q4_K_M, ...; or a budget plan: 3.5bpw)", t);
        else if (budget_plan_bpw(t) && std::find(o.methods.begin(), o.methods.end(), "awq") != o.methods.end())
            fail("report: budget plan '{}' with --methods awq: a budget plan is quantized with rtn, imatrix or gptq, as "
                 "qforge quantize --target-bpw allows", t);
    for (const auto& m : o.methods) {
        if (m != "rtn" && m != "imatrix" && m != "gptq" && m != "awq") fail("report: unknown method '{}' (rtn, imatrix, gptq, awq)", m);
        if (m != "rtn" && o.calib_path.empty()) fail("report: the {} method needs calibration text (--calib FILE)", m);
    }
    fs::create_directories(o.out_dir + "/cells");
    const std::string base = base_gguf(o, say);
    const std::string eval_text = read_text(o.eval_path);
    ThreadPool pool(o.threads);
    ReportSummary s;

    // Base log-probabilities, once.
    const std::string kld_path = o.out_dir + "/base.kld", base_json = o.out_dir + "/base.json";
    if (!fs::exists(kld_path) || !fs::exists(base_json)) {
        say(fmt::format("base: perplexity and log-probabilities of {}", base));
        const LlamaModel model(base);
        PerplexityOptions p;
        p.n_ctx = o.n_ctx;
        p.n_chunks = o.chunks;
        p.kl_base_path = kld_path;
        const PerplexityResult r = compute_perplexity(model, tokenizer_of(model), eval_text, p, pool);
        write_text(base_json, nlohmann::json{{"file", base}, {"ppl", r.ppl}, {"ppl_error", r.ppl_error}}.dump(2));
    }
    {
        const auto j = nlohmann::json::parse(read_text(base_json), nullptr, false);
        if (j.is_discarded() || !j.contains("ppl")) fail("{}: damaged (delete it to recompute)", base_json);
        s.base_ppl = j["ppl"].get<double>();
    }
    // The importance matrix, once.
    const std::string imatrix_path = o.out_dir + "/imatrix.dat";
    std::shared_ptr<const Imatrix> imatrix;
    if (std::find(o.methods.begin(), o.methods.end(), "imatrix") != o.methods.end()) {
        if (!fs::exists(imatrix_path)) {
            say(fmt::format("imatrix: collecting from {}", o.calib_path));
            const LlamaModel model(base);
            ImatrixComputeOptions io;
            io.pass.n_ctx = o.n_ctx;
            io.pass.n_chunks = o.chunks;
            io.dataset = o.calib_path;
            write_imatrix(imatrix_path, compute_imatrix(model, tokenizer_of(model), read_text(o.calib_path), io, pool).imatrix,
                          ImatrixFormat::Dat);
        }
        imatrix = std::make_shared<const Imatrix>(read_imatrix(imatrix_path));
    }

    // GPTQ and AWQ calibrate layer by layer on the calibration text, per cell (the samples are cut once).
    std::unique_ptr<LlamaModel> calib_model;
    std::vector<std::vector<std::int32_t>> calib_samples;
    const bool calibrated = std::any_of(o.methods.begin(), o.methods.end(), [](const std::string& m) { return m == "gptq" || m == "awq"; });
    if (calibrated) {
        calib_model = std::make_unique<LlamaModel>(base);
        calib_samples = calibration_samples(tokenizer_of(*calib_model), read_text(o.calib_path),
                                            {o.n_ctx, o.chunks < 0 ? 128 : o.chunks, 0}, o.calib_path);
    }

    // Budget plans with a calibrated method measure each tensor's KL-divergence probe on a few calibration
    // chunks, as qforge quantize --target-bpw does (--budget-samples 8; fewer where --chunks asks for fewer).
    std::unique_ptr<LlamaModel> probe_model;
    std::vector<std::vector<std::int32_t>> probe_samples;
    const bool probed_plans = std::any_of(o.types.begin(), o.types.end(), [](const std::string& t) { return budget_plan_bpw(t).has_value(); }) &&
                              std::any_of(o.methods.begin(), o.methods.end(), [](const std::string& m) { return m != "rtn"; });
    if (probed_plans) {
        probe_model = std::make_unique<LlamaModel>(base);
        probe_samples = calibration_samples(tokenizer_of(*probe_model), read_text(o.calib_path), {o.n_ctx, o.chunks < 0 ? 8 : std::min<std::int64_t>(8, o.chunks), 0}, o.calib_path);
    }

    const LogitsFileReader base_logits(kld_path);
    const std::size_t total = o.types.size() * o.methods.size();
    std::size_t index = 0;
    for (const auto& method : o.methods) {
        for (const auto& type : o.types) {
            ++index;
            const std::string stem = type + "-" + method;
            const std::string cell_path = o.out_dir + "/cells/" + stem + ".json";
            const std::string gguf = o.out_dir + "/" + stem + ".gguf";
            if (fs::exists(cell_path) && fs::exists(gguf)) {
                s.cells.push_back(cell_from_json(nlohmann::json::parse(read_text(cell_path))));
                ++s.reused;
                say(fmt::format("[{}/{}] {} {}: done in an earlier run", index, total, type, method));
                continue;
            }
            ReportCell c;
            c.type = type;
            c.method = method;
            c.file = gguf;
            say(fmt::format("[{}/{}] {} {}: quantizing", index, total, type, method));
            QuantizeOptions q;
            q.type = type;
            q.progress = false;
            q.allow_requantize = true;
            if (method == "imatrix") {
                q.imatrix = imatrix;
                q.imatrix_path = imatrix_path;
            }
            const auto t0 = std::chrono::steady_clock::now();
            if (const auto bpw = budget_plan_bpw(type)) {
                // rtn: the plan weighs plain output errors; the others probe the model (imatrix: with the
                // report's importance matrix, gptq: with the one the probes collect)
                say(fmt::format("[{}/{}] {} {}: planning the budget", index, total, type, method));
                BudgetPlanningOptions bo;
                bo.target.bpw = *bpw;
                bo.target.text = fmt::format("{} bpw", *bpw);
                bo.progress = false;
                bo.calib_name = o.calib_path;
                const bool probed = method != "rtn";
                const BudgetPlan plan = plan_to_budget(GgufFile(base), method == "imatrix" ? imatrix.get() : nullptr,
                                                       probed ? probe_model.get() : nullptr,
                                                       probed ? probe_samples : std::vector<std::vector<std::int32_t>>{}, bo, pool);
                apply_budget_plan(plan, bo, q);
            }
            std::function<void(QuantizePlan&)> calibrate;
            if (method == "gptq" || method == "awq")
                calibrate = [&](QuantizePlan& plan) {
                    CalibratedGgufOptions co;
                    co.method = method;
                    co.progress = false;
                    calibrate_plan(plan, calib_model.get(), calib_samples, co, pool);
                };
            quantize_model(base, gguf, q, o.threads, calibrate);
            c.seconds_quantize = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            {
                const GgufFile f(gguf);
                std::uint64_t elements = 0;
                for (const auto& t : f.tensors()) {
                    c.bytes += t.data.size();
                    elements += static_cast<std::uint64_t>(t.n_elements());
                }
                c.bits_per_weight = 8.0 * static_cast<double>(c.bytes) / static_cast<double>(elements);
            }
            say(fmt::format("[{}/{}] {} {}: KL-divergence against the base", index, total, type, method));
            {
                const LlamaModel model(gguf);
                set_kld(c, compute_kl_divergence(model, tokenizer_of(model), base_logits, pool, [](const std::string&) {}));
            }
            if (o.bench_prompt + o.bench_gen > 0) {
                say(fmt::format("[{}/{}] {} {}: speed", index, total, type, method));
                const SpeedResult sp = measure_speed(gguf, {o.bench_prompt, o.bench_gen, 1, o.threads});
                c.pp_tps = sp.pp_tps;
                c.tg_tps = sp.tg_tps;
            }
            write_text(cell_path, to_json(c).dump(2));
            s.cells.push_back(c);
        }
    }

    // The checkpoint formats, written as qforge quantize --format writes them and run as the engine reads them.
    if (!o.formats.empty()) {
        const GgufFile base_file(base);
        const HfModelFiles files = hf_model_files(base_file);
        std::uint64_t elements = 0;
        for (const auto& t : base_file.tensors())
            if (!t.name.starts_with("rope_")) elements += static_cast<std::uint64_t>(t.n_elements());
        for (std::size_t i = 0; i < o.formats.size(); ++i) {
            const std::string& format = o.formats[i];
            const std::string cell_path = o.out_dir + "/cells/" + format + ".json", dir = o.out_dir + "/" + format;
            const std::string step = fmt::format("[format {}/{}] {}", i + 1, o.formats.size(), format);
            if (fs::exists(cell_path) && fs::exists(dir)) {
                s.cells.push_back(cell_from_json(nlohmann::json::parse(read_text(cell_path))));
                ++s.reused;
                say(step + ": done in an earlier run");
                continue;
            }
            fs::remove_all(dir);  // a run cut short before its cell was recorded
            ReportCell c;
            c.method = "rtn";
            c.file = dir;
            say(step + ": writing");
            const auto t0 = std::chrono::steady_clock::now();
            if (format == "mlx4" || format == "mlx8") {
                MlxExportOptions mo;
                mo.grid = {format == "mlx4" ? 4 : 8, 64};
                mo.progress = false;
                write_mlx_checkpoint(dir, base_file.tensors(), base, files, mo);
                c.type = fmt::format("MLX INT{} g64", mo.grid.bits);
            } else if (format == "fp8") {
                Fp8Config fc;
                write_fp8_checkpoint(dir, base_file, files, fc, 5'000'000'000ull, false);
                c.type = "FP8 E4M3 per-channel";
            } else if (format == "ct2-int8") {
                Ct2ExportOptions co;
                co.quantization = "int8_float16";
                co.progress = false;
                export_gguf_to_ctranslate2(base_file, dir, co);
                c.type = "CTranslate2 int8_float16";
            } else {
                fail("report: unknown format '{}' (mlx4, mlx8, fp8 or ct2-int8)", format);
            }
            c.seconds_quantize = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (format == "ct2-int8") {
                c.bytes = fs::file_size(dir + "/model.bin");
            } else {
                const HfCheckpoint written(dir);
                for (const auto& t : written.tensors()) c.bytes += t.data.size();
            }
            c.bits_per_weight = 8.0 * static_cast<double>(c.bytes) / static_cast<double>(elements);
            say(step + ": KL-divergence against the base");
            const std::unique_ptr<LlamaModel> model = open_model(dir);
            set_kld(c, compute_kl_divergence(*model, tokenizer_of(*model), base_logits, pool, [](const std::string&) {}));
            write_text(cell_path, to_json(c).dump(2));
            s.cells.push_back(c);
        }
    }

    nlohmann::json cells = nlohmann::json::array();
    for (const auto& c : s.cells) cells.push_back(to_json(c));
    s.json_path = o.out_dir + "/report.json";
    s.markdown_path = o.out_dir + "/report.md";
    s.svg_path = o.out_dir + "/size-vs-kld.svg";
    write_text(s.json_path, nlohmann::json{{"base", {{"file", base}, {"ppl", s.base_ppl}}},
                                           {"eval", {{"file", o.eval_path}, {"n_ctx", o.n_ctx}, {"chunks", o.chunks}}},
                                           {"cells", cells}}
                                .dump(2));
    write_text(s.markdown_path, markdown(s, o, base));
    write_text(s.svg_path, size_kld_svg(s.cells, "Size against KL-divergence: " + fs::path(base).filename().string()));
    return s;
}

}  // namespace qforge
