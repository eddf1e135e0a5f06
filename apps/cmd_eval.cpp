// qforge eval -m MODEL --task hellaswag|arc|truthfulqa-mc1|mc -f FILE [--limit N] [--json]
// Multiple-choice accuracy by log-likelihood. Prints llama-perplexity --hellaswag's lines ("task\tacc_norm",
// then the running acc_norm per task) and a final line with acc_norm and acc and their standard errors.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "text_file.h"
#include "core/error.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_eval_command(CLI::App& app) {
    struct Args {
        EvalRequest req;
        std::string file;
        bool json = false, in_order = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("eval", "Multiple-choice accuracy (HellaSwag, ARC, TruthfulQA mc1, any JSON-lines task)");
    cmd->add_option("-m,--model", args->req.model, "GGUF model")->required();
    cmd->add_option("--task", args->req.task, "hellaswag (llama.cpp's text format) | arc | truthfulqa-mc1 | mc (JSON lines)")
        ->check(CLI::IsMember({"hellaswag", "arc", "truthfulqa-mc1", "mc"}));
    cmd->add_option("-f,--file", args->file, "Task file")->required();
    cmd->add_option("--limit", args->req.limit, "Score this many tasks (default: all)");
    cmd->add_flag("--in-order", args->in_order, "Take tasks in file order (default: llama.cpp's random order)");
    cmd->add_flag("--no-ctx-check", args->req.allow_beyond_training_context,
                  "Allow tasks longer than the model's training context");
    cmd->add_option("-t,--threads", args->req.threads, "Threads (default: physical cores)");
    cmd->add_flag("--json", args->json, "Print the result as JSON");
    cmd->callback([args] {
        EvalRequest req = args->req;
        req.data = read_text_file(args->file);
        req.data_name = args->file;
        req.randomize = !args->in_order;
        if (!args->json) {
            fmt::print("\ntask\tacc_norm\n");
            req.on_task = [](std::size_t i, double acc_norm) {
                fmt::print("{}\t{:.8f}\n", i, acc_norm);
                std::fflush(stdout);
            };
        }
        const EvalReport r = evaluate(req);
        if (args->json) {
            fmt::print("{}\n", nlohmann::json{{"task", req.task}, {"tasks", r.tasks}, {"acc", r.acc},
                                              {"acc_stderr", r.acc_stderr}, {"acc_norm", r.acc_norm},
                                              {"acc_norm_stderr", r.acc_norm_stderr}}
                                   .dump());
            return;
        }
        fmt::print("\nFinal {}: acc_norm = {:.2f} +/- {:.2f}, acc = {:.2f} +/- {:.2f} ({} tasks)\n", req.task,
                   r.acc_norm, r.acc_norm_stderr, r.acc, r.acc_stderr, r.tasks);
    });
}

}  // namespace qforge::cli
