// qforge perplexity -m MODEL -f TEXT [-c N_CTX] [--chunks N] [-t N] [--kl-divergence-base FILE] [--json]
// qforge perplexity -m MODEL --kl-divergence --kl-divergence-base FILE
// Prints llama-perplexity's lines: "[1]31.4660,[2]28.3690,..." and "Final estimate: PPL = 22.9402 +/- 0.31011".
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

void add_perplexity_command(CLI::App& app) {
    struct Args {
        std::string model, file, kl_base;
        bool kl = false;
        std::int64_t n_ctx = 512, chunks = -1, batch = 2048;
        bool no_ctx_check = false;
        int threads = 0;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("perplexity", "Perplexity of a GGUF model on a text, as llama-perplexity computes it");
    cmd->add_option("-m,--model", args->model, "GGUF model")->required();
    cmd->add_option("-f,--file", args->file, "Text file");
    cmd->add_option("--kl-divergence-base", args->kl_base,
                    "Save the log-probabilities there (or, with --kl-divergence, compare against them)");
    cmd->add_flag("--kl-divergence", args->kl, "Compare the model against the --kl-divergence-base file");
    cmd->add_option("-c,--ctx-size", args->n_ctx, "Context size (chunk length)")->check(CLI::Range(4, 1 << 20));
    cmd->add_option("--chunks", args->chunks, "Number of chunks (default: all)");
    cmd->add_option("-b,--batch-size", args->batch, "Tokens per forward pass")->check(CLI::Range(1, 1 << 20));
    cmd->add_flag("--no-ctx-check", args->no_ctx_check, "Allow a context beyond the model's training context");
    cmd->add_option("-t,--threads", args->threads, "Threads (default: physical cores)");
    cmd->add_flag("--json", args->json, "Print the result as JSON");
    cmd->callback([args] {
        if (args->kl) {
            if (args->kl_base.empty()) fail("--kl-divergence needs --kl-divergence-base FILE");
            KlDivergenceRequest kreq;
            kreq.model = args->model;
            kreq.base_file = args->kl_base;
            kreq.threads = args->threads;
            kreq.on_line = [](const std::string& line) {
                fmt::print("{}\n", line);
                std::fflush(stdout);
            };
            if (args->json) kreq.on_line = nullptr;
            const KlDivergenceReport k = kl_divergence(kreq);
            if (args->json)
                fmt::print("{}\n", nlohmann::json{{"ppl", k.ppl}, {"ppl_base", k.ppl_base}, {"mean_kld", k.mean_kld},
                                                  {"mean_kld_error", k.mean_kld_error}, {"max_kld", k.max_kld},
                                                  {"same_top", k.same_top}, {"rms_dp", k.rms_dp}, {"tokens", k.tokens}}
                                        .dump());
            return;
        }
        if (args->file.empty()) fail("perplexity: give the text with -f FILE");
        PerplexityRequest req;
        req.model = args->model;
        req.text = read_text_file(args->file);
        req.n_ctx = args->n_ctx;
        req.n_chunks = args->chunks;
        req.n_batch = args->batch;
        req.allow_beyond_training_context = args->no_ctx_check;
        req.threads = args->threads;
        req.kl_divergence_base = args->kl_base;
        const auto start = std::chrono::steady_clock::now();
        if (!args->json)
            req.on_chunk = [](std::int64_t i, double ppl) {
                fmt::print("[{}]{:.4f},", i, ppl);
                std::fflush(stdout);
            };
        const PerplexityReport r = perplexity(req);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (args->json) {
            nlohmann::json j = {{"ppl", r.ppl}, {"ppl_error", r.ppl_error}, {"n_ctx", args->n_ctx},
                                {"chunks", r.n_chunks}, {"tokens_scored", r.n_scored}, {"seconds", secs}};
            fmt::print("{}\n", j.dump());
            return;
        }
        fmt::print("\nFinal estimate: PPL = {:.4f} +/- {:.5f}\n", r.ppl, r.ppl_error);
        fmt::print(stderr, "perplexity: {} chunks of {} tokens, {} scored, {:.2f} s\n", r.n_chunks, args->n_ctx,
                   r.n_scored, secs);
    });
}

}  // namespace qforge::cli
