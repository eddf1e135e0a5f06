// qforge imatrix -m MODEL -f TEXT -o FILE [-c N_CTX] [--chunks N] [--format dat|gguf] [--process-output]
// As llama-imatrix: collects per-column mean squared activations of every block weight over the calibration
// text, prints the running perplexity "[1]19.3102,..." and "Final estimate: PPL = ...", writes the file.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "text_file.h"
#include "core/error.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_imatrix_command(CLI::App& app) {
    struct Args {
        ImatrixRequest req;
        std::string file;
        bool no_ctx_check = false, json = false;
    };
    auto args = std::make_shared<Args>();
    args->req.output = "imatrix.dat";
    auto* cmd = app.add_subcommand("imatrix", "Importance matrix from calibration text (as llama-imatrix)");
    cmd->add_option("-m,--model", args->req.model, "GGUF model")->required();
    cmd->add_option("-f,--file", args->file, "Calibration text")->required();
    cmd->add_option("-o,--output", args->req.output, "Output file (default imatrix.dat)");
    cmd->add_option("--format", args->req.format, "dat (llama.cpp's legacy layout) or gguf")->check(CLI::IsMember({"dat", "gguf"}));
    cmd->add_option("-c,--ctx-size", args->req.n_ctx, "Context size (chunk length, default 512)")->check(CLI::Range(4, 1 << 20));
    cmd->add_option("--chunks", args->req.n_chunks, "Number of chunks (default: all)");
    cmd->add_option("-b,--batch-size", args->req.n_batch, "Tokens per forward pass")->check(CLI::Range(1, 1 << 20));
    cmd->add_flag("--process-output", args->req.process_output, "Collect output.weight too");
    cmd->add_flag("--no-ctx-check", args->no_ctx_check, "Allow a context beyond the model's training context");
    cmd->add_option("-t,--threads", args->req.threads, "Threads (default: physical cores)");
    cmd->add_flag("--json", args->json, "Print the result as JSON");
    cmd->callback([args] {
        ImatrixRequest req = args->req;
        req.text = read_text_file(args->file);
        req.dataset = args->file;
        req.allow_beyond_training_context = args->no_ctx_check;
        if (!args->json)
            req.on_chunk = [](std::int64_t i, double ppl) {
                fmt::print("[{}]{:.4f},", i, ppl);
                std::fflush(stdout);
            };
        const auto start = std::chrono::steady_clock::now();
        const ImatrixReport r = imatrix(req);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (args->json) {
            fmt::print("{}\n", nlohmann::json{{"output", req.output}, {"format", req.format}, {"entries", r.entries},
                                              {"partial", r.partial}, {"chunks", r.n_chunks}, {"ppl", r.ppl},
                                              {"ppl_error", r.ppl_error}, {"seconds", secs}}
                                   .dump());
            return;
        }
        fmt::print("\nFinal estimate: PPL = {:.4f} +/- {:.5f}\n", r.ppl, r.ppl_error);
        for (const std::string& name : r.partial)  // llama-imatrix's warning
            fmt::print(stderr, "save_imatrix: entry '{:>40}' has partial data - skipping (some expert saw no token)\n", name);
        fmt::print(stderr, "imatrix: stored {} entries collected over {} chunks in {} ({:.2f} s)\n", r.entries,
                   r.n_chunks, req.output, secs);
    });
}

}  // namespace qforge::cli
