// qforge run -m MODEL -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R]
//            [--repeat-last-n N] [--presence-penalty P] [--frequency-penalty F] [--seed S] [-c N] [-t N]
// Streams the prompt and the generated text to stdout; timings go to stderr.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_run_command(CLI::App& app) {
    auto req = std::make_shared<GenerateRequest>();
    auto* cmd = app.add_subcommand("run", "Generate text with a GGUF model");
    cmd->add_option("-m,--model", req->model, "GGUF model")->required();
    cmd->add_option("-p,--prompt", req->prompt, "Prompt")->required();
    cmd->add_option("-n,--n-predict", req->n_predict, "Tokens to generate")->check(CLI::Range(0, 1 << 24));
    cmd->add_option("--temp", req->temperature, "Temperature (0: greedy)")->check(CLI::Range(0.0, 100.0));
    cmd->add_option("--top-k", req->top_k, "Keep the K most likely tokens (0: all)");
    cmd->add_option("--top-p", req->top_p, "Keep the smallest set of tokens with probability >= P")->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--min-p", req->min_p, "Drop tokens less likely than P times the most likely one (0: off)")->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--repeat-penalty", req->repeat_penalty, "Penalise repeated tokens (1: off)")->check(CLI::Range(0.0, 10.0));
    cmd->add_option("--repeat-last-n", req->repeat_last_n, "Tokens the penalties look back over (-1: all, 0: none)")->check(CLI::Range(-1, 1 << 20));
    cmd->add_option("--presence-penalty", req->presence_penalty, "Subtract P from tokens already present")->check(CLI::Range(-2.0, 2.0));
    cmd->add_option("--frequency-penalty", req->frequency_penalty, "Subtract F per occurrence")->check(CLI::Range(-2.0, 2.0));
    cmd->add_option("--seed", req->seed, "Random seed (default: random)");
    cmd->add_option("-c,--ctx-size", req->n_ctx, "Context size (default: the model's, at most 4096)");
    cmd->add_option("-t,--threads", req->threads, "Threads (default: physical cores)");
    cmd->add_flag("--no-ctx-check", req->allow_beyond_training_context, "Allow a context beyond the model's training context");
    cmd->callback([req] {
        req->on_piece = [](const std::string& piece) {
            fmt::print("{}", piece);
            std::fflush(stdout);
        };
        fmt::print("{}", req->prompt);
        const GenerateResult r = generate(*req);
        fmt::print("\n");
        auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
        fmt::print(stderr, "load time      = {:10.2f} ms\n", r.load_seconds * 1e3);
        fmt::print(stderr, "prompt eval    = {:10.2f} ms / {:5} tokens ({:8.2f} tokens per second)\n",
                   r.prompt_seconds * 1e3, r.prompt_tokens, rate(static_cast<double>(r.prompt_tokens), r.prompt_seconds));
        fmt::print(stderr, "generation     = {:10.2f} ms / {:5} tokens ({:8.2f} tokens per second)\n",
                   r.generation_seconds * 1e3, r.tokens.size(), rate(static_cast<double>(r.tokens.size()), r.generation_seconds));
    });
}

}  // namespace qforge::cli
