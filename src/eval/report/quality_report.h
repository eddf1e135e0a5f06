#pragma once
// `qforge report`: quantizes a base model into every requested type x method, measures each (size, bits per
// weight, perplexity and KL-divergence against the base on the evaluation text, prefill/decode speed) and
// writes DIR/report.md, DIR/report.json and DIR/size-vs-kld.svg. Every finished cell is saved as it completes
// (DIR/cells/TYPE-METHOD.json), so an interrupted run resumes where it stopped.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eval/report/report_cell.h"

namespace qforge {

struct ReportOptions {
    std::string base;               // GGUF (float types) or Hugging Face checkpoint directory
    std::vector<std::string> types;    // llama-quantize names: Q8_0, Q6_K, Q4_K_M, ...
    std::vector<std::string> methods;  // rtn, imatrix, gptq, awq (the last two calibrated layer by layer)
    // checkpoint formats written by qforge quantize --format and run through the engine: mlx4, mlx8 (MLX's
    // rounding, groups of 64), fp8 (E4M3, per-channel scales), ct2-int8 (qforge convert --format ctranslate2,
    // int8_float16); their cells' method is "rtn"
    std::vector<std::string> formats;
    std::string eval_path;             // evaluation text
    std::string calib_path;            // calibration text (needed by imatrix)
    std::string out_dir;
    std::int64_t n_ctx = 512;
    std::int64_t chunks = -1;          // evaluation (and calibration) chunks; -1: all
    int bench_prompt = 128, bench_gen = 32;
    int threads = 0;
    std::function<void(const std::string&)> progress;  // one line per step
};

struct ReportSummary {
    std::vector<ReportCell> cells;
    double base_ppl = 0;
    std::string markdown_path, json_path, svg_path;
    std::size_t reused = 0;  // cells taken from an earlier run
};

ReportSummary run_quality_report(const ReportOptions& options);

}  // namespace qforge
