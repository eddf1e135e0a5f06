// qforge report -m BASE --types Q8_0,Q6_K,Q4_K_M,... [--methods rtn,imatrix] [--formats mlx4,mlx8,fp8,ct2-int8] -f EVAL_TEXT [--calib TEXT] -o DIR
// Quantizes BASE into every type x method, measures each, and writes DIR/report.md, DIR/report.json and
// DIR/size-vs-kld.svg. Finished cells are kept, so running it again resumes.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_report_command(CLI::App& app) {
    auto req = std::make_shared<ReportRequest>();
    req->methods = {"rtn"};
    auto* cmd = app.add_subcommand("report", "Size, PPL, KL-divergence and speed of a model across types and methods");
    cmd->add_option("-m,--model", req->base, "Base model: float GGUF or Hugging Face checkpoint directory")->required();
    cmd->add_option("--types", req->types, "Comma-separated types (Q8_0,Q6_K,Q5_K_M,Q4_K_M,...) and budget plans (3.5bpw: quantize --target-bpw 3.5)")->delimiter(',')->required();
    cmd->add_option("--methods", req->methods, "Comma-separated methods: rtn, imatrix, gptq, awq")->delimiter(',');
    cmd->add_option("--formats", req->formats,
                    "Checkpoint formats measured beside the GGUF types: mlx4, mlx8 (mlx-lm's layout, groups of 64), fp8 (E4M3, per channel), ct2-int8 (CTranslate2 int8_float16)")
        ->delimiter(',')
        ->check(CLI::IsMember({"mlx4", "mlx8", "fp8", "ct2-int8"}));
    cmd->add_option("-f,--file", req->eval_file, "Evaluation text")->required();
    cmd->add_option("--calib", req->calib_file, "Calibration text (for imatrix, gptq and awq)");
    cmd->add_option("-o,--output", req->out_dir, "Output directory")->required();
    cmd->add_option("-c,--ctx-size", req->n_ctx, "Context size of the evaluation chunks")->check(CLI::Range(4, 1 << 20));
    cmd->add_option("--chunks", req->chunks, "Evaluation and calibration chunks (default: all)");
    cmd->add_option("--bench-p", req->bench_prompt, "Prompt tokens of the speed test (0 and --bench-n 0: no speed test)");
    cmd->add_option("--bench-n", req->bench_gen, "Generated tokens of the speed test");
    cmd->add_option("-t,--threads", req->threads, "Threads (default: physical cores)");
    cmd->callback([req] {
        req->on_progress = [](const std::string& line) { fmt::print(stderr, "report: {}\n", line); };
        const ReportFiles f = report(*req);
        fmt::print("{}\n{}\n{}\n", f.markdown, f.json, f.svg);
        fmt::print(stderr, "report: {} cells ({} from an earlier run)\n", f.cells, f.reused);
    });
}

}  // namespace qforge::cli
